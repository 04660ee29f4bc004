/**
 * The records store: one SQLite file (better-sqlite3, WAL) per process. Writes never happen on a turn's
 * path: recorders queue rows in memory and a single timer per store commits everything queued in one
 * transaction every `flushEveryMs`. A failed commit (a lock held too long, a full disk) keeps the rows
 * and tries again at the next tick; `onError` hears about it once per failure streak.
 *
 * Opening checks the file at once: a locked, corrupt or read-only file is a typed error naming the file
 * and the fix ({@link DatabaseLockedError}, {@link DatabaseCorruptError}, {@link DatabaseReadOnlyError}).
 *
 * @example
 * ```ts
 * const store = openRecordStore({ file: 'voice-agent.db', retention: { maxAgeMs: 7 * 86_400_000, maxSessions: 1000 } });
 * const recorder = createSessionRecorder(store, { bus, clock });
 * startSession({ ..., attach: recorder.attach });
 * // … the session ends
 * await recorder.close('end');
 * console.log(store.recordings()[0]);
 * await store.close();
 * ```
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../../adapters/clock.js';
import { CONFIG_DEFAULTS } from '../../runtime/config/defaults.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { RecordStoreError, toStoreError } from './errors.js';
import { createRecordReader, type RecordReader, type RecordingSummary } from './read.js';
import { applyRetention, type RetentionPolicy } from './retention.js';
import { migrate, OutboxRowSchema } from './schema.js';
import { createRowWriter, type RecordRow } from './rows.js';

export type { RecordRow };

export interface RecordStoreOptions {
  /** Path of the database file, or `:memory:`. */
  file: string;
  /** Commit queued rows this often. */
  flushEveryMs?: number;
  /** Delete old recordings at open and every `everyMs`; absent: keep everything. */
  retention?: RetentionPolicy & { everyMs: number };
  /** Timers (flush, retention sweeps). */
  clock?: Clock;
  /** Unix ms, for recording starts and retention ages. */
  wallClock?: () => number;
  /** A commit failed (the rows are kept and retried); called once per failure streak. */
  onError?: (error: unknown) => void;
  /** Open for reading only: no schema changes, no timers, no writes (`replay`, `export`). */
  readonly?: boolean;
}

/**
 * Why 2 s at open: long enough for another process's migration or retention chunk to finish; a lock
 * held longer is a process that keeps the file busy, which the error then names.
 */
const OPEN_BUSY_TIMEOUT_MS = 2000;
/**
 * Why 50 ms while running: commits run on the event loop that also paces audio, and 50 ms sits well
 * inside the 200 ms playback buffer; a longer lock makes this commit fail and the next tick retry.
 */
const WRITE_BUSY_TIMEOUT_MS = 50;
/** Why 200,000 rows: ~10 minutes of 100 busy sessions while the disk is unwritable; past it the oldest go. */
const MAX_PENDING_ROWS = 200_000;
/** Why 50 per chunk: deleting 50 recordings (tens of thousands of rows) takes a few ms, then the loop breathes. */
const RETENTION_CHUNK = 50;
/** Why 1,024: enough commit samples for a p99 in the bench without growing. */
const COMMIT_SAMPLES = 1024;
/** Why 1 s: 100 sessions recording audio add ~3 MB a second to the WAL; a checkpoint each second keeps it small. */
const CHECKPOINT_EVERY_MS = 1000;
/** SQLite's own default, restored if the checkpoint worker cannot run. */
const AUTO_CHECKPOINT_PAGES = 1000;

/** Where recorders hand over their rows: called at every flush, just before the transaction. */
export interface RecordSource {
  readonly recordingId: string;
  collect(push: (row: RecordRow) => void): void;
}

export interface StoreStats {
  transactions: number;
  rows: number;
  events: number;
  failures: number;
  /** Rows given up after {@link MAX_PENDING_ROWS} piled up behind failing commits. */
  dropped: number;
  /** Durations of the most recent commits, ms. */
  commitMs: number[];
}

export interface PendingOutboxRow {
  id: number;
  recordingId: string;
  msgId: string;
  subject: string;
  payload: Uint8Array;
  attempts: number;
}

