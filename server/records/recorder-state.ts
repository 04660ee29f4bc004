/**
 * A session recorder's bookkeeping as a pure step function: which rows each thing the recorder hears
 * makes, with their sequence numbers; when a turn counts as settled; how microphone audio is cut into
 * chunks; and the re-run material (rerun-material.ts) gathered on the way. `stepRecorder(state, input,
 * atMs)` queues the rows an input makes in `state.rows`, which the recorder (recorder.ts) hands to the
 * store at its next collect; it never does I/O and never reads a clock: the recorder passes the time
 * since the recording's start with every input.
 *
 * Phases: `recording`, then `closed` (the end row is queued), after which every input is ignored.
 *
 * The state is updated in place and returned, as the playback's is: microphone frames arrive fifty
 * times a second per session. A caller keeps only the latest state.
 *
 * @example
 * ```ts
 * const config = { recordingId: 'r1', sessionId: 's1', originMs: 0, startedWallMs, outboxSubject: undefined };
 * const state = initialRecorder(config, { chartVersion: chartVersion(), chartConfig, audio: true });
 * stepRecorder(state, { type: 'frame', sampleRateHz: 16000, audio, switches: undefined }, 20);
 * stepRecorder(state, { type: 'close', reason: 'end', turns: [], wallMs, rerun: undefined }, 40);
 * takeRows(state); // the `recording` row, the audio chunk, then the `recordingEnd` row
 * ```
 */
import { encodeMessage } from '../../bus/codec.js';
import type { BusMessage, MessageOf, TurnTimeline } from '../../bus/messages.js';
import type { SessionContext } from '../../machines/context.js';
import { rebaseTimeline } from '../../runtime/timeline.js';
import { RERUN_MATERIAL_VERSION } from './rerun-material.js';
import type { ArrivalBlock, BuildFingerprint, RerunMaterial } from './rerun-material.js';
import type { Emitted } from './schema.js';
import type { RecordRow } from './store.js';

/** Why one second: large enough that a chunk row costs nothing next to its audio, small enough to stream. */
const AUDIO_CHUNK_MS = 1000;

type EventRow = Extract<RecordRow, { table: 'event' }>;
type PublishedMessage = Extract<Emitted, { kind: 'publish' }>['message'];

export interface RecorderConfig {
  readonly recordingId: string;
  readonly sessionId: string;
  /** The session clock's reading at the start: turn timelines are rebased on it. */
  readonly originMs: number;
  readonly startedWallMs: number;
  /** Where settled turns are published for the JetStream relay; absent: no outbox rows. */
  readonly outboxSubject: string | undefined;
}

/** What the `recording` row says besides the config: the chart's version and settings, and whether audio is kept. */
export interface RecordingOpening {
  readonly chartVersion: string;
  readonly chartConfig: unknown;
  readonly audio: boolean;
}

/** Microphone audio not yet written: one row per second of it, at one rate. */
export interface AudioChunk {
  readonly atMs: number;
  readonly rateHz: number;
  readonly parts: Uint8Array[];
  bytes: number;
}

export interface RecorderState {
  readonly config: RecorderConfig;
  phase: 'recording' | 'closed';
  /** Rows not yet handed to the store. */
  rows: RecordRow[];
  eventSeq: number;
  emittedSeq: number;
  turnOrdinal: number;
  audioSeq: number;
  /** The chart processed an event or the timeline grew since the last collect: a turn may have settled. */
  changedSinceCollect: boolean;
  readonly written: Set<string>;
  /** Turns found settled at the last collect: written at the next, so their last bus messages have landed. */
  settling: Set<string>;
  chunk: AudioChunk | undefined;
  readonly blocks: ArrivalBlock[];
  readonly inputs: RerunMaterial['inputs'];
  readonly answers: RerunMaterial['answers'];
  /** TTS segments whose first chunk is among the answers (`turnId#segmentIndex`). */
  readonly segmentsHeard: Set<string>;
  /** The chart's own `control.listen` messages are not inputs: skip the next one the bus brings. */
  chartListens: number;
}

/** What the chart says of its turns: a turn it still holds is not settled. */
export type ChartHold = Pick<SessionContext, 'replyTurnId' | 'pendingHeard'>;

/** The re-run material that does not come from the session's messages: known to the recorder's options. */
export interface RerunSetting {
  readonly sinkKind: RerunMaterial['sinkKind'];
  readonly switched: boolean;
  readonly build: BuildFingerprint;
  readonly conditioner: RerunMaterial['conditioner'];
}

/** What a collect reads: the turns so far, the chart's hold on them (absent: none), the wall clock for outbox rows. */
interface TurnsReading {
  readonly chart?: ChartHold;
  readonly turns: readonly TurnTimeline[];
  readonly wallMs: number;
}

