/**
 * Records one session into a {@link RecordStore}. It attaches to the session chart before it starts
 * (`startSession({ attach })`) and captures, in memory, off the store's commit path:
 *
 * - every event the chart's root actor processed, in order, with its delivery time and the state after
 *   it — from XState inspection (`@xstate.snapshot` of the root carries the event it processed), so the
 *   chart's own delayed events (`xstate.after.*`) are in the log too;
 * - the notices and history entries the chart emitted, tied to the event that caused them;
 * - the per-turn timeline (`runtime/timeline.ts`, fed from the session's bus messages); a turn is
 *   written once it is settled (the chart has let go of it), with its outbox row for JetStream;
 * - microphone audio in one-second chunks, with `audio`; then also what a re-run needs besides it
 *   (rerun-material.ts): each block as it arrived, the inputs from outside the session's actors, the
 *   build; written with the recording's end.
 *
 * The store collects the rows at its next tick; nothing here ever waits for SQLite.
 *
 * @example
 * ```ts
 * const recorder = createSessionRecorder(store, { bus, clock });
 * const session = startSession({ sessionId: 's1', bus, clock, engines, attach: recorder.attach });
 * // … later
 * await session.stop();
 * recorder.close('end');
 * ```
 */
import { randomUUID } from 'node:crypto';
import type { Actor, InspectionEvent, Subscription as ActorSubscription } from 'xstate';
import type { Clock } from '../../adapters/clock.js';
import { encodeMessage } from '../../bus/codec.js';
import type { MessageBus } from '../../bus/message-bus.js';
import type { BusMessage, MessageOf, TurnTimeline } from '../../bus/messages.js';
import type { Subscription } from '../../bus/transport.js';
import { describeNotice } from '../../machines/notices.js';
import type { SessionMachine } from '../../machines/session.machine.js';
import { createTimelineBuilder, rebaseTimeline, TIMELINE_MESSAGE_TYPES, type TimelineBuilder } from '../../runtime/timeline.js';
import type { ConditionerFeed } from '../../adapters/audio/conditioner-feed.js';
import type { InputSwitches } from '../../adapters/audio/input-conditioner.js';
import type { SinkKind } from '../../runtime/runtime-options.js';
import { chartVersion } from './chart-version.js';
import { OUTSIDE_INPUT_TYPES, RERUN_MATERIAL_VERSION, type ArrivalBlock, type BuildFingerprint, type RerunMaterial } from './rerun-material.js';
import type { RecordRow, RecordSource, RecordStore } from './store.js';

export interface SessionRecorderOptions {
  bus: MessageBus;
  /** The session's clock: event times are read from it. */
  clock: Clock;
  /** Keep the microphone audio (`record.audio`), so the session can be re-run through engines. */
  audio?: boolean;
  /** Write each settled turn to the outbox for the JetStream relay (only when a relay runs). */
  outbox?: boolean;
  /**
   * With `audio`: where the session's voice is heard, the client's input switches (read at each block, as
   * the input conditioner reads them) and the build, kept for a faithful re-run (rerun-material.ts).
   */
  input?: {
    sinkKind: SinkKind;
    switches?: InputSwitches;
    build: BuildFingerprint;
    /** What the input conditioner was given from a sound server's clocks (`live`), filled as the session runs. */
    conditioner?: ConditionerFeed;
  };
}

export interface SessionRecorder {
  /** Give this to `startSession({ attach })`. */
  readonly attach: (actor: Actor<SessionMachine>) => void;
  /** Known once attached. */
  readonly recordingId: string | undefined;
  /** Ends the recording: writes the remaining turns and the end, and commits them now. */
  close(reason: string): void;
}

/** Why one second: large enough that a chunk row costs nothing next to its audio, small enough to stream. */
const AUDIO_CHUNK_MS = 1000;

type Snapshot = ReturnType<Actor<SessionMachine>['getSnapshot']>;

/** Where a recorder hands its rows: a {@link RecordStore}, or anything that collects them the same way. */
export type RecordSink = Pick<RecordStore, 'attach' | 'flush' | 'wallClock'>;

