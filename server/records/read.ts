/**
 * The read side of the records database: what `replay`, `export` and the inspector use. Every row is
 * checked with zod as it is read (the file may come from another process or version); a malformed row
 * is a {@link DatabaseCorruptError} naming the recording and the row.
 *
 * @example
 * ```ts
 * const reader = createRecordReader(db, 'voice-agent.db');
 * const [latest] = reader.recordings({ limit: 1 });
 * for (const e of reader.events(latest.id)) console.log(e.seq, e.atMs, e.type, '→', e.state);
 * ```
 */
import type Database from 'better-sqlite3';
import type { z } from 'zod';
import type { TurnTimeline } from '../../bus/messages.js';
import { DatabaseCorruptError, RecordingNotFoundError } from './errors.js';
import {
  AudioRowSchema,
  EmittedRowSchema,
  EmittedSchema,
  EventRowSchema,
  RecordingRowSchema,
  StoredEventSchema,
  TurnRowSchema,
  TurnTimelineSchema,
  type Emitted,
} from './schema.js';

export interface RecordingSummary {
  /** The recording's own id (a session id can be recorded more than once, e.g. a named robot session). */
  id: string;
  sessionId: string;
  /** Unix ms; every other time of the recording is ms since this moment. */
  startedWallMs: number;
  /** ms since the start; null while the session runs, or when its process died before it ended. */
  endedAtMs: number | null;
  endReason: string | null;
  chartVersion: string;
  /** Microphone audio was recorded (`record.audio`), so the session can be re-run. */
  audio: boolean;
  events: number;
  turns: number;
}

export interface Recording extends RecordingSummary {
  /** The session config the chart ran with, as stored (replay checks it against today's schema). */
  config: unknown;
  /** What a re-run needs besides the audio (rerun-material.ts); absent before schema 2 or without `record.audio`. */
  rerun?: unknown;
}

export interface RecordedEvent {
  seq: number;
  /** Delivery time: ms since the recording started. */
  atMs: number;
  type: string;
  turnId: string | null;
  /** The chart's state after the event, flattened (`speaking.reply.playing+user.silent`). */
  state: string;
  /** The actor's status after the event: `active`, `done` (ended) or `error`. */
  status: string;
  event: { type: string; [key: string]: unknown };
}

export type RecordedEmitted = Emitted & { seq: number; eventSeq: number; atMs: number };

export interface RecordedAudio {
  seq: number;
  atMs: number;
  sampleRateHz: number;
  /** s16le mono. */
  pcm: Uint8Array;
}

export interface RecordReader {
  /** Newest first. */
  recordings(filter?: { sessionId?: string; limit?: number }): RecordingSummary[];
  /** By recording id, or the newest recording of a session id; throws {@link RecordingNotFoundError}. */
  recording(ref: string): Recording;
  events(recordingId: string): RecordedEvent[];
  /** Notices and history entries, in the order the chart emitted them. */
  emitted(recordingId: string): RecordedEmitted[];
  /** The per-turn timelines, in turn order; times in ms since the recording started. */
  turns(recordingId: string): TurnTimeline[];
  audio(recordingId: string): RecordedAudio[];
}

const SUMMARY_SQL = `SELECT r.*,
    (SELECT COUNT(*) FROM events e WHERE e.recording_id = r.id) AS events,
    (SELECT COUNT(*) FROM turns t WHERE t.recording_id = r.id) AS turns
  FROM recordings r`;

