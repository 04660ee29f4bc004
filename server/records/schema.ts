/**
 * The records database: tables, their migration, and the zod schemas that check what is read back (the
 * file may have been written by another process or another version). Every time column is ms since the
 * recording started (`recordings.started_wall_ms`, Unix ms), so a recording reads the same whatever
 * clock the session ran on.
 *
 * - `recordings`: one row per recorded session: id, session id, start, end, the resolved session config
 *   the chart ran with and the chart's version.
 * - `events`: every event the session chart processed, in order, with its delivery time and the state
 *   after it — what replay feeds back into the chart.
 * - `emitted`: the notices and history entries the chart emitted, tied to the event that caused them.
 * - `turns`: the per-turn timeline (speech end, transcript, first token, first clause, first audio,
 *   outcome, heard text), one row per turn, correlated by turnId.
 * - `audio`: microphone audio in chunks (only with `record.audio`), for re-running a session.
 * - `recordings.rerun_json` (schema 2): what a re-run needs besides the audio (rerun-material.ts),
 *   written at the recording's end.
 * - `outbox`: turn records waiting to be relayed to JetStream, written in the same transaction as the turn.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { ActionRecordSchema } from '../../bus/messages.js';
import { TurnTimelineSchema } from '../../bus/messages.js';
import { DatabaseVersionError } from './errors.js';

/** Bump with a new step in {@link MIGRATIONS}; a file from a newer version is refused, never guessed at. */
export const SCHEMA_VERSION = 2;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE recordings (
      id TEXT PRIMARY KEY,
      session_id TEXT NOT NULL,
      started_wall_ms INTEGER NOT NULL,
      ended_at_ms REAL,
      end_reason TEXT,
      chart_version TEXT NOT NULL,
      config_json TEXT NOT NULL,
      audio INTEGER NOT NULL
    );
    CREATE INDEX recordings_by_session ON recordings (session_id, started_wall_ms);
    CREATE INDEX recordings_by_start ON recordings (started_wall_ms);
    CREATE TABLE events (
      recording_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      at_ms REAL NOT NULL,
      type TEXT NOT NULL,
      turn_id TEXT,
      state TEXT NOT NULL,
      status TEXT NOT NULL,
      event_json TEXT NOT NULL,
      PRIMARY KEY (recording_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE emitted (
      recording_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      event_seq INTEGER NOT NULL,
      at_ms REAL NOT NULL,
      kind TEXT NOT NULL,
      turn_id TEXT NOT NULL,
      json TEXT NOT NULL,
      PRIMARY KEY (recording_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE turns (
      recording_id TEXT NOT NULL,
      turn_id TEXT NOT NULL,
      ordinal INTEGER NOT NULL,
      json TEXT NOT NULL,
      PRIMARY KEY (recording_id, turn_id)
    ) WITHOUT ROWID;
    CREATE TABLE audio (
      recording_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      at_ms REAL NOT NULL,
      sample_rate_hz INTEGER NOT NULL,
      pcm BLOB NOT NULL,
      PRIMARY KEY (recording_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      recording_id TEXT NOT NULL,
      msg_id TEXT NOT NULL UNIQUE,
      subject TEXT NOT NULL,
      payload BLOB NOT NULL,
      created_wall_ms INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      delivered_wall_ms INTEGER,
      stream_seq INTEGER
    );
    CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_wall_ms IS NULL;
  `,
  2: `
    ALTER TABLE recordings ADD COLUMN rerun_json TEXT;
  `,
};

/** Brings the schema to {@link SCHEMA_VERSION}; the caller holds a write transaction. */
export function migrate(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new DatabaseVersionError(
      `records database ${file} has schema version ${version}, newer than this voice-agent's ${SCHEMA_VERSION}: ` +
        `upgrade voice-agent, or point --db at another file`,
      file,
    );
  }
  for (let v = version + 1; v <= SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
  // Written even when unchanged: the write fails at once on a file this process cannot write.
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** A notice, history entry or published action message the chart emitted while processing event `eventSeq`. */
export const EmittedSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('notice'), turnId: z.string(), code: z.string(), detail: z.string() }).strict(),
  z
    .object({
      kind: z.literal('history'),
      turnId: z.string(),
      role: z.enum(['user', 'assistant', 'action']),
      text: z.string(),
      interrupted: z.boolean(),
      pending: z.boolean(),
      replyTurnId: z.string().optional(),
      action: ActionRecordSchema.optional(),
    })
    .strict(),
  /** An action request or cancel the chart published. */
  z.object({ kind: z.literal('publish'), message: z.object({ type: z.string() }).passthrough() }).strict(),
]);
export type Emitted = z.infer<typeof EmittedSchema>;

/** An event as stored: at least a type; bus messages carry their whole envelope and payload. */
export const StoredEventSchema = z.object({ type: z.string().min(1) }).passthrough();

export const RecordingRowSchema = z.object({
  id: z.string(),
  session_id: z.string(),
  started_wall_ms: z.number(),
  ended_at_ms: z.number().nullable(),
  end_reason: z.string().nullable(),
  chart_version: z.string(),
  config_json: z.string(),
  rerun_json: z.string().nullable().optional(),
  audio: z.number(),
  events: z.number(),
  turns: z.number(),
});

export const EventRowSchema = z.object({
  seq: z.number().int(),
  at_ms: z.number(),
  type: z.string(),
  turn_id: z.string().nullable(),
  state: z.string(),
  status: z.string(),
  event_json: z.string(),
});

export const EmittedRowSchema = z.object({
  seq: z.number().int(),
  event_seq: z.number().int(),
  at_ms: z.number(),
  json: z.string(),
});
export const TurnRowSchema = z.object({ json: z.string() });
export const AudioRowSchema = z.object({
  seq: z.number().int(),
  at_ms: z.number(),
  sample_rate_hz: z.number().int().positive(),
  pcm: z.instanceof(Uint8Array),
});
export const OutboxRowSchema = z.object({
  id: z.number().int(),
  recording_id: z.string(),
  msg_id: z.string(),
  subject: z.string(),
  payload: z.instanceof(Uint8Array),
  attempts: z.number().int(),
});

export { TurnTimelineSchema };