export function createSessionRecorder(store: RecordSink, options: SessionRecorderOptions): SessionRecorder {
  const { bus, clock } = options;
  let rows: RecordRow[] = [];
  let recordingId: string | undefined;
  let actor: Actor<SessionMachine> | undefined;
  let closed = false;
  let originMs = 0;
  let startedWallMs = 0;
  let sessionId = '';
  let eventSeq = 0;
  let emittedSeq = 0;
  let turnOrdinal = 0;
  let changedSinceCollect = false;
  const cleanup: Array<Subscription | ActorSubscription> = [];
  let detach: (() => void) | undefined;
  let timeline: TimelineBuilder | undefined;
  const written = new Set<string>();
  /** Turns found settled at the last collect: written at the next, so their last bus messages have landed. */
  let settling = new Set<string>();
  let chunk: { atMs: number; rateHz: number; parts: Uint8Array[]; bytes: number } | undefined;
  let audioSeq = 0;
  const blocks: ArrivalBlock[] = [];
  const inputs: RerunMaterial['inputs'] = [];
  const answers: RerunMaterial['answers'] = [];
  const segmentsHeard = new Set<string>();
  const onAnswer = (m: BusMessage) => {
    if (m.type === 'stt.final') answers.push(['stt', at(), m.turnId]);
    else if (m.type === 'llm.started') answers.push(['llm', at(), m.turnId]);
    else if (m.type === 'tts.chunk') {
      const key = `${m.turnId}#${m.segmentIndex}`;
      if (segmentsHeard.has(key)) return;
      segmentsHeard.add(key);
      answers.push(['tts', at(), m.text]);
    }
  };
  /** The chart's own `control.listen` messages are not inputs: skip the next one the bus brings (or the one it just brought). */
  let chartListens = 0;

  const at = () => clock.now() - originMs;

  const writeTurn = (turn: TurnTimeline) => {
    written.add(turn.turnId);
    const record = rebaseTimeline(turn, originMs);
    rows.push({ table: 'turn', recordingId: recordingId!, ordinal: turnOrdinal++, turn: record });
    if (!options.outbox) return;
    const message: MessageOf<'record.turn'> = {
      type: 'record.turn',
      sessionId,
      turnId: turn.turnId,
      atMs: Math.round(at()),
      recordingId: recordingId!,
      startedAtWallMs: startedWallMs,
      turn: record,
    };
    rows.push({
      table: 'outbox',
      recordingId: recordingId!,
      // Stable across restarts and retries: JetStream drops a second copy with the same id.
      msgId: `${recordingId}.${turn.turnId}`,
      subject: bus.subjects.forEvent(sessionId, 'record.turn'),
      payload: encodeMessage(message),
      createdWallMs: store.wallClock(),
    });
  };

  /** The chart has let go of the turn: it is not the current reply and not waiting for its playback report. */
  const settledIn = (snapshot: Snapshot, turn: TurnTimeline) =>
    turn.outcome !== undefined && snapshot.context.replyTurnId !== turn.turnId && !snapshot.context.pendingHeard.includes(turn.turnId);

  const collectTurns = (force: boolean) => {
    if (!actor || !timeline || (!force && !changedSinceCollect && settling.size === 0)) return;
    changedSinceCollect = false;
    const snapshot = actor.getSnapshot();
    const next = new Set<string>();
    for (const turn of timeline.turns()) {
      if (written.has(turn.turnId)) continue;
      if (force || settling.has(turn.turnId)) writeTurn(turn);
      else if (settledIn(snapshot, turn)) next.add(turn.turnId);
    }
    settling = next;
  };

  const closeChunk = () => {
    if (!chunk) return;
    const pcm = Buffer.concat(chunk.parts, chunk.bytes);
    rows.push({ table: 'audio', recordingId: recordingId!, seq: audioSeq++, atMs: chunk.atMs, sampleRateHz: chunk.rateHz, pcm });
    chunk = undefined;
  };

  const switchBits = () => {
    const s = options.input?.switches;
    return s ? (s.echo ? 1 : 0) | (s.noiseSuppression ? 2 : 0) : -1;
  };

  const onInput = (m: BusMessage) => {
    if (m.type === 'control.estop' && m.source !== 'client') return;
    if (m.type === 'control.listen' && chartListens > 0) {
      chartListens--;
      return;
    }
    inputs.push({ atMs: at(), message: JSON.parse(JSON.stringify(m)) as RerunMaterial['inputs'][number]['message'] });
  };

  const onFrame = (m: { sampleRateHz: number; audio: Uint8Array }) => {
    if (options.input) blocks.push([at(), m.audio.byteLength, m.sampleRateHz, switchBits()]);
    if (chunk && chunk.rateHz !== m.sampleRateHz) closeChunk();
    chunk ??= { atMs: at(), rateHz: m.sampleRateHz, parts: [], bytes: 0 };
    // A copy: a device may reuse its frame buffer for the next frame.
    chunk.parts.push(m.audio.slice());
    chunk.bytes += m.audio.byteLength;
    if (chunk.bytes >= (chunk.rateHz * 2 * AUDIO_CHUNK_MS) / 1000) closeChunk();
  };

  const source: RecordSource = {
    get recordingId() {
      return recordingId!;
    },
    collect(push) {
      collectTurns(false);
      for (const row of rows) push(row);
      rows = [];
    },
  };

  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.snapshot' || event.actorRef !== actor) return;
    // `xstate.stop` is the host tearing the actor down, not an event of the chart.
    if (event.event.type === 'xstate.stop') return;
    const snapshot = event.snapshot as Snapshot;
    rows.push({ table: 'event', recordingId: recordingId!, seq: eventSeq++, atMs: at(), event: event.event, state: snapshot.value, status: snapshot.status });
    changedSinceCollect = true;
  };

  return {
    get recordingId() {
      return recordingId;
    },
    attach(attached) {
      if (actor) throw new Error('this recorder is already attached to a session: create one recorder per session');
      actor = attached;
      const { context } = attached.getSnapshot();
      sessionId = context.sessionId;
      recordingId = randomUUID();
      originMs = clock.now();
      startedWallMs = store.wallClock();
      rows.push({
        table: 'recording',
        recordingId,
        sessionId,
        startedWallMs,
        chartVersion: chartVersion(),
        config: context.config,
        audio: options.audio ?? false,
      });
      cleanup.push(attached.system.inspect(inspect));
      // Emitted during an event's processing, before its snapshot is inspected: they belong to `eventSeq`.
      cleanup.push(
        attached.on('notice', (e) =>
          rows.push({
            table: 'emitted',
            recordingId: recordingId!,
            seq: emittedSeq++,
            eventSeq,
            atMs: at(),
            emitted: { kind: 'notice', turnId: e.turnId, code: e.notice.code, detail: describeNotice(e.notice) },
          }),
        ),
        attached.on('history', (e) =>
          rows.push({ table: 'emitted', recordingId: recordingId!, seq: emittedSeq++, eventSeq, atMs: at(), emitted: { kind: 'history', ...e.entry } }),
        ),
        attached.on('publish', (e) => {
          if (e.message.type === 'control.listen') {
            // The host publishes it before this listener runs: drop it if it was taken for an input.
            const last = inputs.at(-1);
            if (last?.message.type === 'control.listen' && last.atMs === at()) inputs.pop();
            else chartListens++;
          }
          rows.push({ table: 'emitted', recordingId: recordingId!, seq: emittedSeq++, eventSeq, atMs: at(), emitted: { kind: 'publish', message: e.message } });
        }),
      );
      const builder = (timeline = createTimelineBuilder(sessionId));
      const onTimelineMessage = (m: BusMessage) => {
        builder.add(m);
        changedSinceCollect = true;
      };
      for (const type of TIMELINE_MESSAGE_TYPES) cleanup.push(bus.subscribe(bus.subjects.forEvent(sessionId, type), onTimelineMessage));
      if (options.audio) cleanup.push(bus.subscribe(bus.subjects.forEvent(sessionId, 'audio.frame'), (m) => m.type === 'audio.frame' && onFrame(m)));
      if (options.audio && options.input) {
        for (const type of OUTSIDE_INPUT_TYPES) cleanup.push(bus.subscribe(bus.subjects.forEvent(sessionId, type), onInput));
        for (const type of ['stt.final', 'llm.started', 'tts.chunk'] as const) cleanup.push(bus.subscribe(bus.subjects.forEvent(sessionId, type), onAnswer));
      }
      detach = store.attach(source);
    },
    close(reason) {
      if (closed || !actor) return;
      closed = true;
      for (const s of cleanup) s.unsubscribe();
      collectTurns(true);
      closeChunk();
      const input = options.audio ? options.input : undefined;
      const rerun: RerunMaterial | undefined = input
        ? {
            version: RERUN_MATERIAL_VERSION,
            originMs,
            sinkKind: input.sinkKind,
            switched: input.switches !== undefined,
            build: input.build,
            blocks,
            answers,
            inputs,
            ...(input.conditioner ? { conditioner: input.conditioner } : {}),
          }
        : undefined;
      rows.push({ table: 'recordingEnd', recordingId: recordingId!, endedAtMs: at(), endReason: reason, ...(rerun ? { rerun } : {}) });
      detach?.();
      store.flush();
    },
  };
}
