import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiSpeechTts, SpeechServiceError } from '../../../adapters/tts/openai-speech.js';
import { startAudioApiFixture, type AudioFixture } from '../../support/audio-api-fixture.js';

let fixture: AudioFixture;
beforeAll(async () => {
  fixture = await startAudioApiFixture();
});
afterAll(() => fixture.close());

/** 0.5 s of 24 kHz PCM whose bytes count up, so order and exactness are visible. */
const speech = () => Uint8Array.from({ length: 24_000 }, (_, i) => i % 251);
const signal = () => new AbortController().signal;

/**
 * Requests of a session are at least a turn apart; one macrotask is enough for the HTTP client to put
 * the finished connection back in its pool (back-to-back requests in the same tick open a second one).
 */
const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('OpenAI-compatible speech TTS', () => {
  it(
    'streams the server PCM in order, byte-exact, in whole-sample chunks, before the server has ' + 'finished',
    async () => {
      const pcm = speech();
      // 7 writes of 3429 bytes: odd-sized pieces, so samples straddle the writes.
      fixture.behave({ speechPcm: pcm, writes: 7, writeDelayMs: 30 });
      const tts = createOpenAiSpeechTts({ baseUrl: fixture.baseUrl, model: 'tts-test', voice: 'nova' });
      expect(tts.sampleRateHz).toBe(24_000);
      const chunks: Uint8Array[] = [];
      let writesAtFirstChunk = -1;
      for await (const chunk of tts.synthesize({ text: 'Hello there.', signal: signal() })) {
        if (chunks.length === 0) writesAtFirstChunk = fixture.requests.at(-1)!.writesSent;
        chunks.push(chunk);
      }
      expect(writesAtFirstChunk).toBeLessThan(7);
      expect(chunks.every((c) => c.byteLength % 2 === 0)).toBe(true);
      expect(chunks.slice(0, -1).every((c) => c.byteLength === 4800)).toBe(true);
      expect(Buffer.concat(chunks).equals(Buffer.from(pcm))).toBe(true);
      expect(fixture.requests.at(-1)!.json).toEqual({
        model: 'tts-test',
        voice: 'nova',
        input: 'Hello there.',
        response_format: 'pcm',
      });
    },
  );

  it('an abort mid-stream stops the stream and closes the request on the server', async () => {
    fixture.behave({ speechPcm: new Uint8Array(48_000 * 2), writes: 20, writeDelayMs: 40 });
    const tts = createOpenAiSpeechTts({ baseUrl: fixture.baseUrl, model: 'tts-test', voice: 'nova' });
    const controller = new AbortController();
    let got = 0;
    for await (const chunk of tts.synthesize({ text: 'A long answer.', signal: controller.signal })) {
      got += chunk.byteLength;
      controller.abort();
    }
    expect(got).toBe(4800);
    const record = fixture.requests.at(-1)!;
    const deadline = Date.now() + 5000;
    while (!record.closedEarly && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(record.closedEarly).toBe(true);
    expect(record.writesSent).toBeLessThan(20);
  });

  it('keeps one connection alive across requests', async () => {
    const local = await startAudioApiFixture({ speechPcm: new Uint8Array(9600) });
    const tts = createOpenAiSpeechTts({ baseUrl: local.baseUrl, model: 'tts-test', voice: 'nova' });
    for (let i = 0; i < 3; i++) {
      for await (const chunk of tts.synthesize({ text: `Turn ${i}.`, signal: signal() })) void chunk;
      await nextTurn();
    }
    expect(local.requests).toHaveLength(3);
    expect(local.connections).toBe(1);
    await local.close();
  });

  it('an error status names the model and voice to check', async () => {
    fixture.behave({ status: 404 });
    const tts = createOpenAiSpeechTts({ baseUrl: fixture.baseUrl, model: 'no-such-model', voice: 'nova' });
    const run = async () => {
      for await (const chunk of tts.synthesize({ text: 'Hi.', signal: signal() })) void chunk;
    };
    await expect(run()).rejects.toThrow(SpeechServiceError);
    await expect(run()).rejects.toThrow(/answered 404 .*check the model "no-such-model" and the voice "nova"/);
    // A 404 fails every time: the TTS chain passes this engine by; a 503 may pass on a retry.
    await expect(run()).rejects.toMatchObject({ retryable: false });
    fixture.behave({ status: 503 });
    await expect(run()).rejects.toMatchObject({ name: 'SpeechServiceError', retryable: true });
  });

  it('an unreachable server says so and names the setting', async () => {
    const tts = createOpenAiSpeechTts({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', voice: 'v' });
    await expect(tts.warmUp!()).rejects.toThrow(
      /speech server at http:\/\/127\.0\.0\.1:1\/v1 is unreachable .*tts\.engines\[\]\.baseUrl/,
    );
    const run = async () => {
      for await (const chunk of tts.synthesize({ text: 'Hi.', signal: signal() })) void chunk;
    };
    // Unreachable now, maybe not in a moment: retryable.
    await expect(run()).rejects.toMatchObject({ retryable: true });
  });
});
