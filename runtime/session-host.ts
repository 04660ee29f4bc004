/**
 * Runs one session: the chart as an XState actor with the real stage actors, fed by the bus. The host
 * subscribes to exactly the message types the chart reacts to (so audio and token traffic is never
 * decoded here), forwards them as events, and publishes what the chart emits (`session.state`,
 * `session.history`, `session.notice`) so any process can watch the session. The entry points start
 * their sessions through `assembleSession` (assemble-session.ts), which binds the engines and calls this.
 *
 * @example
 * ```ts
 * const session = startSession({ sessionId: 's1', bus, clock: systemClock, engines });
 * session.sendText('hello');
 * // … later
 * await session.stop();
 * ```
 */
import { createActor, type Actor, type InspectionEvent, type Observer, type SnapshotFrom } from 'xstate';
import type { Clock } from '../adapters/clock.js';
import { SESSION_TURN } from '../bus/messages.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { Subscription } from '../bus/transport.js';
import {
  bindSessionDeps,
  DEFAULT_PIPELINE_OPTIONS,
  sharedSessionActors,
  type PipelineOptions,
  type SessionEngines,
} from '../actors/index.js';
import { resolveSessionConfig, type SessionConfigInput } from '../machines/config.js';
import { acceptsEvent } from '../machines/accepted-events.js';
import { isSessionEvent, SESSION_EVENT_TYPES, type HistoryEntry } from '../machines/events.js';
import { describeNotice } from '../machines/notices.js';
import { sessionMachine } from '../machines/session.machine.js';
import { matchValue, type DialogState, type SessionStateMatch } from '../machines/states.js';
import { describeEvent, stateValueToString } from './state-value.js';

export type { SessionEngines };

export interface StartSessionOptions {
  sessionId: string;
  bus: MessageBus;
  clock: Clock;
  engines: SessionEngines;
  config?: SessionConfigInput;
  /** The stage actors' options; the VAD actor's `activation` follows `config.activation` (set here). */
  pipeline?: Partial<Omit<PipelineOptions, 'activation'>>;
  /** XState inspection (e.g. @statelyai/inspect, or a logger of transitions). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Publish `session.state` on every transition (on by default; off for very large fleets). */
  publishState?: boolean;
  /**
   * Called with the chart's actor after it is created and before it starts, so an observer sees the
   * initial state too: it may add inspection (`actor.system.inspect`) and listen to emitted events
   * (`actor.on`). The session recorder (`server/records`) attaches here.
   */
  attach?: (actor: Actor<typeof sessionMachine>) => void;
}

export interface SessionHandle {
  readonly sessionId: string;
  readonly actor: Actor<typeof sessionMachine>;
  /** Current state as a dotted string, e.g. `speaking.reply.playing+user.silent`. */
  state(): string;
  /**
   * Whether the chart is in `state`, as xstate's `snapshot.matches`: `handle.matches({ actions: 'running' })`;
   * a dialog state alone means the dialog region's, any of its sub-states: `handle.matches(DialogState.idle)`.
   */
  matches(state: DialogState | SessionStateMatch): boolean;
  history(): readonly HistoryEntry[];
  sendText(text: string): void;
  say(text: string, options?: { uninterruptible?: boolean }): void;
  stopSpeaking(): void;
  /** Resolves when the session's subscriptions are live on the bus (over NATS: acknowledged by the server). */
  ready(): Promise<void>;
  /** Publishes one microphone frame (s16le mono). */
  pushAudio(audio: Uint8Array, sampleRateHz: number): void;
  /** The emergency stop: playback cleared, every action cancelled, the declared `stop` action sent. */
  estop(): void;
  /** Ends the session (END), stops every child and unsubscribes. */
  stop(): Promise<void>;
}

/** One provided chart for every session of the process; each session's deps are bound to its actor system. */
const sharedMachine = sessionMachine.provide({ actors: sharedSessionActors });

export function startSession(options: StartSessionOptions): SessionHandle {
  const { sessionId, bus, clock, engines } = options;
  const config = resolveSessionConfig(options.config);
  // One source for the mode: the chart's activation region decides the gate, the VAD actor applies it and
  // runs the spotter (its stop phrases are the chart's).
  const pipeline: PipelineOptions = {
    ...DEFAULT_PIPELINE_OPTIONS,
    ...options.pipeline,
    activation: { mode: config.activation.mode, stopPhrases: config.estop.phrases },
  };
  const publishState = options.publishState ?? true;
  // Why inspection only when publishing state (or asked for): it runs for every event of every child
  // actor, which a fleet of thousands of silent sessions should not pay for.
  const inspect = publishState ? statePublisher(bus, sessionId, options.inspect) : options.inspect;
  const actor = createActor(sharedMachine, {
    input: { sessionId, config },
    clock,
    ...(inspect ? { inspect } : {}),
  });
  bindSessionDeps(actor.system, { bus, clock, pipeline, ...engines });
  publishEmitted(actor, bus, clock, sessionId);
  const subs = forwardSessionEvents(actor, bus, sessionId);
  options.attach?.(actor);
  actor.start();
  return sessionHandle(actor, subs, options);
}

