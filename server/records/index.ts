/**
 * Session records: a SQLite store (WAL, batched commits, retention), the per-session recorder, the
 * JetStream outbox relay, deterministic replay, and export. See docs/records.md. Re-runs through engines
 * (`rerun.ts`) are imported from their own module: they load every engine, which the rest never needs.
 *
 * @example
 * ```ts
 * import { openRecordStore, createSessionRecorder, replayRecording, formatReplay } from './server/records/index.js';
 * const store = openRecordStore({ file: 'voice-agent.db' });
 * const recording = store.recording('robot-1');
 * const replay = replayRecording({
 *   recording,
 *   events: store.events(recording.id),
 *   emitted: store.emitted(recording.id),
 * });
 * console.log(formatReplay(replay));
 * ```
 */
export * from './errors.js';
export * from './store.js';
export * from './read.js';
export * from './retention.js';
export * from './recorder.js';
export * from './replay.js';
export * from './replay-clock.js';
export * from './chart-version.js';
export * from './outbox.js';
export * from './jetstream.js';
export * from './export.js';
export * from './microphone.js';
export * from './mcap/index.js';
export * from './mcap-recorder.js';
export { createRowMessages, tapStore, type RecordingBatch } from './row-messages.js';
export { SCHEMA_VERSION, type Emitted } from './schema.js';
