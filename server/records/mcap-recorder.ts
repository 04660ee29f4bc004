/**
 * Sessions written as MCAP files while they run (`serve --record-mcap DIR`, `live --record-mcap DIR`,
 * `record.mcapDir`): one file per recording, `<sessionId>-<recording id's first 8>.mcap`, with the
 * topics, schemas and encodings of `export --mcap`, written by the same writer (`mcap/write.ts`) from the
 * rows a session recorder collects (`row-messages.ts`). Messages are appended as the recorder hands them
 * over (every `record.flushEveryMs`), in chunks of {@link MCAP_CHUNK_BYTES}; the session's end writes
 * the summary and index. A crash leaves the chunks written so far: `@mcap/core`'s stream reader reads
 * them, and `mcap recover` rebuilds an indexed file from them.
 *
 * @example
 * ```ts
 * const mcap = startMcapRecorder({ dir: 'recordings' });
 * const recorder = createSessionRecorder(mcap.tap(store), { bus, clock }); // or mcap.sink() without a store
 * // … the session runs, its recorder closes
 * await mcap.close(); // ends the files of sessions still running
 * ```
 */
import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { IWritable } from '@mcap/core';
import { systemClock, type Clock } from '../../adapters/clock.js';
import type { TopicMessage } from './mcap/messages.js';
import { mcapTopics, type McapTopics } from './mcap/topics.js';
import { MCAP_CHUNK_BYTES, startMcapWriter, type McapRecordingWriter } from './mcap/write.js';
import type { RecordSink } from './recorder.js';
import { createRowMessages, recordingOf, tapStore } from './row-messages.js';
import type { RecordRow } from './rows.js';
import type { RecordSource, RecordStore } from './store.js';

/** The recorder's topics and audio as the configuration sets them (`record.mcapTopicPrefix`, `record.mcapRawAudio`). */
export function mcapRecorderSettings(record: {
  mcapTopicPrefix?: string | undefined;
  mcapRawAudio: boolean;
}): Pick<McapRecorderOptions, 'topics' | 'rawAudio'> {
  return {
    ...(record.mcapTopicPrefix !== undefined ? { topics: mcapTopics({ prefix: record.mcapTopicPrefix }) } : {}),
    rawAudio: record.mcapRawAudio,
  };
}

export interface McapRecorderOptions {
  /** The directory the files go to (created if missing). */
  dir: string;
  topics?: McapTopics;
  /** Also write the microphone as `foxglove.RawAudio` (as `export --mcap`); default true. */
  rawAudio?: boolean;
  /** A file could not be written (the session and its other records go on); once per file. */
  onError?: (error: unknown, file: string) => void;
}

export interface McapRecordingFile {
  recordingId: string;
  sessionId: string;
  file: string;
  /** Its summary and index are written: the session ended, or the recorder was closed. */
  finished: boolean;
}

export interface McapRecorder {
  readonly dir: string;
  /** `store` with its recorders' rows also written as MCAP. */
  tap(store: RecordStore): RecordStore;
  /** A sink of its own for session recorders where there is no records database (`live`). */
  sink(options?: { clock?: Clock; flushEveryMs?: number; wallClock?: () => number }): RecordSink;
  /** Writes rows of recordings, as a recorder collects them (what {@link tap} and {@link sink} do). */
  write(rows: readonly RecordRow[]): void;
  /** The files of running sessions and of the last 1000 finished. */
  files(): McapRecordingFile[];
  /** Resolves once everything handed over so far is in its file. */
  settled(): Promise<void>;
  /** Writes what is queued, then ends the files of sessions still running (their metadata has no end). */
  close(): Promise<void>;
}

interface OpenFile {
  info: McapRecordingFile;
  started: Extract<RecordRow, { table: 'recording' }>;
  counts: { events: number; turns: number };
  /** Each step waits for the one before: McapWriter takes one call at a time. */
  chain: Promise<void>;
  writer?: McapRecordingWriter;
  handle?: FileHandle;
  failed: boolean;
}

/** A file written through a handle, asynchronously (the event loop paces audio); `position` counts what was written. */
function handleWritable(handle: FileHandle): IWritable {
  let position = 0n;
  return {
    position: () => position,
    write: async (buffer) => {
      let written = 0;
      while (written < buffer.byteLength)
        written += (await handle.write(buffer, written, buffer.byteLength - written)).bytesWritten;
      position += BigInt(buffer.byteLength);
    },
  };
}

/**
 * Why 1000: `files()` is for tools and tests looking at recent sessions; a server that runs for weeks
 * must not keep an entry per session it ever hosted.
 */
const FINISHED_LISTED = 1000;

