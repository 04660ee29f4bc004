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
 * The store collects the rows at its next tick; nothing here ever waits for SQLite. What each of these
 * makes is decided by a pure step (recorder-state.ts); this file subscribes and reads the clocks.
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
import type { MessageBus } from '../../bus/message-bus.js';
import type { BusMessage, MessageOf, MessageType } from '../../bus/messages.js';
import type { Subscription } from '../../bus/transport.js';
import { describeNotice } from '../../machines/notices.js';
import type { SessionMachine } from '../../machines/session.machine.js';
import { createTimelineBuilder, TIMELINE_MESSAGE_TYPES, type TimelineBuilder } from '../../runtime/timeline.js';
import type { ConditionerFeed } from '../../adapters/audio/conditioner-feed.js';
import type { InputSwitches } from '../../adapters/audio/input-conditioner.js';
import type { SinkKind } from '../../runtime/runtime-options.js';
import { chartVersion } from './chart-version.js';
import {
  initialRecorder,
  stepRecorder,
  takeRows,
  turnsMayHaveSettled,
  type RecorderConfig,
  type RecorderInput,
  type RecorderState,
  type RerunSetting,
} from './recorder-state.js';
import { OUTSIDE_INPUT_TYPES, type BuildFingerprint } from './rerun-material.js';
import type { RecordSource, RecordStore } from './store.js';

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

/** The engines' answers a re-run holds until the session's time (rerun-material.ts). */
const ANSWER_TYPES = ['stt.final', 'llm.started', 'tts.chunk'] as const;

type Snapshot = ReturnType<Actor<SessionMachine>['getSnapshot']>;

/** Where a recorder hands its rows: a {@link RecordStore}, or anything that collects them the same way. */
export type RecordSink = Pick<RecordStore, 'attach' | 'flush' | 'wallClock'>;

export function createSessionRecorder(store: RecordSink, options: SessionRecorderOptions): SessionRecorder {
  const { bus, clock } = options;
  let state: RecorderState | undefined;
  let actor: Actor<SessionMachine> | undefined;
  let timeline: TimelineBuilder | undefined;
  let detach: (() => void) | undefined;
  const cleanup: Array<Subscription | ActorSubscription> = [];

  const step = (input: RecorderInput) => {
    if (state) stepRecorder(state, input, clock.now() - state.config.originMs);
  };
  /** The input switches' bits as the block arrives, when a re-run's blocks are kept; -1: no switches. */
  const switchBits = () => {
    if (!options.input) return undefined;
    const s = options.input.switches;
    return s ? (s.echo ? 1 : 0) | (s.noiseSuppression ? 2 : 0) : -1;
  };
  const onFrame = (m: MessageOf<'audio.frame'>) => {
    step({ type: 'frame', sampleRateHz: m.sampleRateHz, audio: m.audio, switches: switchBits() });
  };

  const source: RecordSource = {
    get recordingId() {
      return state!.config.recordingId;
    },
    collect(push) {
      if (!state) return;
      if (actor && timeline && turnsMayHaveSettled(state)) {
        const chart = actor.getSnapshot().context;
        step({ type: 'collect', chart, turns: timeline.turns(), wallMs: store.wallClock() });
      }
      for (const row of takeRows(state)) push(row);
    },
  };

  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.snapshot' || event.actorRef !== actor) return;
    // `xstate.stop` is the host tearing the actor down, not an event of the chart.
    if (event.event.type === 'xstate.stop') return;
    const snapshot = event.snapshot as Snapshot;
    step({ type: 'processed', event: event.event, state: snapshot.value, status: snapshot.status });
  };

  /** The chart's root actor: every event it processes, and what it emits while processing it. */
  const watchChart = (attached: Actor<SessionMachine>) => {
    cleanup.push(
      attached.system.inspect(inspect),
      attached.on('notice', (e) => {
        const { turnId, notice } = e;
        const detail = describeNotice(notice);
        step({ type: 'emitted', emitted: { kind: 'notice', turnId, code: notice.code, detail } });
      }),
      attached.on('history', (e) => step({ type: 'emitted', emitted: { kind: 'history', ...e.entry } })),
      attached.on('publish', (e) => step({ type: 'published', message: e.message })),
    );
  };

  /** The session's bus: the timeline's messages, and with `audio` the microphone and the re-run material. */
  const watchBus = (sessionId: string) => {
    const subscribe = (type: MessageType, listener: (m: BusMessage) => void) => {
      cleanup.push(bus.subscribe(bus.subjects.forEvent(sessionId, type), listener));
    };
    const builder = (timeline = createTimelineBuilder(sessionId));
    for (const type of TIMELINE_MESSAGE_TYPES) {
      subscribe(type, (m) => {
        builder.add(m);
        step({ type: 'timeline' });
      });
    }
    if (options.audio) subscribe('audio.frame', (m) => m.type === 'audio.frame' && onFrame(m));
    if (options.audio && options.input) {
      for (const type of OUTSIDE_INPUT_TYPES) subscribe(type, (message) => step({ type: 'input', message }));
      for (const type of ANSWER_TYPES) subscribe(type, (message) => step({ type: 'answer', message }));
    }
  };

  const rerunSetting = (): RerunSetting | undefined => {
    const input = options.audio ? options.input : undefined;
    if (!input) return undefined;
    const { sinkKind, build, conditioner } = input;
    return { sinkKind, switched: input.switches !== undefined, build, conditioner };
  };

  return {
    get recordingId() {
      return state?.config.recordingId;
    },
    attach(attached) {
      if (actor) throw new Error('this recorder is already attached to a session: create one recorder per session');
      actor = attached;
      const { context } = attached.getSnapshot();
      const { sessionId } = context;
      const config: RecorderConfig = {
        recordingId: randomUUID(),
        sessionId,
        originMs: clock.now(),
        startedWallMs: store.wallClock(),
        outboxSubject: options.outbox ? bus.subjects.forEvent(sessionId, 'record.turn') : undefined,
      };
      const opening = { chartVersion: chartVersion(), chartConfig: context.config, audio: options.audio ?? false };
      state = initialRecorder(config, opening);
      watchChart(attached);
      watchBus(sessionId);
      detach = store.attach(source);
    },
    close(reason) {
      if (!state || state.phase === 'closed' || !actor) return;
      for (const s of cleanup) s.unsubscribe();
      step({ type: 'close', reason, turns: timeline?.turns() ?? [], wallMs: store.wallClock(), rerun: rerunSetting() });
      detach?.();
      store.flush();
    },
  };
}
