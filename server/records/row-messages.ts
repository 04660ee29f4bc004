/**
 * A recorder's rows, as it hands them to the store, turned into the messages of the MCAP topics as they
 * come: what the Foxglove live view publishes and what the MCAP file written as a session runs holds.
 * The messages of all the batches of one recording together are those `sessionMessages` builds from
 * the stored recording (`mcap/messages.ts` keeps what carries over between batches).
 *
 * @example
 * ```ts
 * const toMessages = createRowMessages();
 * for (const batch of toMessages(rows)) for (const m of batch.messages) publish(batch.recordingId, m);
 * ```
 */
import type { Recording, RecordedAudio, RecordedEmitted, RecordedEvent } from './read.js';
import { createMessageBuilder, type RecordingPart, type TopicMessage } from './mcap/messages.js';
import { eventJson, type RecordRow } from './rows.js';
import type { RecordSource, RecordStore } from './store.js';
import { stateValueToString } from '../../runtime/state-value.js';

type RecordingRow = Extract<RecordRow, { table: 'recording' }>;
type EndRow = Extract<RecordRow, { table: 'recordingEnd' }>;

/** One recording's share of a batch of rows. */
export interface RecordingBatch {
  recordingId: string;
  /** Unix ms of its start: message times are ms since then. */
  startedWallMs: number;
  /** Its first row, in the batch that started it. */
  started?: RecordingRow;
  /** Its messages, stable by time (as the session produced them within one moment). */
  messages: TopicMessage[];
  /** Its end, in the batch that ended it: no rows of it follow. */
  ended?: EndRow;
}

/** A row as the store's reader gives it back: the state flattened, the event as its JSON says. */
export function recordedEvent(row: Extract<RecordRow, { table: 'event' }>): RecordedEvent {
  return {
    seq: row.seq,
    atMs: row.atMs,
    type: row.event.type,
    turnId: typeof row.event.turnId === 'string' ? row.event.turnId : null,
    state: typeof row.state === 'string' ? row.state : stateValueToString(row.state),
    status: row.status,
    event: JSON.parse(eventJson(row.event)) as RecordedEvent['event'],
  };
}

/** The recording as its metadata says once it is over (or, with no end, while it runs). */
export function recordingOf(
  started: RecordingRow,
  counts: { events: number; turns: number },
  ended?: EndRow,
): Recording {
  return {
    id: started.recordingId,
    sessionId: started.sessionId,
    startedWallMs: started.startedWallMs,
    endedAtMs: ended?.endedAtMs ?? null,
    endReason: ended?.endReason ?? null,
    chartVersion: started.chartVersion,
    audio: started.audio,
    events: counts.events,
    turns: counts.turns,
    // As the store gives it back: what JSON keeps of it.
    config: JSON.parse(JSON.stringify(started.config)) as unknown,
    ...(ended?.rerun ? { rerun: ended.rerun } : {}),
  };
}

type Part = RecordingPart & { events: RecordedEvent[]; emitted: RecordedEmitted[]; audio: RecordedAudio[] };

/** Turns batches of rows into messages per recording; a recording's rows before its `recording` row are dropped. */
export function createRowMessages(): (rows: readonly RecordRow[]) => RecordingBatch[] {
  const builders = new Map<string, { build: ReturnType<typeof createMessageBuilder>; startedWallMs: number }>();
  return (rows) => {
    const batches = new Map<string, { batch: RecordingBatch; part: Part }>();
    const of = (recordingId: string) =>
      batches.get(recordingId) ??
      batches
        .set(recordingId, {
          batch: { recordingId, startedWallMs: 0, messages: [] },
          part: { events: [], emitted: [], turns: [], audio: [] },
        })
        .get(recordingId)!;
    for (const row of rows) {
      if (row.table === 'recording') {
        builders.set(row.recordingId, { build: createMessageBuilder(row), startedWallMs: row.startedWallMs });
        of(row.recordingId).batch.started = row;
      } else if (row.table === 'event') of(row.recordingId).part.events.push(recordedEvent(row));
      else if (row.table === 'emitted')
        of(row.recordingId).part.emitted.push({ ...row.emitted, seq: row.seq, eventSeq: row.eventSeq, atMs: row.atMs });
      else if (row.table === 'turn') {
        const { part } = of(row.recordingId);
        if (part.turns.length === 0) part.firstTurnOrdinal = row.ordinal;
        part.turns.push(row.turn);
      } else if (row.table === 'audio')
        of(row.recordingId).part.audio.push({
          seq: row.seq,
          atMs: row.atMs,
          sampleRateHz: row.sampleRateHz,
          pcm: row.pcm,
        });
      else if (row.table === 'recordingEnd') of(row.recordingId).batch.ended = row;
    }
    const out: RecordingBatch[] = [];
    for (const [id, { batch, part }] of batches) {
      const builder = builders.get(id);
      if (!builder) continue;
      batch.startedWallMs = builder.startedWallMs;
      // Stable by time: messages of one moment keep the order the session produced them in.
      batch.messages = builder.build(part).sort((a, b) => a.atMs - b.atMs);
      if (batch.ended) builders.delete(id);
      out.push(batch);
    }
    return out;
  };
}

/**
 * `store` with every recorder's rows also handed to `onRows`, as the store collects them. `onRows` must
 * never cost the record: what it throws goes to `onError`, and the rows are stored all the same.
 */
export function tapStore(
  store: RecordStore,
  onRows: (rows: readonly RecordRow[]) => void,
  onError: (error: unknown) => void,
): RecordStore {
  const tapped: RecordStore = Object.create(store) as RecordStore;
  tapped.attach = (source: RecordSource) =>
    store.attach({
      get recordingId() {
        return source.recordingId;
      },
      collect(push) {
        const rows: RecordRow[] = [];
        source.collect((row) => {
          rows.push(row);
          push(row);
        });
        try {
          onRows(rows);
        } catch (error) {
          onError(error);
        }
      },
    });
  return tapped;
}
