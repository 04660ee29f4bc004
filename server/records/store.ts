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
 * const store = openRecordStore({
 *   file: 'voice-agent.db',
 *   retention: { maxAgeMs: 7 * 86_400_000, maxSessions: 1000 },
 * });
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
import { createRowWriter, type RecordRow, type RowWriter } from './rows.js';

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
  const { file, retention } = options;
  const readonly = options.readonly ?? false;
  const db = openDatabase(file, readonly);
  const s: StoreState = {
    db,
    file,
    readonly,
    clock: options.clock ?? systemClock,
    wallClock: options.wallClock ?? Date.now,
    flushEveryMs: options.flushEveryMs ?? CONFIG_DEFAULTS.record.flushEveryMs,
    onError: options.onError,
    stats: { transactions: 0, rows: 0, events: 0, failures: 0, dropped: 0, commitMs: [] },
    sources: new Set<RecordSource>(),
    outboxListeners: new Set<() => void>(),
    pending: [],
    failing: false,
    flushTimer: undefined,
    retentionTimer: undefined,
    closing: undefined,
  };
  const reader = createRecordReader(db, file);
  const writer = readonly ? undefined : createRowWriter(db);
  const checkpointer = !readonly && file !== ':memory:' ? startCheckpoints(s) : undefined;
  const flush = (): number => commitPending(s, writer);
  startRetention(s, retention);
  const outbox = outboxStatements(s);
  return {
    file,
    stats: s.stats,
    wallClock: s.wallClock,
    ...reader,
    recordings(filter) {
      const live = new Set([...s.sources].map((source) => source.recordingId));
      return reader.recordings(filter).map((r) => ({ ...r, live: live.has(r.id) }));
    },
    write(row) {
      ensureWritable(s);
      s.pending.push(row);
      scheduleFlush(s, flush);
    },
    attach(source) {
      ensureWritable(s);
      s.sources.add(source);
      scheduleFlush(s, flush);
      return () => {
        // Its last rows are collected at the next flush, which the timer still runs.
        source.collect((row) => s.pending.push(row));
        s.sources.delete(source);
        scheduleFlush(s, flush);
      };
    },
    flush,
    onOutbox(listener) {
      s.outboxListeners.add(listener);
      return () => s.outboxListeners.delete(listener);
    },
    outbox: outboxAccess(s, outbox),
    applyRetention: () => sweepAll(s, retention),
    close: () => closeStore(s, flush, checkpointer),
  };
}

/** A store's settings and mutable state, shared by the steps below. */
interface StoreState {
  readonly db: Database.Database;
  readonly file: string;
  readonly readonly: boolean;
  readonly clock: Clock;
  readonly wallClock: () => number;
  readonly flushEveryMs: number;
  readonly onError: ((error: unknown) => void) | undefined;
  readonly stats: StoreStats;
  /** Attached recorders, collected at every flush. */
  readonly sources: Set<RecordSource>;
  readonly outboxListeners: Set<() => void>;
  /** Rows queued for the next commit (kept, up to {@link MAX_PENDING_ROWS}, while commits fail). */
  pending: RecordRow[];
  /** The last commit failed: `onError` has heard of this failure streak already. */
  failing: boolean;
  flushTimer: unknown;
  retentionTimer: unknown;
  /** Set by `close()`: writes are refused from then on, and it settles once the file is closed. */
  closing: Promise<void> | undefined;
}

/** Whether `close()` was called (the file may still be closing). */
const closed = (s: StoreState): boolean => s.closing !== undefined;
/** Timers must not keep the process alive: a store left open does not hold up its exit. */
const unref = (id: unknown) => (id as { unref?: () => void } | null)?.unref?.();

/**
 * Moves WAL checkpoints to a worker thread, so they never block the event loop; if the worker fails, SQLite's
 * automatic checkpoints on this thread take over again.
 */
function startCheckpoints(s: StoreState): Checkpointer {
  const { db, file } = s;
  db.pragma('wal_autocheckpoint = 0');
  return startCheckpointer(file, CHECKPOINT_EVERY_MS, (error) => {
    if (!closed(s)) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    s.onError?.(
      new RecordStoreError(
        `records database ${file}: checkpoints moved back onto the main thread ` + `(${error.message})`,
        file,
        { cause: error },
      ),
    );
  });
}

/** Throws if the store cannot take writes: opened read-only, or closed. */
function ensureWritable(s: StoreState): void {
  const { file } = s;
  if (s.readonly)
    throw new RecordStoreError(
      `records database ${file} was opened read-only: open it without readonly to record`,
      file,
    );
  if (closed(s))
    throw new RecordStoreError(`records database ${file} is closed: open it again with openRecordStore()`, file);
}

/**
 * Commits the queued rows, with what the attached recorders hand over, in one transaction; returns the rows
 * written (0 if the commit failed: the rows stay queued for the next try).
 */