type SessionActor = Actor<typeof sessionMachine>;

/**
 * The inspection that publishes `session.state` on every change of the chart's value, then hands each
 * event to the caller's inspection: XState's snapshot record carries the event that caused the change,
 * which observers of the actor never see.
 */
function statePublisher(bus: MessageBus, sessionId: string, userInspect: StartSessionOptions['inspect']) {
  let lastState = '';
  return (event: InspectionEvent) => {
    if (event.type === '@xstate.snapshot' && event.actorRef.sessionId === event.rootId) {
      const snapshot = event.snapshot as SnapshotFrom<typeof sessionMachine>;
      const value = stateValueToString(snapshot.value);
      if (value !== lastState) {
        lastState = value;
        const turnId = snapshot.context.replyTurnId ?? snapshot.context.userTurnId ?? SESSION_TURN;
        bus.publish({ type: 'session.state', sessionId, turnId, value, event: describeEvent(event.event) });
      }
    }
    if (typeof userInspect === 'function') userInspect(event);
    else userInspect?.next?.(event);
  };
}

/** Publishes what the chart emits: its notices, its history entries, its own messages, and its crash. */
function publishEmitted(actor: SessionActor, bus: MessageBus, clock: Clock, sessionId: string): void {
  actor.on('notice', (e) => {
    bus.publish({ type: 'session.notice', sessionId, turnId: e.turnId, ...e.notice, detail: describeNotice(e.notice) });
  });
  actor.on('history', (e) =>
    bus.publish({
      type: 'session.history',
      sessionId,
      turnId: e.entry.turnId,
      role: e.entry.role,
      text: e.entry.text,
      interrupted: e.entry.interrupted,
      ...(e.entry.replyTurnId ? { replyTurnId: e.entry.replyTurnId } : {}),
      ...(e.entry.action ? { action: e.entry.action } : {}),
    }),
  );
  // The chart's own messages (the actions it asks for and cancels), stamped with this clock's time.
  actor.on('publish', (e) => bus.publish({ ...e.message, atMs: clock.now() }));
  actor.subscribe({
    error: (error) => {
      // A bug in the chart must not take other sessions down: report it on this session only.
      const message = String(error);
      bus.publish({ type: 'session.error', sessionId, turnId: SESSION_TURN, code: 'session_crashed', message });
    },
  });
}

/** Subscribes to exactly the message types the chart reacts to, and sends those it accepts now. */
function forwardSessionEvents(actor: SessionActor, bus: MessageBus, sessionId: string): Subscription[] {
  return SESSION_EVENT_TYPES.map((type) =>
    bus.subscribe(bus.subjects.forEvent(sessionId, type), (message) => {
      const snapshot = actor.getSnapshot();
      const accepted = snapshot.status === 'active' && isSessionEvent(message) && acceptsEvent(snapshot, message.type);
      if (accepted) actor.send(message);
    }),
  );
}

function sessionHandle(actor: SessionActor, subs: Subscription[], options: StartSessionOptions): SessionHandle {
  const { sessionId, bus, clock } = options;
  let frameSeq = 0;
  const turnId = SESSION_TURN;
  return {
    sessionId,
    actor,
    state: () => stateValueToString(actor.getSnapshot().value),
    matches: (state) => actor.getSnapshot().matches(matchValue(state)),
    history: () => actor.getSnapshot().context.history,
    sendText: (text) => bus.publish({ type: 'user.text', sessionId, turnId, text }),
    say: (text, sayOptions) => {
      const uninterruptible = sayOptions?.uninterruptible ?? false;
      bus.publish({ type: 'control.say', sessionId, turnId, text, uninterruptible });
    },
    stopSpeaking: () => bus.publish({ type: 'control.stop', sessionId, turnId }),
    estop: () => bus.publish({ type: 'control.estop', sessionId, turnId, source: 'client' }),
    ready: () => bus.flush(),
    pushAudio: (audio, sampleRateHz) => {
      bus.publish({ type: 'audio.frame', sessionId, turnId, seq: frameSeq++, sampleRateHz, audio });
    },
    async stop() {
      if (actor.getSnapshot().status === 'active') {
        actor.send({ type: 'control.end', sessionId, turnId, atMs: clock.now() });
      }
      for (const s of subs) s.unsubscribe();
      actor.stop();
      await bus.flush();
    },
  };
}
