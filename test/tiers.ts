/**
 * The test tiers, decided by what a test file uses, so a new file lands in its tier without a list to
 * keep: `unit` (no I/O, no real engine, simulated clock: the inner loop), `model` (the chart's exhaustive
 * walks, `test/model/`: no I/O either, but minutes long), `integration` (real servers, SQLite, the sound
 * server, child processes, sockets, the local speech engines and the engines a configuration builds) and
 * `e2e` (a browser, the Realtime client libraries, whole conversations through real engines:
 * `test/e2e/`). The unit tier's setup file (test/support/unit-guard.setup.ts) makes sockets and child
 * processes throw, so a file this scan misses fails loudly instead of slowing the inner loop.
 *
 * @example
 * ```ts
 * tierOf('test/bus/codec.test.ts', "import { encodeMessage } from '../../bus/codec.js';"); // 'unit'
 * ```
 */

import ts from 'typescript';

export type TestTier = 'unit' | 'model' | 'integration' | 'e2e';

/** The bench's own tests (bench/test/): they load its scenarios, and with them the engines and servers. */
const INTEGRATION_FOLDERS = ['bench/'];

/** Folders whose every file is end to end. */
const E2E_FOLDERS = ['test/e2e/'];

/**
 * The exhaustive walks of the chart on a live actor system: no I/O and a simulated clock like the unit
 * tier, but every edge the chart has (over 130,000 steps), which takes minutes rather than seconds.
 */
const MODEL_FOLDERS = ['test/model/'];

/** What makes a file end to end: a browser, or a Realtime client library driving the server. */
const E2E_MARKERS = [
  /playwright-core/,
  /(support|sim)\/(page|inspector)-browser/,
  /^openai(-v7)?(\/|$)/m,
  /@openai\/agents-realtime/,
  /@livekit\//,
];

/** What makes a file an integration test: real servers, files, processes, sockets and engines. */
const INTEGRATION_MARKERS = [
  // NATS and JetStream, SQLite, the sound server
  /sim\/nats-server/,
  /@nats-io\//,
  /better-sqlite3|open-record-store|server\/records\//,
  /pulse-room|sound-server/,
  // processes and sockets
  /^node:child_process$|support\/worker-process/m,
  /^node:(http|https|net|tls|dgram)$|^ws$/m,
  /support\/(realtime-client|raw-realtime|tls|inspect-server|chat-fixture|audio-api-fixture)/,
  /server\/(serve|http\/http-server|realtime\/realtime-server)/,
  // the local speech engines (native or WebAssembly, seconds to load and run)
  /adapters\/(keyword\/|stt\/(pocketsphinx|sherpa)|spotter\/(spotter|stream|phrase-verifier|index))/,
  /adapters\/(tts\/(flite|espeak|edge)|vad\/(fvad|silero)|audio\/rnnoise)/,
  /adapters\/echo\/(canceller|stage|webrtc-stage|webrtc-apm)/,
  /sim\/(echo-loop|engine-pool-tap)|bench\/|local-stack|human-speech/,
  // the engines built from a configuration: every engine's module, the native ones' libraries with them
  /runtime\/(engine-pool|engines)\.js/,
];

/**
 * Every module a source imports, statically or dynamically, as TypeScript reads it: an import written inside
 * a string (a test of this very scan) is not one.
 */
export function importedModules(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** The tier of one test file, from its path and source. */
export function tierOf(path: string, source: string): TestTier {
  const normalized = path.replaceAll('\\', '/');
  if (E2E_FOLDERS.some((folder) => normalized.includes(folder))) return 'e2e';
  if (MODEL_FOLDERS.some((folder) => normalized.includes(folder))) return 'model';
  if (INTEGRATION_FOLDERS.some((folder) => normalized.startsWith(folder))) return 'integration';
  const imports = importedModules(source).join('\n');
  if (E2E_MARKERS.some((marker) => marker.test(imports))) return 'e2e';
  if (INTEGRATION_MARKERS.some((marker) => marker.test(imports))) return 'integration';
  return 'unit';
}