function commitPending(s: StoreState, writer: RowWriter | undefined): number {
  if (!writer || closed(s)) return 0;
  for (const source of s.sources) source.collect((row) => s.pending.push(row));
  if (s.pending.length === 0) return 0;
  const batch = s.pending;
  const startedAtMs = performance.now();
  try {
    const written = writer.write(batch);
    s.pending = [];
    countCommit(s.stats, batch.length, written.events, startedAtMs);
    s.failing = false;
    if (written.outbox > 0) for (const listener of s.outboxListeners) listener();
    return batch.length;
  } catch (error) {
    keepForRetry(s, error);
    return 0;
  }
}

/** Adds a commit to the stats, keeping the last {@link COMMIT_SAMPLES} durations. */
function countCommit(stats: StoreStats, rows: number, events: number, startedAtMs: number): void {
  stats.transactions++;
  stats.rows += rows;
  stats.events += events;
  if (stats.commitMs.length >= COMMIT_SAMPLES) stats.commitMs.shift();
  stats.commitMs.push(performance.now() - startedAtMs);
}

/** After a failed commit: the oldest rows past {@link MAX_PENDING_ROWS} go, and `onError` hears once per streak. */
function keepForRetry(s: StoreState, error: unknown): void {
  s.stats.failures++;
  if (s.pending.length > MAX_PENDING_ROWS) {
    const excess = s.pending.length - MAX_PENDING_ROWS;
    s.pending = s.pending.slice(excess);
    s.stats.dropped += excess;
  }
  if (!s.failing) s.onError?.(toStoreError(s.file, error));
  s.failing = true;
}

/** Arms the flush timer unless it is armed already or the store is closed. */
function scheduleFlush(s: StoreState, flush: () => number): void {
  if (s.flushTimer !== undefined || closed(s)) return;
  s.flushTimer = s.clock.setTimeout(() => {
    s.flushTimer = undefined;
    flush();
    // The timer runs while a recorder is attached or rows wait; an idle store has no timer at all.
    if (s.sources.size > 0 || s.pending.length > 0) scheduleFlush(s, flush);
  }, s.flushEveryMs);
  unref(s.flushTimer);
}

type Retention = RecordStoreOptions['retention'];

/** Deletes up to `limit` recordings past the policy, never one being recorded; returns how many. */
function sweep(s: StoreState, retention: Retention, limit: number): number {
  if (!retention || s.readonly || closed(s)) return 0;
  const keep = new Set([...s.sources].map((source) => source.recordingId));
  try {
    return applyRetention(s.db, retention, s.wallClock(), keep, limit);
  } catch (error) {
    s.onError?.(toStoreError(s.file, error));
    return 0;
  }
}

/** Sweeps chunk after chunk until nothing is due; returns how many recordings were deleted. */
function sweepAll(s: StoreState, retention: Retention): number {
  let total = 0;
  for (;;) {
    const deleted = sweep(s, retention, RETENTION_CHUNK);
    total += deleted;
    if (deleted < RETENTION_CHUNK) return total;
  }
}

/** Sweeps the whole backlog at open (nothing is recording yet), then one chunk every `retention.everyMs`. */
function startRetention(s: StoreState, retention: Retention): void {
  if (!retention || s.readonly) return;
  while (sweep(s, retention, RETENTION_CHUNK) === RETENTION_CHUNK);
  scheduleRetention(s, retention, retention.everyMs);
}

/** Arms the next sweep after `delayMs`, unless the store is read-only or closed. */
function scheduleRetention(s: StoreState, retention: Retention, delayMs: number): void {
  if (!retention || s.readonly || closed(s)) return;
  s.retentionTimer = s.clock.setTimeout(() => {
    // A full chunk means more is due: the next chunk follows one flush interval later.
    const deleted = sweep(s, retention, RETENTION_CHUNK);
    scheduleRetention(s, retention, deleted === RETENTION_CHUNK ? s.flushEveryMs : retention.everyMs);
  }, delayMs);
  unref(s.retentionTimer);
}

/** The outbox queries, prepared once; a read-only store has none. */
function outboxStatements(s: StoreState) {
  if (s.readonly) return undefined;
  const { db } = s;
  return {
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
}

/** The store's outbox for the relay: every call checks that the store still takes writes. */
function outboxAccess(s: StoreState, statements: ReturnType<typeof outboxStatements>): RecordStore['outbox'] {
  const outbox = () => {
    ensureWritable(s);
    return statements!;
  };
  return {
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
    delivered: (id, streamSeq) => void outbox().delivered.run(s.wallClock(), streamSeq, id),
    counts: () => outbox().counts.get() as { pending: number; delivered: number },
  };
}

/** Commits what is queued, stops the timers and closes the file (see {@link RecordStore.close}). */
function closeStore(s: StoreState, flush: () => number, checkpointer: Checkpointer | undefined): Promise<void> {
  if (s.closing) return s.closing;
  flush();
  if (s.flushTimer !== undefined) s.clock.clearTimeout(s.flushTimer);
  if (s.retentionTimer !== undefined) s.clock.clearTimeout(s.retentionTimer);
  // The checkpoint thread lets go first, so this connection is the file's last: its close copies the
  // WAL back and deletes it. Closing both at once, each could see the other and leave the WAL behind.
  if (!checkpointer) s.db.close();
  s.closing = checkpointer ? checkpointer.stop().then(() => void s.db.close()) : Promise.resolve();
  return s.closing;
}
