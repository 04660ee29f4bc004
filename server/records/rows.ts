/**
 * The rows a recorder queues and the one transaction that writes a batch of them. Rows hold plain
 * references (the event object, the state value); turning them into JSON happens here, at commit time,
 * never on the path of a turn.
 *
 * @example
 * ```ts
 * const writer = createRowWriter(db);
 * writer.write([{ table: 'recordingEnd', recordingId: 'r1', endedAtMs: 5000, endReason: 'end' }]);
 * ```
 */
import type Database from 'better-sqlite3';
import type { StateValue } from 'xstate';
import type { TurnTimeline } from '../../bus/messages.js';
import { stateValueToString } from '../../runtime/state-value.js';
import type { RerunMaterial } from './rerun-material.js';
import type { Emitted } from './schema.js';

export type RecordRow =
  | {
      table: 'recording';
      recordingId: string;
      sessionId: string;
      startedWallMs: number;
      chartVersion: string;
      config: unknown;
      audio: boolean;
    }
  | { table: 'recordingEnd'; recordingId: string; endedAtMs: number; endReason: string; rerun?: RerunMaterial }
  | {
      table: 'event';
      recordingId: string;
      seq: number;
      atMs: number;
      event: { type: string; turnId?: unknown };
      /** A state value (turned into `idle.waiting` form at commit) or an already flat string. */
      state: StateValue;
      status: string;
    }
  | { table: 'emitted'; recordingId: string; seq: number; eventSeq: number; atMs: number; emitted: Emitted }
  | { table: 'turn'; recordingId: string; ordinal: number; turn: TurnTimeline }
  | { table: 'audio'; recordingId: string; seq: number; atMs: number; sampleRateHz: number; pcm: Uint8Array }
  | {
      table: 'outbox';
      recordingId: string;
      msgId: string;
      subject: string;
      payload: Uint8Array;
      createdWallMs: number;
    };

/**
 * Events are plain data (bus messages, `xstate.after.*`), stringified as they are; only the start (its
 * input is the recording's config, stored once) and a child actor's failure (an `Error`, kept as its
 * name and message) need a look inside.
 */
export function eventJson(event: { type: string }): string {
  if (event.type === 'xstate.init') return '{"type":"xstate.init"}';
  if (!event.type.startsWith('xstate.error.')) return JSON.stringify(event);
  return JSON.stringify(event, (_key, value: unknown) =>
    value instanceof Error ? { name: value.name, message: value.message } : value,
  );
}

export interface RowWriter {
  /** Writes the batch in one IMMEDIATE transaction; throws (and writes nothing) if any row fails. */
  write(rows: readonly RecordRow[]): { events: number; outbox: number };
}

export function createRowWriter(db: Database.Database): RowWriter {
  const insert: Inserts = {
    recording: db.prepare(
      'INSERT INTO recordings (id, session_id, started_wall_ms, chart_version, config_json, audio) VALUES (?, ?, ' +
        '?, ?, ?, ?)',
    ),
    recordingEnd: db.prepare(
      'UPDATE recordings SET ended_at_ms = ?, end_reason = ?, rerun_json = coalesce(?, rerun_json) WHERE id = ?',
    ),
    event: db.prepare(
      'INSERT INTO events (recording_id, seq, at_ms, type, turn_id, state, status, event_json) VALUES (?, ?, ?, ?, ' +
        '?, ?, ?, ?)',
    ),
    emitted: db.prepare(
      'INSERT INTO emitted (recording_id, seq, event_seq, at_ms, kind, turn_id, json) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    turn: db.prepare(
      'INSERT INTO turns (recording_id, turn_id, ordinal, json) VALUES (?, ?, ?, ?) ON CONFLICT (recording_id, ' +
        'turn_id) DO UPDATE SET json = excluded.json',
    ),
    audio: db.prepare('INSERT INTO audio (recording_id, seq, at_ms, sample_rate_hz, pcm) VALUES (?, ?, ?, ?, ?)'),
    // The message id is unique: the same turn record queued twice is written once.
    outbox: db.prepare(
      'INSERT OR IGNORE INTO outbox (recording_id, msg_id, subject, payload, created_wall_ms) VALUES (?, ?, ?, ?, ' +
        '?)',
    ),
  };
  const run = db.transaction((rows: readonly RecordRow[]) => {
    let events = 0;
    let outbox = 0;
    for (const row of rows) {
      insertRow(insert, row);
      if (row.table === 'event') events++;
      else if (row.table === 'outbox') outbox++;
    }
    return { events, outbox };
  });
  return { write: (rows) => run.immediate(rows) };
}

type Inserts = Record<RecordRow['table'], Database.Statement>;
type RowOf<T extends RecordRow['table']> = Extract<RecordRow, { table: T }>;

/** Runs the row's statement; objects become JSON and byte arrays Buffers here, at commit time. */
function insertRow(insert: Inserts, row: RecordRow): void {
  switch (row.table) {
    case 'recording':
      insertRecording(insert.recording, row);
      break;
    case 'recordingEnd':
      insert.recordingEnd.run(
        row.endedAtMs,
        row.endReason,
        row.rerun ? JSON.stringify(row.rerun) : null,
        row.recordingId,
      );
      break;
    case 'event':
      insertEvent(insert.event, row);
      break;
    case 'emitted':
      insertEmitted(insert.emitted, row);
      break;
    case 'turn':
      insert.turn.run(row.recordingId, row.turn.turnId, row.ordinal, JSON.stringify(row.turn));
      break;
    case 'audio':
      insert.audio.run(row.recordingId, row.seq, row.atMs, row.sampleRateHz, bufferOf(row.pcm));
      break;
    case 'outbox':
      insert.outbox.run(row.recordingId, row.msgId, row.subject, bufferOf(row.payload), row.createdWallMs);
      break;
  }
}

/** A new recording; its config is stored once, as JSON. */
function insertRecording(statement: Database.Statement, row: RowOf<'recording'>): void {
  const { recordingId, sessionId, startedWallMs, chartVersion } = row;
  statement.run(recordingId, sessionId, startedWallMs, chartVersion, JSON.stringify(row.config), row.audio ? 1 : 0);
}

/** An event, with its turn and flat state in columns of their own so queries need not parse the JSON. */
function insertEvent(statement: Database.Statement, row: RowOf<'event'>): void {
  const turnId = typeof row.event.turnId === 'string' ? row.event.turnId : null;
  const state = typeof row.state === 'string' ? row.state : stateValueToString(row.state);
  statement.run(row.recordingId, row.seq, row.atMs, row.event.type, turnId, state, row.status, eventJson(row.event));
}

/** What the chart emitted in answer to an event, with the turn it belongs to. */
function insertEmitted(statement: Database.Statement, row: RowOf<'emitted'>): void {
  const { recordingId, seq, eventSeq, atMs, emitted } = row;
  statement.run(recordingId, seq, eventSeq, atMs, emitted.kind, emittedTurnId(emitted), JSON.stringify(emitted));
}

/** The same bytes as a Buffer, without a copy: better-sqlite3 binds Buffers as BLOBs. */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The turn an emitted row belongs to: a published message carries its own. */
function emittedTurnId(emitted: Emitted): string {
  return emitted.kind === 'publish' ? String(emitted.message.turnId ?? '-') : emitted.turnId;
}
