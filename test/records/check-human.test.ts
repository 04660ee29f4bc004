/**
 * The integrator's way, on recordings of real people (../shared/speech/human beside the repository,
 * read from there, never copied in; skipped with the reason when absent): field sessions are recorded
 * with their microphone (a person saying "go forward ten meters", another saying "stop"), exported as
 * MCAP, and `voice-agent check` re-runs them on the same code and configuration: every one must decide
 * the same, whatever the recognizer made of the voice.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHumanSpeech, readHumanClip } from '../../sim/human-speech.js';
import { loadConfig } from '../../runtime/config.js';
import { lenientDeadlines } from '../../server/records/check.js';
import { decisionsOf } from '../../server/records/decisions.js';
import {
  createSessionRecorder,
  openRecordStore,
  recordingData,
  writeMcapFile,
  type SessionRecorder,
} from '../../server/records/index.js';
import { runAudio } from '../../runtime/run-audio.js';
import { buildFingerprint } from '../../server/records/rerun-material.js';

const run = promisify(execFile);
const corpus = loadHumanSpeech();
const dir = mkdtempSync(join(tmpdir(), 'va-check-human-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('voice-agent check on field sessions of real people', () => {
  if (!corpus.available) it.skip(`skipped: ${corpus.reason}`, () => undefined);
  it.skipIf(!corpus.available)(
    'records them, exports them as MCAP, and checks them clean on the same code',
    async () => {
      const clips = [
        corpus.clips.find((c) => c.transcript === 'go forward ten meters'),
        corpus.clips.find((c) => c.transcript === 'stop'),
      ];
      expect(clips.every((c) => c !== undefined)).toBe(true);
      // Recorded as check re-runs (engine deadlines lifted): on this loaded test machine a recording that
      // missed a deadline would differ from its re-run by the load alone, which is not what this test asks.
      const config = lenientDeadlines(loadConfig({}));
      const store = openRecordStore({ file: join(dir, 'field.db') });
      const files: string[] = [];
      for (const [i, clip] of clips.entries()) {
        const { samples } = readHumanClip(corpus, clip!);
        const sessionId = `field-${i + 1}`;
        let recorder: SessionRecorder | undefined;
        await runAudio({
          config,
          pcm: new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength),
          sessionId,
          attach: ({ bus, clock }) =>
            (recorder = createSessionRecorder(store, {
              bus,
              clock,
              audio: true,
              input: { sinkKind: 'file', build: buildFingerprint(config) },
            })).attach,
        });
        recorder!.close('end');
        store.flush();
        const data = recordingData(store, sessionId);
        // Something was decided: what the recognizer heard, or the stop.
        expect(decisionsOf(data).length).toBeGreaterThan(0);
        files.push((await writeMcapFile(data, join(dir, `${sessionId}.mcap`), { rawAudio: false })).file);
      }
      await store.close();
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', 'check', ...files], {
        timeout: 280_000,
      }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
      expect(stdout).toMatch(/^2 recordings checked, 0 with different decisions$/m);
      for (const file of files) expect(stdout).toContain(`${file} `);
    },
    300_000,
  );
});