export function startMcapRecorder(options: McapRecorderOptions): McapRecorder {
  const { dir } = options;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw new Error(
      `the MCAP directory ${dir} cannot be made (${(cause as NodeJS.ErrnoException).code ?? String(cause)}): ` +
        `give --record-mcap a writable directory`,
      {
        cause,
      },
    );
  }
  const onError = options.onError ?? (() => {});
  const toMessages = createRowMessages();
  const files = new Map<string, OpenFile>();
  const finished: McapRecordingFile[] = [];

  const step = (entry: OpenFile, run: (writer: McapRecordingWriter) => Promise<void>) => {
    entry.chain = entry.chain.then(async () => {
      if (entry.failed || !entry.writer) return;
      try {
        await run(entry.writer);
      } catch (error) {
        entry.failed = true;
        onError(error, entry.info.file);
        await entry.handle?.close().catch(() => {});
      }
    });
  };

  const begin = (started: OpenFile['started']): OpenFile => {
    const file = join(dir, `${started.sessionId}-${started.recordingId.slice(0, 8)}.mcap`);
    const entry: OpenFile = {
      info: { recordingId: started.recordingId, sessionId: started.sessionId, file, finished: false },
      started,
      counts: { events: 0, turns: 0 },
      chain: Promise.resolve(),
      failed: false,
    };
    entry.chain = (async () => {
      try {
        entry.handle = await open(file, 'w');
        entry.writer = await startMcapWriter(handleWritable(entry.handle), {
          ...(options.topics ? { topics: options.topics } : {}),
          ...(options.rawAudio !== undefined ? { rawAudio: options.rawAudio } : {}),
          chunkBytes: MCAP_CHUNK_BYTES,
        });
        // From the start: a file cut off by a crash still says whose session it is and its config.
        await entry.writer.recording(recordingOf(started, entry.counts));
      } catch (error) {
        entry.failed = true;
        onError(error, file);
        await entry.handle?.close().catch(() => {});
      }
    })();
    files.set(started.recordingId, entry);
    return entry;
  };

  const finish = (entry: OpenFile, ended?: Extract<RecordRow, { table: 'recordingEnd' }>) => {
    const recording = recordingOf(entry.started, { ...entry.counts }, ended);
    entry.info.finished = true;
    step(entry, async (writer) => {
      await writer.recording(recording);
      await writer.end();
      await entry.handle!.close();
    });
    // Once written, only its name is kept.
    void entry.chain.then(() => {
      files.delete(entry.info.recordingId);
      finished.push(entry.info);
      if (finished.length > FINISHED_LISTED) finished.shift();
    });
  };

  const write = (rows: readonly RecordRow[]) => {
    for (const row of rows) {
      if (row.table === 'recording') begin(row);
      const entry = files.get(row.recordingId);
      if (row.table === 'event' && entry) entry.counts.events++;
      if (row.table === 'turn' && entry) entry.counts.turns++;
    }
    for (const batch of toMessages(rows)) {
      const entry = files.get(batch.recordingId);
      if (!entry || entry.info.finished) continue;
      const messages: TopicMessage[] = batch.messages;
      if (messages.length > 0) step(entry, (writer) => writer.messages(batch.startedWallMs, messages));
      if (batch.ended) finish(entry, batch.ended);
    }
  };

  const settled = async () => {
    await Promise.all([...files.values()].map((f) => f.chain));
  };

  return {
    dir,
    write,
    // A file that cannot be written must never cost the session or its database records.
    tap: (store) => tapStore(store, write, (error) => onError(error, dir)),
    sink: (sinkOptions = {}) => createSink(write, sinkOptions, (error) => onError(error, dir)),
    files: () => [...finished, ...[...files.values()].map((f) => f.info)].map((info) => ({ ...info })),
    settled,
    async close() {
      for (const entry of files.values()) if (!entry.info.finished) finish(entry);
      await settled();
    },
  };
}

/** Collects its recorders' rows every `flushEveryMs` (as a records store does) and hands them to `write`. */
function createSink(
  write: (rows: readonly RecordRow[]) => void,
  options: { clock?: Clock; flushEveryMs?: number; wallClock?: () => number },
  onError: (error: unknown) => void,
): RecordSink {
  const clock = options.clock ?? systemClock;
  const flushEveryMs = options.flushEveryMs ?? 50;
  const sources = new Set<RecordSource>();
  let pending: RecordRow[] = [];
  let timer: unknown;
  const flush = () => {
    const rows = pending;
    pending = [];
    for (const source of sources) source.collect((row) => rows.push(row));
    try {
      if (rows.length > 0) write(rows);
    } catch (error) {
      onError(error);
    }
    return rows.length;
  };
  const schedule = () => {
    if (timer !== undefined || sources.size === 0) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      flush();
      schedule();
    }, flushEveryMs);
    (timer as { unref?: () => void } | null)?.unref?.();
  };
  return {
    wallClock: options.wallClock ?? Date.now,
    flush,
    attach(source) {
      sources.add(source);
      schedule();
      return () => {
        if (!sources.delete(source)) return;
        // Its last rows go out at the next flush.
        source.collect((row) => pending.push(row));
      };
    },
  };
}
