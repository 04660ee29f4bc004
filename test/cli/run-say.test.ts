import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encodeWav, readWav } from '../../adapters/audio/wav.js';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';

const run = promisify(execFile);
const FAKES = {
  VA_VAD__ENGINE: 'fake',
  VA_STT__ENGINE: 'fake',
  VA_STT__FAKE_TRANSCRIPTS: '["hello robot"]',
  VA_LLM__ENGINE: 'fake',
  VA_LLM__FAKE_REPLY: 'Hello human, nice to meet you.',
  VA_TTS__ENGINES: '[{"engine":"fake","latencyMs":20,"msPerWord":100}]',
};
const cli = (args: string[], env: Record<string, string> = FAKES) =>
  run(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', ...args], {
    timeout: 60_000,
    env: { ...process.env, ...env },
  });

describe('voice-agent say / run (on the fake engines)', () => {
  it(
    'say writes a WAV of the spoken text (VA_API_KEY, the key of `watch`, is no setting and is left ' + 'alone)',
    async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'va-say-')), 'hello.wav');
      const { stdout } = await cli(['say', 'three words here', '--out', out], { ...FAKES, VA_API_KEY: 'x' });
      expect(stdout).toContain('300 ms at 16000 Hz by fake-tts');
      const wav = readWav(readFileSync(out));
      expect(wav.sampleRateHz).toBe(16_000);
      expect(wav.pcm.byteLength).toBe(300 * 32);
    },
  );

  it('run answers the recording and writes the reply track and the timeline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-run-'));
    const frames = [
      ...Array(40).fill(makeSpeechFrame(16_000, 20, 2)),
      ...Array(20).fill(makeSilenceFrame(16_000, 20)),
    ] as Uint8Array[];
    const pcm = new Uint8Array(frames.length * 640);
    frames.forEach((f, i) => pcm.set(f, i * 640));
    writeFileSync(join(dir, 'in.wav'), encodeWav(pcm, 16_000));
    const { stdout } = await cli(['run', '--in', join(dir, 'in.wav'), '--out', join(dir, 'reply.wav')]);
    expect(stdout).toMatch(/run#u1 +hello robot/);
    const timeline = JSON.parse(readFileSync(join(dir, 'reply.timeline.json'), 'utf8')) as {
      turns: Array<{ outcome: string; heardText: string; firstAudioAtMs: number }>;
    };
    expect(timeline.turns).toHaveLength(1);
    expect(timeline.turns[0]).toMatchObject({ outcome: 'finished', heardText: 'Hello human, nice to meet you.' });
    // The reply track is silent until the agent spoke, then holds 6 words × 100 ms of audio.
    const reply = readWav(readFileSync(join(dir, 'reply.wav'))).pcm;
    const samples = new Int16Array(reply.buffer, reply.byteOffset, reply.byteLength / 2);
    const firstSound = samples.findIndex((v) => v !== 0);
    expect(firstSound / 16).toBeGreaterThanOrEqual(timeline.turns[0]!.firstAudioAtMs - 1);
    const voiced = samples.filter((v) => v !== 0).length / 16;
    expect(voiced).toBeGreaterThan(500);
    expect(voiced).toBeLessThanOrEqual(600);
  }, 60_000);

  it('run resamples a recording at another rate to the session input rate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-run-'));
    const frames = [
      ...Array(40).fill(makeSpeechFrame(48_000, 20, 2)),
      ...Array(20).fill(makeSilenceFrame(48_000, 20)),
    ] as Uint8Array[];
    const pcm = new Uint8Array(frames.length * 1920);
    frames.forEach((f, i) => pcm.set(f, i * 1920));
    writeFileSync(join(dir, 'in.wav'), encodeWav(pcm, 48_000));
    const { stdout } = await cli(['run', '--in', join(dir, 'in.wav'), '--out', join(dir, 'reply.wav')]);
    expect(stdout).toContain('resampled 48000 Hz → 16000 Hz');
    expect(stdout).toMatch(/run#u1 +hello robot/);
    const timeline = JSON.parse(readFileSync(join(dir, 'reply.timeline.json'), 'utf8')) as {
      turns: Array<{ outcome: string }>;
    };
    expect(timeline.turns.map((t) => t.outcome)).toEqual(['finished']);
  }, 60_000);

  it('say speaks with the default local TTS (flite), at the configured output rate', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'va-say-')), 'x.wav');
    const { stdout } = await cli(['say', 'Battery low, returning to the dock.', '--out', out], {
      VA_AUDIO__OUTPUT_RATE_HZ: '24000',
    });
    expect(stdout).toMatch(/at 24000 Hz \(resampled from 16000 Hz\) by flite\(kal16\)/);
    const wav = readWav(readFileSync(out));
    expect(wav.sampleRateHz).toBe(24_000);
    expect(wav.pcm.byteLength).toBeGreaterThan(24_000 * 2);
  });

  it('run against an unreachable transcription server says which server and which setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-run-'));
    writeFileSync(join(dir, 'in.wav'), encodeWav(new Uint8Array(640), 16_000));
    await expect(
      cli(['run', '--in', join(dir, 'in.wav'), '--out', join(dir, 'o.wav')], {
        VA_STT__ENGINE: 'openai',
        VA_STT__BASE_URL: 'http://127.0.0.1:1/v1',
      }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /transcription server at http:\/\/127\.0\.0\.1:1\/v1 is unreachable .*check stt\.baseUrl/,
      ),
    });
  });

  it('run with an engine name the configuration does not know lists the valid ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-run-'));
    writeFileSync(join(dir, 'in.wav'), encodeWav(new Uint8Array(640), 16_000));
    await expect(
      cli(['run', '--in', join(dir, 'in.wav'), '--out', join(dir, 'o.wav')], { VA_STT__ENGINE: 'whisper-cpp' }),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/stt\.engine: .*"pocketsphinx".*\(set it in the config file or VA_STT__ENGINE\)/),
    });
  });
});