export type RecorderInput =
  /** The chart's root processed `event` and is now in `state`. */
  | { type: 'processed'; event: EventRow['event']; state: EventRow['state']; status: string }
  /** A notice or history entry the chart emitted while processing the next event. */
  | { type: 'emitted'; emitted: Emitted }
  /** A message the chart published while processing the next event. */
  | { type: 'published'; message: PublishedMessage }
  /** The timeline took a message. */
  | { type: 'timeline' }
  /** `switches`: the input switches' bits when a re-run's blocks are kept (absent: they are not). */
  | { type: 'frame'; sampleRateHz: number; audio: Uint8Array; switches: number | undefined }
  /** A message from outside the session's actors. */
  | { type: 'input'; message: BusMessage }
  /** An engine's answer: `stt.final`, `llm.started` or `tts.chunk`. */
  | { type: 'answer'; message: BusMessage }
  /** The store collects: turns found settled at the last collect are written. */
  | ({ type: 'collect'; chart: ChartHold } & TurnsReading)
  /** The recording ends: every turn left is written, then the end row with the re-run material. */
  | ({ type: 'close'; reason: string; rerun: RerunSetting | undefined } & TurnsReading);

/** A recording just started: its `recording` row is queued. */
export function initialRecorder(config: RecorderConfig, opening: RecordingOpening): RecorderState {
  const { recordingId, sessionId, startedWallMs } = config;
  const { chartVersion, chartConfig, audio } = opening;
  return {
    config,
    phase: 'recording',
    rows: [{ table: 'recording', recordingId, sessionId, startedWallMs, chartVersion, config: chartConfig, audio }],
    eventSeq: 0,
    emittedSeq: 0,
    turnOrdinal: 0,
    audioSeq: 0,
    changedSinceCollect: false,
    written: new Set(),
    settling: new Set(),
    chunk: undefined,
    blocks: [],
    inputs: [],
    answers: [],
    segmentsHeard: new Set(),
    chartListens: 0,
  };
}

/** Whether a collect has anything to look at: without a change or a settling turn, none is written. */
export function turnsMayHaveSettled(state: RecorderState): boolean {
  return state.phase === 'recording' && (state.changedSinceCollect || state.settling.size > 0);
}

/** One input applied, `atMs` after the recording's start: the state, updated in place. */
export function stepRecorder(state: RecorderState, input: RecorderInput, atMs: number): RecorderState {
  if (state.phase === 'closed') return state;
  switch (input.type) {
    case 'processed': {
      const { recordingId } = state.config;
      const { event, status } = input;
      state.rows.push({ table: 'event', recordingId, seq: state.eventSeq++, atMs, event, state: input.state, status });
      state.changedSinceCollect = true;
      break;
    }
    case 'emitted':
      recordEmitted(state, input.emitted, atMs);
      break;
    case 'published':
      recordPublished(state, input.message, atMs);
      break;
    case 'timeline':
      state.changedSinceCollect = true;
      break;
    case 'frame':
      recordFrame(state, input, atMs);
      break;
    case 'input':
      recordInput(state, input.message, atMs);
      break;
    case 'answer':
      recordAnswer(state, input.message, atMs);
      break;
    case 'collect':
      collectTurns(state, input, atMs);
      break;
    case 'close':
      close(state, input, atMs);
      break;
  }
  return state;
}

/** The rows queued since the last call, now the caller's. */
export function takeRows(state: RecorderState): RecordRow[] {
  const rows = state.rows;
  state.rows = [];
  return rows;
}

function recordEmitted(state: RecorderState, emitted: Emitted, atMs: number): void {
  // Emitted during an event's processing, before its snapshot is inspected: they belong to `eventSeq`.
  const { recordingId } = state.config;
  state.rows.push({ table: 'emitted', recordingId, seq: state.emittedSeq++, eventSeq: state.eventSeq, atMs, emitted });
}

function recordPublished(state: RecorderState, message: PublishedMessage, atMs: number): void {
  if (message.type === 'control.listen') {
    // The host publishes it before the recorder hears of it: drop it if it was taken for an input.
    const last = state.inputs.at(-1);
    if (last?.message.type === 'control.listen' && last.atMs === atMs) state.inputs.pop();
    else state.chartListens++;
  }
  recordEmitted(state, { kind: 'publish', message }, atMs);
}

