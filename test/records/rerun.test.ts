/**
 * `voice-agent replay --rerun` on the local stack: a short session is recorded with its microphone —
 * flite says "turn left" into WebRTC VAD → pocketsphinx (robot grammar) → rules → flite — and re-run
 * through a changed configuration (another rule set, another barge-in threshold). The old and new
 * per-turn timelines come out side by side: same words heard, another answer.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resampleAll } from '../../adapters/audio/resample.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import { loadConfig } from '../../runtime/config.js';
import { createSessionRecorder, openRecordStore, type SessionRecorder } from '../../server/records/index.js';
import { runAudio } from '../../runtime/run-audio.js';

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', ...args], { timeout: 90_000 });
const dir = mkdtempSync(join(tmpdir(), 'va-rerun-'));
const file = join(dir, 'records.db');

async function speak(text: string, rateHz: number): Promise<Uint8Array> {
  const tts = createFliteTts();
  const parts: Uint8Array[] = [];
  for await (const c of tts.synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  return resampleAll(new Uint8Array(Buffer.concat(parts)), tts.sampleRateHz, rateHz);
}

beforeAll(async () => {
  const config = loadConfig({});
  const pcm = await speak('turn left', config.audio.inputRateHz);
  const store = openRecordStore({ file });
  for (const [sessionId, audio] of [
    ['field', true],
    ['no-audio', false],
  ] as const) {
    let recorder: SessionRecorder | undefined;
    await runAudio({
      config,
      pcm,
      sessionId,
      attach: ({ bus, clock }) => (recorder = createSessionRecorder(store, { bus, clock, audio })).attach,
    });
    recorder!.close('end');
  }
  // The command's turn, then the robot's follow-up once the turn is done.
  expect(store.turns(store.recording('field').id)).toMatchObject([
    { userText: 'turn left', outcome: 'finished', heardText: 'Turning left.' },
    { turnId: 'f1', outcome: 'finished' },
  ]);
  await store.close();
}, 90_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay --rerun', () => {
  it(
    'runs the recorded microphone through a changed configuration and prints both timelines side by ' + 'side',
    async () => {
      const rules = join(dir, 'rules.json');
      writeFileSync(
        rules,
        JSON.stringify({
          rules: [{ id: 'turn', patterns: ['turn (?<direction>left|right)'], reply: 'Rotating {direction} now.' }],
          fallback: { reply: 'Pardon?' },
        }),
      );
      const changed = join(dir, 'changed.json');
      writeFileSync(changed, JSON.stringify({ llm: { rulesPath: rules }, session: { bargeIn: { minSpeechMs: 300 } } }));
      const { stdout } = await cli(['replay', '--db', file, '--session', 'field', '--rerun', '--config', changed]);
      expect(stdout).toMatch(
        new RegExp(
          `^re-ran [\\d.]+ s of microphone audio of session field \\(recording [0-9a-f-]{36}, [\\d:TZ.-]+\\) with ` +
            `${changed.replace(/[.]/g, '\\.')}; session settings changed: session\\.bargeIn\\.minSpeechMs: 500 → ` +
            `300, session\\.notUnderstoodText: ".+" → "Pardon\\?"$`,
          'm',
        ),
      );
      expect(stdout).toMatch(/^recorded +│ {2}re-run$/m);
      // The re-prompt follows the new rules' fallback: a real change of what the chart would say.
      // One row: the turn as recorded (left) and as re-run (right), the same words heard, the new answer spoken.
      expect(stdout).toMatch(
        new RegExp(
          String.raw`^field#u1 +turn left +\d+ +\d+ +\d+ +\d+ +finished @\d+ +Turning left\. +│ {2}` +
            String.raw`field#u1 +turn left +\d+ +\d+ +\d+ +\d+ +finished @\d+ +Rotating left now\.$`,
          'm',
        ),
      );
    },
    90_000,
  );

  it('says how to record audio when the recording has none', async () => {
    await expect(cli(['replay', '--db', file, '--session', 'no-audio', '--rerun'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        '(session no-audio) has no microphone audio: record with record.audio true (VA_RECORD__AUDIO=true)',
      ),
    });
  }, 30_000);
});