export interface RecordStore extends Omit<RecordReader, 'recordings'> {
  readonly file: string;
  readonly stats: StoreStats;
  readonly wallClock: () => number;
  /** Newest first; `live` marks recordings a recorder of this store is still writing. */
  recordings(filter?: { sessionId?: string; limit?: number }): Array<RecordingSummary & { live: boolean }>;
  /** Queues a row for the next commit. */
  write(row: RecordRow): void;
  /** Registers a recorder; its rows are collected at every flush until the returned function is called. */
  attach(source: RecordSource): () => void;
  /** Commits everything queued now; returns the number of rows written (0 if the commit failed). */
  flush(): number;
  /** Called after every commit that wrote outbox rows (the JetStream relay wakes up). */
  onOutbox(listener: () => void): () => void;
  readonly outbox: {
    /** Undelivered rows, oldest first. */
    pending(limit: number): PendingOutboxRow[];
    attempted(id: number): void;
    delivered(id: number, streamSeq: number): void;
    counts(): { pending: number; delivered: number };
  };
  /** Deletes recordings past the retention policy; returns how many. */
  applyRetention(): number;
  /**
   * Commits what is queued and stops the timers at once; the promise settles once the file is closed,
   * the checkpoint thread's connection and then this one. Await it before moving or deleting the file.
   */
  close(): Promise<void>;
}

function openDatabase(file: string, readonly: boolean): Database.Database {
  if (file !== ':memory:' && !existsSync(dirname(file))) {
    throw new RecordStoreError(
      `records database ${file}: directory ${dirname(file)} does not exist: create it, or point --db at ` +
        `another path`,
      file,
    );
  }
  if (readonly && file !== ':memory:' && !existsSync(file)) {
    throw new RecordStoreError(
      `records database ${file} does not exist: record sessions with \`voice-agent serve --db ${file}\` first, ` +
        `or check the path`,
      file,
    );
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly, timeout: OPEN_BUSY_TIMEOUT_MS });
    if (readonly) {
      // Reading the schema version is the cheapest query that fails on a file that is not a database.
      db.pragma('user_version', { simple: true });
      return db;
    }
    db.pragma('journal_mode = WAL');
    // WAL with synchronous=NORMAL survives a crash of this process (the case that matters here); only
    // an OS crash or power loss can lose the last commits, for far cheaper commits than FULL.
    db.pragma('synchronous = NORMAL');
    // IMMEDIATE takes the write lock now, so a file another connection holds locked fails here, at open.
    db.transaction(() => migrate(db!, file)).immediate();
    db.pragma(`busy_timeout = ${WRITE_BUSY_TIMEOUT_MS}`);
    return db;
  } catch (error) {
    db?.close();
    throw toStoreError(file, error);
  }
}