export function createRecordReader(db: Database.Database, file: string): RecordReader {
  const parse = <S extends z.ZodType>(schema: S, row: unknown, what: string): z.infer<S> => {
    const result = schema.safeParse(row);
    if (result.success) return result.data;
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`).join('; ');
    throw new DatabaseCorruptError(
      `records database ${file}: ${what} is malformed (${issues}): export what still reads, then move the ` +
        `file aside`,
      file,
      {
        cause: result.error,
      },
    );
  };
  const json = (text: string, what: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new DatabaseCorruptError(
        `records database ${file}: ${what} is not JSON: export what still reads, then move the ` + `file aside`,
        file,
        { cause },
      );
    }
  };
  const summary = (row: unknown): Recording => {
    const r = parse(RecordingRowSchema, row, 'a recordings row');
    return {
      id: r.id,
      sessionId: r.session_id,
      startedWallMs: r.started_wall_ms,
      endedAtMs: r.ended_at_ms,
      endReason: r.end_reason,
      chartVersion: r.chart_version,
      audio: r.audio !== 0,
      events: r.events,
      turns: r.turns,
      config: json(r.config_json, `the config of recording ${r.id}`),
      ...(r.rerun_json ? { rerun: json(r.rerun_json, `the re-run material of recording ${r.id}`) } : {}),
    };
  };
  const withoutConfig = ({ config: _config, rerun: _rerun, ...rest }: Recording): RecordingSummary => rest;

  const statements = {
    list: db.prepare(`${SUMMARY_SQL} ORDER BY r.started_wall_ms DESC, r.rowid DESC LIMIT ?`),
    listBySession: db.prepare(
      `${SUMMARY_SQL} WHERE r.session_id = ? ORDER BY r.started_wall_ms DESC, r.rowid DESC LIMIT ?`,
    ),
    byId: db.prepare(`${SUMMARY_SQL} WHERE r.id = ?`),
    events: db.prepare(
      'SELECT seq, at_ms, type, turn_id, state, status, event_json FROM events WHERE recording_id = ? ORDER BY seq',
    ),
    emitted: db.prepare('SELECT seq, event_seq, at_ms, json FROM emitted WHERE recording_id = ? ORDER BY seq'),
    turns: db.prepare('SELECT json FROM turns WHERE recording_id = ? ORDER BY ordinal'),
    audio: db.prepare('SELECT seq, at_ms, sample_rate_hz, pcm FROM audio WHERE recording_id = ? ORDER BY seq'),
  };
  // Why no limit means 1,000: a listing is for people and pages; nobody reads more rows at once.
  const DEFAULT_LIST_LIMIT = 1000;

  return {
    recordings(filter = {}) {
      const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
      const rows =
        filter.sessionId === undefined
          ? statements.list.all(limit)
          : statements.listBySession.all(filter.sessionId, limit);
      return rows.map((row) => withoutConfig(summary(row)));
    },
    recording(ref) {
      const row = statements.byId.get(ref) ?? statements.listBySession.get(ref, 1);
      if (!row) {
        throw new RecordingNotFoundError(
          `no recording "${ref}" in ${file}: list the recordings with \`voice-agent replay --db ${file}\``,
          file,
        );
      }
      return summary(row);
    },
    events(recordingId) {
      return statements.events.all(recordingId).map((row) => {
        const r = parse(EventRowSchema, row, `an event of recording ${recordingId}`);
        const what = `event ${r.seq} of recording ${recordingId}`;
        const event = parse(StoredEventSchema, json(r.event_json, what), what) as RecordedEvent['event'];
        return { seq: r.seq, atMs: r.at_ms, type: r.type, turnId: r.turn_id, state: r.state, status: r.status, event };
      });
    },
    emitted(recordingId) {
      return statements.emitted.all(recordingId).map((row) => {
        const r = parse(EmittedRowSchema, row, `an emitted row of recording ${recordingId}`);
        const what = `emitted ${r.seq} of recording ${recordingId}`;
        return { ...parse(EmittedSchema, json(r.json, what), what), seq: r.seq, eventSeq: r.event_seq, atMs: r.at_ms };
      });
    },
    turns(recordingId) {
      return statements.turns.all(recordingId).map((row) => {
        const what = `a turn of recording ${recordingId}`;
        return parse(TurnTimelineSchema, json(parse(TurnRowSchema, row, what).json, what), what);
      });
    },
    audio(recordingId) {
      return statements.audio.all(recordingId).map((row) => {
        const r = parse(AudioRowSchema, row, `an audio chunk of recording ${recordingId}`);
        return { seq: r.seq, atMs: r.at_ms, sampleRateHz: r.sample_rate_hz, pcm: r.pcm };
      });
    },
  };
}