function recordFrame(state: RecorderState, input: Extract<RecorderInput, { type: 'frame' }>, atMs: number): void {
  const { audio, sampleRateHz } = input;
  if (input.switches !== undefined) state.blocks.push([atMs, audio.byteLength, sampleRateHz, input.switches]);
  if (state.chunk && state.chunk.rateHz !== sampleRateHz) closeChunk(state);
  const chunk = (state.chunk ??= { atMs, rateHz: sampleRateHz, parts: [], bytes: 0 });
  // A copy: a device may reuse its frame buffer for the next frame.
  chunk.parts.push(audio.slice());
  chunk.bytes += audio.byteLength;
  if (chunk.bytes >= (chunk.rateHz * 2 * AUDIO_CHUNK_MS) / 1000) closeChunk(state);
}

function closeChunk(state: RecorderState): void {
  const { chunk } = state;
  if (!chunk) return;
  const pcm = Buffer.concat(chunk.parts, chunk.bytes);
  const { recordingId } = state.config;
  const { atMs, rateHz: sampleRateHz } = chunk;
  state.rows.push({ table: 'audio', recordingId, seq: state.audioSeq++, atMs, sampleRateHz, pcm });
  state.chunk = undefined;
}

function recordInput(state: RecorderState, message: BusMessage, atMs: number): void {
  if (message.type === 'control.estop' && message.source !== 'client') return;
  if (message.type === 'control.listen' && state.chartListens > 0) {
    state.chartListens--;
    return;
  }
  const copy = JSON.parse(JSON.stringify(message)) as RerunMaterial['inputs'][number]['message'];
  state.inputs.push({ atMs, message: copy });
}

function recordAnswer(state: RecorderState, message: BusMessage, atMs: number): void {
  if (message.type === 'stt.final') state.answers.push(['stt', atMs, message.turnId]);
  else if (message.type === 'llm.started') state.answers.push(['llm', atMs, message.turnId]);
  else if (message.type === 'tts.chunk') {
    const key = `${message.turnId}#${message.segmentIndex}`;
    if (state.segmentsHeard.has(key)) return;
    state.segmentsHeard.add(key);
    state.answers.push(['tts', atMs, message.text]);
  }
}

/** The chart has let go of the turn: it is not the current reply and not waiting for its playback report. */
const settledIn = (chart: ChartHold, turn: TurnTimeline) =>
  turn.outcome !== undefined && chart.replyTurnId !== turn.turnId && !chart.pendingHeard.includes(turn.turnId);

/** Writes the turns found settled last time and notes those settled now; without `chart`, every turn left. */
function collectTurns(state: RecorderState, reading: TurnsReading, atMs: number): void {
  state.changedSinceCollect = false;
  const next = new Set<string>();
  for (const turn of reading.turns) {
    if (state.written.has(turn.turnId)) continue;
    if (!reading.chart || state.settling.has(turn.turnId)) writeTurn(state, turn, reading.wallMs, atMs);
    else if (settledIn(reading.chart, turn)) next.add(turn.turnId);
  }
  state.settling = next;
}

function writeTurn(state: RecorderState, turn: TurnTimeline, wallMs: number, atMs: number): void {
  const { recordingId, sessionId, originMs, startedWallMs, outboxSubject } = state.config;
  state.written.add(turn.turnId);
  const record = rebaseTimeline(turn, originMs);
  state.rows.push({ table: 'turn', recordingId, ordinal: state.turnOrdinal++, turn: record });
  if (outboxSubject === undefined) return;
  const message: MessageOf<'record.turn'> = {
    type: 'record.turn',
    sessionId,
    turnId: turn.turnId,
    atMs: Math.round(atMs),
    recordingId,
    startedAtWallMs: startedWallMs,
    turn: record,
  };
  state.rows.push({
    table: 'outbox',
    recordingId,
    // Stable across restarts and retries: JetStream drops a second copy with the same id.
    msgId: `${recordingId}.${turn.turnId}`,
    subject: outboxSubject,
    payload: encodeMessage(message),
    createdWallMs: wallMs,
  });
}

function close(state: RecorderState, input: Extract<RecorderInput, { type: 'close' }>, atMs: number): void {
  collectTurns(state, { turns: input.turns, wallMs: input.wallMs }, atMs);
  closeChunk(state);
  const setting = input.rerun;
  const rerun: RerunMaterial | undefined = setting
    ? {
        version: RERUN_MATERIAL_VERSION,
        originMs: state.config.originMs,
        sinkKind: setting.sinkKind,
        switched: setting.switched,
        build: setting.build,
        blocks: state.blocks,
        answers: state.answers,
        inputs: state.inputs,
        ...(setting.conditioner ? { conditioner: setting.conditioner } : {}),
      }
    : undefined;
  const { recordingId } = state.config;
  const { reason: endReason } = input;
  state.rows.push({ table: 'recordingEnd', recordingId, endedAtMs: atMs, endReason, ...(rerun ? { rerun } : {}) });
  state.phase = 'closed';
}