export function openRecordStore(options: RecordStoreOptions): RecordStore {
  const { file } = options;
  const readonly = options.readonly ?? false;
  const clock = options.clock ?? systemClock;
  const wallClock = options.wallClock ?? Date.now;
  const flushEveryMs = options.flushEveryMs ?? CONFIG_DEFAULTS.record.flushEveryMs;
  const db = openDatabase(file, readonly);
  const reader = createRecordReader(db, file);
  const stats: StoreStats = { transactions: 0, rows: 0, events: 0, failures: 0, dropped: 0, commitMs: [] };
  const sources = new Set<RecordSource>();
  const outboxListeners = new Set<() => void>();
  let pending: RecordRow[] = [];
  let failing = false;
  let flushTimer: unknown;
  let retentionTimer: unknown;
  const writer = readonly ? undefined : createRowWriter(db);
  let checkpointer: Checkpointer | undefined;
  /** Set by `close()`: writes are refused from then on, and it settles once the file is closed. */
  let closing: Promise<void> | undefined;
  const closed = () => closing !== undefined;
  if (!readonly && file !== ':memory:') {
    db.pragma('wal_autocheckpoint = 0');
    checkpointer = startCheckpointer(file, CHECKPOINT_EVERY_MS, (error) => {
      if (!closed()) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
      options.onError?.(
        new RecordStoreError(
          `records database ${file}: checkpoints moved back onto the main thread ` + `(${error.message})`,
          file,
          { cause: error },
        ),
      );
    });
  }
  const unref = (id: unknown) => (id as { unref?: () => void } | null)?.unref?.();

  const ensureWritable = () => {
    if (readonly)
      throw new RecordStoreError(
        `records database ${file} was opened read-only: open it without readonly to record`,
        file,
      );
    if (closed())
      throw new RecordStoreError(`records database ${file} is closed: open it again with openRecordStore()`, file);
  };

  const flush = (): number => {
    if (!writer || closed()) return 0;
    for (const source of sources) source.collect((row) => pending.push(row));
    if (pending.length === 0) return 0;
    const batch = pending;
    const startedAtMs = performance.now();
    try {
      const written = writer.write(batch);
      pending = [];
      stats.transactions++;
      stats.rows += batch.length;
      stats.events += written.events;
      if (stats.commitMs.length >= COMMIT_SAMPLES) stats.commitMs.shift();
      stats.commitMs.push(performance.now() - startedAtMs);
      failing = false;
      if (written.outbox > 0) for (const listener of outboxListeners) listener();
      return batch.length;
    } catch (error) {
      stats.failures++;
      if (pending.length > MAX_PENDING_ROWS) {
        const excess = pending.length - MAX_PENDING_ROWS;
        pending = pending.slice(excess);
        stats.dropped += excess;
      }
      if (!failing) options.onError?.(toStoreError(file, error));
      failing = true;
      return 0;
    }
  };

  const scheduleFlush = () => {
    if (flushTimer !== undefined || closed()) return;
    flushTimer = clock.setTimeout(() => {
      flushTimer = undefined;
      flush();
      // The timer runs while a recorder is attached or rows wait; an idle store has no timer at all.
      if (sources.size > 0 || pending.length > 0) scheduleFlush();
    }, flushEveryMs);
    unref(flushTimer);
  };

  const retention = options.retention;
  const sweep = (limit: number): number => {
    if (!retention || readonly || closed()) return 0;
    const keep = new Set([...sources].map((s) => s.recordingId));
    try {
      return applyRetention(db, retention, wallClock(), keep, limit);
    } catch (error) {
      options.onError?.(toStoreError(file, error));
      return 0;
    }
  };
  const scheduleRetention = (delayMs: number) => {
    if (!retention || readonly || closed()) return;
    retentionTimer = clock.setTimeout(() => {
      // A full chunk means more is due: the next chunk follows one flush interval later.
      const deleted = sweep(RETENTION_CHUNK);
      scheduleRetention(deleted === RETENTION_CHUNK ? flushEveryMs : retention.everyMs);
    }, delayMs);
    unref(retentionTimer);
  };
  // At open nothing is recording yet, so the whole backlog goes at once.
  if (retention && !readonly) {
    while (sweep(RETENTION_CHUNK) === RETENTION_CHUNK);
    scheduleRetention(retention.everyMs);
  }

  const outboxStatements = readonly
    ? undefined
    : {
        pending: db.prepare(
          'SELECT id, recording_id, msg_id, subject, payload, attempts FROM outbox WHERE delivered_wall_ms IS NULL ' +
            'ORDER BY id LIMIT ?',
        ),
        attempted: db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?'),
        delivered: db.prepare('UPDATE outbox SET delivered_wall_ms = ?, stream_seq = ? WHERE id = ?'),
        counts: db.prepare(
          'SELECT COUNT(*) FILTER (WHERE delivered_wall_ms IS NULL) AS pending, COUNT(*) FILTER (WHERE ' +
            'delivered_wall_ms IS NOT NULL) AS delivered FROM outbox',
        ),
      };
  const outbox = () => {
    ensureWritable();
    return outboxStatements!;
  };

  return {
    file,
    stats,
    wallClock,
    ...reader,
    recordings(filter) {
      const live = new Set([...sources].map((s) => s.recordingId));
      return reader.recordings(filter).map((r) => ({ ...r, live: live.has(r.id) }));
    },
    write(row) {
      ensureWritable();
      pending.push(row);
      scheduleFlush();
    },
    attach(source) {
      ensureWritable();
      sources.add(source);
      scheduleFlush();
      return () => {
        // Its last rows are collected at the next flush, which the timer still runs.
        source.collect((row) => pending.push(row));
        sources.delete(source);
        scheduleFlush();
      };
    },
    flush,
    onOutbox(listener) {
      outboxListeners.add(listener);
      return () => outboxListeners.delete(listener);
    },
    outbox: {
      pending: (limit) =>
        outbox()
          .pending.all(limit)
          .map((row) => {
            const r = OutboxRowSchema.parse(row);
            return {
              id: r.id,
              recordingId: r.recording_id,
              msgId: r.msg_id,
              subject: r.subject,
              payload: r.payload,
              attempts: r.attempts,
            };
          }),
      attempted: (id) => void outbox().attempted.run(id),
      delivered: (id, streamSeq) => void outbox().delivered.run(wallClock(), streamSeq, id),
      counts: () => outbox().counts.get() as { pending: number; delivered: number },
    },
    applyRetention: () => {
      let total = 0;
      for (;;) {
        const deleted = sweep(RETENTION_CHUNK);
        total += deleted;
        if (deleted < RETENTION_CHUNK) return total;
      }
    },
    close() {
      if (closing) return closing;
      flush();
      if (flushTimer !== undefined) clock.clearTimeout(flushTimer);
      if (retentionTimer !== undefined) clock.clearTimeout(retentionTimer);
      // The checkpoint thread lets go first, so this connection is the file's last: its close copies the
      // WAL back and deletes it. Closing both at once, each could see the other and leave the WAL behind.
      if (!checkpointer) db.close();
      closing = checkpointer ? checkpointer.stop().then(() => void db.close()) : Promise.resolve();
      return closing;
    },
  };
}
