/**
 * Makes the regression suite `voice-agent check` runs in CI (test/records/check.test.ts): each phrase is
 * said by flite (the project's own synthetic voice), played into a session on the default configuration
 * in real time with its microphone recorded, and written as MCAP beside this file (without the
 * `foxglove.RawAudio` copy, to keep them small). Run it again only to remake the suite from scratch;
 * `voice-agent check --update` accepts a deliberate change of behaviour into the existing files.
 *
 * @example
 * ```sh
 * npx tsx test/records/suite/make-suite.ts
 * ```
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resampleAll } from '../../../adapters/audio/resample.js';
import { createFliteTts } from '../../../adapters/tts/flite.js';
import { loadConfig } from '../../../runtime/config.js';
import { buildFingerprint } from '../../../server/records/rerun-material.js';
import {
  createSessionRecorder,
  openRecordStore,
  recordingData,
  writeMcapFile,
  type SessionRecorder,
} from '../../../server/records/index.js';
import { runAudio } from '../../../runtime/run-audio.js';

/** Session id → what is said: a command with its action, a greeting, the emergency stop. */
export const SUITE_PHRASES: Record<string, string> = {
  'turn-left': 'turn left',
  'hello-robot': 'hello robot',
  'emergency-stop': 'stop',
};

async function speak(text: string, rateHz: number): Promise<Uint8Array> {
  const tts = createFliteTts();
  const parts: Uint8Array[] = [];
  for await (const c of tts.synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  return resampleAll(new Uint8Array(Buffer.concat(parts)), tts.sampleRateHz, rateHz);
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const config = loadConfig({});
  const db = join(here, 'suite.tmp.db');
  rmSync(db, { force: true });
  const store = openRecordStore({ file: db });
  for (const [sessionId, text] of Object.entries(SUITE_PHRASES)) {
    let recorder: SessionRecorder | undefined;
    await runAudio({
      config,
      pcm: await speak(text, config.audio.inputRateHz),
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
    const written = await writeMcapFile(recordingData(store, sessionId), join(here, `${sessionId}.mcap`), {
      rawAudio: false,
    });
    console.log(`${written.file}: ${written.messages} messages`);
  }
  await store.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
}

await main();
