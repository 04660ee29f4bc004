/**
 * `createAgent`: one voice-agent session in a program — on the deterministic fakes (default), on engines
 * you give, or on the configured local engines (the configuration `voice-agent serve` reads) — with the
 * program's own actions run in-process. The handle speaks, takes typed text and microphone frames,
 * stops everything at once (`estop`), and reports what happens as typed events read from the bus, so a
 * session on NATS is watched the same way by any other process.
 */
import type { z } from 'zod';
import type { AudioSink } from '../adapters/audio/sink.js';
import { createBusSink } from '../adapters/audio/bus-sink.js';
import { serveActions, type ActionHandler, type ActionServer } from '../adapters/actions/executor.js';
import { ActionDeclarationError, type ActionDeclaration } from '../adapters/actions/declaration.js';
import { systemClock, type Clock } from '../adapters/clock.js';
import { assertRuleActionsDeclared, parseRules, type RulesConfig } from '../adapters/llm/rules.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import type { BusMessage, MessageOf } from '../bus/messages.js';
import type { SessionConfigInput } from '../machines/config.js';
import type { HistoryEntry } from '../machines/events.js';
import {
  splitSessionState,
  type DialogState,
  type SessionStateMatch,
  type SessionStateParts,
} from '../machines/states.js';
import { loadConfig, type AppConfigSchema } from '../runtime/config.js';
import { assembleSession, givenEngines } from '../runtime/assemble-session.js';
import { buildEngines } from '../runtime/engine-pool.js';
import type { SessionHandle } from '../runtime/session-host.js';
import type { Action } from './actions.js';
import { FAKE_SAMPLE_RATE_HZ, fakeEngines, fakeLlm, type AgentEngines } from './testing.js';

/** Every message of the action lifecycle: request, accepted, rejected, feedback, result, failed, cancel, cancelled. */
export type ActionMessage = Extract<BusMessage, { type: `action.${string}` }>;
/** A `session.state` message with its value split into the chart's regions. */
export type StateEvent = MessageOf<'session.state'> & SessionStateParts;

/** What `agent.on(kind, …)` reports, by kind. */
export interface AgentEvents {
  /** `session.notice`: `code` is a {@link NoticeCode}, with that code's typed fields (`reason`, `actionId`, …). */
  notice: MessageOf<'session.notice'>;
  /** Each step of every action's lifecycle. */
  action: ActionMessage;
  /** Every change of the chart's state. */
  state: StateEvent;
  /** Each entry the session adds to its history (user, assistant, action). */
  history: MessageOf<'session.history'>;
  /** `session.error`: the session hit a bug or an engine failed for good. */
  error: MessageOf<'session.error'>;
}
export type AgentEventName = keyof AgentEvents;

const EVENT_TYPES = {
  notice: 'session.notice',
  state: 'session.state',
  history: 'session.history',
  error: 'session.error',
} as const;

export interface AgentOptions {
  /** The actions the agent may run (`defineAction`); those with a handler run in this process. */
  actions?: readonly Action[];
  /** The engines to run on (`fakeEngines()` from `voice-agent/testing`, or your own); default the fakes. */
  engines?: AgentEngines;
  /**
   * Run on the configured local engines instead: the same keys as `voice-agent.json` (defaults: the
   * embedded local stack). Its `actions.path` declarations are offered too, unless an action of the same
   * name is given in `actions`.
   */
  config?: z.input<typeof AppConfigSchema>;
  /** The LLM is the rule policy on these rules (on the fakes, or instead of the configured LLM). */
  rules?: RulesConfig;
  /** The chart's settings (`session.*` of the configuration: timeouts, texts, barge-in, …). */
  session?: Omit<SessionConfigInput, 'declaredActions'>;
  /** Where the session talks: default a new in-process bus; give one on NATS to be reachable from other processes. */
  bus?: MessageBus;
  /** Default `agent`; one agent per session id on a bus. */
  sessionId?: string;
  /** Default the system clock; the fakes' `ManualClock` runs a conversation in simulated time. */
  clock?: Clock;
  /** Where the agent's speech goes; default `audio.out` on the bus (`audio.clear` when it must stop at once). */
  sink?: AudioSink;
}

export interface WaitOptions {
  /** Rejects after this long on the agent's clock; default 30 000. */
  timeoutMs?: number;
}

/** A running (or ready to start) agent. */
export interface Agent {
  readonly sessionId: string;
  readonly bus: MessageBus;
  /** Builds the engines, serves the handlers and starts the session; resolves once it listens on the bus. */
  start(): Promise<void>;
  /** Speaks a text (not from the LLM); `uninterruptible` ignores barge-in. */
  say(text: string, options?: { uninterruptible?: boolean }): void;
  /** A typed user message, answered like a spoken one. */
  sendText(text: string): void;
  /** One microphone frame: s16le mono at `sampleRateHz`. */
  pushAudio(frame: Uint8Array, sampleRateHz: number): void;
  /** Stops speaking now (like the user saying STOP); a running action with `cancelOn: stop` is cancelled. */
  stopSpeaking(): void;
  /** The emergency stop: speech cut, every action cancelled, the declared `stop` action asked for. */
  estop(): void;
  /**
   * The chart's state now, as published: `idle.waiting+actions.running` (and `+activation.open.window` in
   * `wake`/`push`).
   */
  state(): string;
  /**
   * Whether the chart is in `state`, as xstate's `snapshot.matches`: `agent.matches({ actions: 'running' })`;
   * a dialog state alone means the dialog region's, any of its sub-states: `agent.matches(DialogState.idle)`.
   */
  matches(state: DialogState | SessionStateMatch): boolean;
  /** What the session remembers, oldest first. */
  history(): readonly HistoryEntry[];
  /** Calls `listener` for each event of `kind` until the returned function is called. */
  on<K extends AgentEventName>(kind: K, listener: (event: AgentEvents[K]) => void): () => void;
  /** The next event of `kind` that `predicate` accepts. */
  waitFor<K extends AgentEventName>(
    kind: K,
    predicate?: (event: AgentEvents[K]) => boolean,
    options?: WaitOptions,
  ): Promise<AgentEvents[K]>;
  /** Ends the session (END), aborts running handlers, releases the engines; closes the bus if the agent made it. */
  stop(): Promise<void>;
}

/** Thrown by the agent's methods when called in the wrong order. */
export class AgentStateError extends Error {
  override name = 'AgentStateError';
}

const DEFAULT_WAIT_MS = 30_000;

/** The declarations of `actions`, each name once. */
function declarationsOf(actions: readonly Action[]): ActionDeclaration[] {
  const seen = new Set<string>();
  for (const action of actions) {
    if (seen.has(action.name))
      throw new ActionDeclarationError(`action "${action.name}" is given twice: pass each defineAction once`);
    seen.add(action.name);
  }
  return actions.map((a) => a.declaration);
}

/** What start() builds: the session on its engines, and how to let them go. */
interface Started {
  session: SessionHandle;
  actions: ActionServer;
  release(): void;
}

/** What the session starters share. */
interface StartContext {
  options: AgentOptions;
  bus: MessageBus;
  clock: Clock;
  sessionId: string;
  declared: ActionDeclaration[];
  handlers: Readonly<Record<string, ActionHandler>>;
  rules: RulesConfig | undefined;
}

const sinkFor = ({ options, bus, clock, sessionId }: StartContext, sampleRateHz: number): AudioSink =>
  options.sink ?? createBusSink({ bus, clock, sessionId, sampleRateHz });

/** The session on the fakes or the given engines. */
async function startOnEngines(context: StartContext): Promise<Started> {
  const { options, bus, clock, sessionId, declared, handlers, rules } = context;
  const engines = options.engines ?? fakeEngines({ clock });
  const llm = rules ? fakeLlm(clock, { rules }) : engines.llm;
  const sink = engines.sink ?? sinkFor(context, engines.tts[0]?.sampleRateHz ?? FAKE_SAMPLE_RATE_HZ);
  const config: SessionConfigInput = {
    ...options.session,
    declaredActions: declared,
    ...(rules ? { notUnderstoodText: rules.fallback.reply } : {}),
  };
  const actionServer = serveActions({ bus, clock, sessionId, runsOn: 'handler', handlers });
  const { session, release } = await assembleSession(givenEngines({ ...engines, llm }), {
    sessionId,
    bus,
    clock,
    sink,
    config,
  });
  return { session, actions: actionServer, release };
}

/** The session on the configured local engines; the given actions replace the actions file's of the same name. */
async function startOnConfig(context: StartContext): Promise<Started> {
  const { options, bus, clock, sessionId, declared, handlers, rules } = context;
  const config = loadConfig({ overrides: options.config as Record<string, unknown> });
  const pool = buildEngines(config, { clock });
  await pool.warmUp();
  const names = new Set(declared.map((d) => d.name));
  const all = [...pool.runtime.config.declaredActions.filter((d) => !names.has(d.name)), ...declared];
  if (rules)
    assertRuleActionsDeclared(
      rules,
      all.map((d) => d.name),
      'rules',
      "the agent's actions and actions.path",
    );
  const sessionConfig = {
    ...pool.runtime.config,
    ...options.session,
    declaredActions: all,
    ...(rules ? { notUnderstoodText: rules.fallback.reply } : {}),
  } as SessionConfigInput;
  const actionServer = serveActions({ bus, clock, sessionId, runsOn: 'handler', handlers });
  try {
    const { session, release } = await assembleSession(pool, {
      sessionId,
      bus,
      clock,
      sink: sinkFor(context, config.audio.outputRateHz),
      sinkKind: 'device',
      config: sessionConfig,
      ...(rules ? { engines: (bound) => ({ ...bound, llm: fakeLlm(clock, { rules }) }) } : {}),
    });
    return { session, actions: actionServer, release };
  } catch (error) {
    await actionServer.close();
    throw error;
  }
}

/** Subscribes `listener` to the session's events of `kind` on the bus; returns the unsubscribe. */
function subscribeTo<K extends AgentEventName>(
  bus: MessageBus,
  sessionId: string,
  kind: K,
  listener: (event: AgentEvents[K]) => void,
): () => void {
  const subject =
    kind === 'action'
      ? bus.subjects.forStage(sessionId, 'action')
      : bus.subjects.forEvent(sessionId, EVENT_TYPES[kind as Exclude<AgentEventName, 'action'>]);
  const subscription = bus.subscribe(subject, (message) => {
    if (kind === 'state' && message.type === 'session.state')
      listener({ ...message, ...splitSessionState(message.value) } as AgentEvents[K]);
    else if (kind !== 'action' || message.type.startsWith('action.')) listener(message as AgentEvents[K]);
  });
  return () => subscription.unsubscribe();
}

/** The next event of `kind` that `predicate` accepts, or a rejection after `timeoutMs` on `clock`. */
function nextEvent<K extends AgentEventName>(
  on: (kind: K, listener: (event: AgentEvents[K]) => void) => () => void,
  clock: Clock,
  kind: K,
  predicate: ((event: AgentEvents[K]) => boolean) | undefined,
  timeoutMs: number,
): Promise<AgentEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      off();
      reject(new Error(`no ${kind} event${predicate ? ' matching the predicate' : ''} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = on(kind, (event) => {
      if (predicate && !predicate(event)) return;
      off();
      clock.clearTimeout(timer);
      resolve(event);
    });
  });
}

/**
 * Creates an agent; nothing runs until `start()`, so listeners added before it see the first state.
 * Throws an `ActionDeclarationError` (or a `RulesError`) for actions or rules the session could not use.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { createAgent, defineAction } from 'voice-agent';
 *
 * const wave = defineAction({
 *   name: 'wave',
 *   description: 'Wave a hand.',
 *   schema: z.object({ times: z.number().int().min(1).max(3).default(1) }),
 *   say: { result: 'Waved.' },
 *   handler: ({ times }, { feedback }) => {
 *     feedback({ times });
 *     return { waved: times };
 *   },
 * });
 * const agent = createAgent({
 *   actions: [wave],
 *   rules: {
 *     rules: [{ id: 'wave', patterns: ['wave'], reply: 'Waving.', action: { name: 'wave', args: {} } }],
 *     fallback: { reply: 'Say wave.' },
 *   },
 * });
 * agent.on('action', (m) => console.log(m.type, m.actionId));
 * await agent.start();
 * agent.sendText('wave');
 * await agent.waitFor('history', (h) => h.role === 'action');
 * await agent.stop();
 * ```
 */
export function createAgent(options: AgentOptions = {}): Agent {
  const clock = options.clock ?? systemClock;
  const sessionId = options.sessionId ?? 'agent';
  const actions = options.actions ?? [];
  const declared = declarationsOf(actions);
  if (options.engines && options.config)
    throw new AgentStateError(
      'give either engines or config, not both: engines are used as given, config builds the configured ones',
    );
  const rules = options.rules ? parseRules(options.rules, 'rules') : undefined;
  if (rules && !options.config)
    assertRuleActionsDeclared(
      rules,
      declared.map((d) => d.name),
      'rules',
      "the agent's actions",
    );
  const ownBus = !options.bus;
  const bus = options.bus ?? createMessageBus(createMemoryTransport(), { clock });
  const handlers = Object.fromEntries(actions.flatMap((a) => (a.handler ? [[a.name, a.handler] as const] : [])));
  let started: Started | undefined;
  let starting: Promise<void> | undefined;
  let stopped = false;

  const running = (): SessionHandle => {
    if (!started)
      throw new AgentStateError(
        stopped ? 'the agent has stopped: create a new one' : 'the agent has not started: await agent.start() first',
      );
    return started.session;
  };

  const context: StartContext = { options, bus, clock, sessionId, declared, handlers, rules };
  const on = <K extends AgentEventName>(kind: K, listener: (event: AgentEvents[K]) => void) =>
    subscribeTo(bus, sessionId, kind, listener);

  return {
    sessionId,
    bus,
    start() {
      if (stopped) return Promise.reject(new AgentStateError('the agent has stopped: create a new one'));
      starting ??= (async () => {
        started = options.config ? await startOnConfig(context) : await startOnEngines(context);
        await started.session.ready();
      })();
      return starting;
    },
    say: (text, sayOptions) => running().say(text, sayOptions),
    sendText: (text) => running().sendText(text),
    pushAudio: (frame, sampleRateHz) => running().pushAudio(frame, sampleRateHz),
    stopSpeaking: () => running().stopSpeaking(),
    estop: () => running().estop(),
    state: () => running().state(),
    matches: (state) => running().matches(state),
    history: () => running().history(),
    on,
    waitFor: (kind, predicate, waitOptions) =>
      nextEvent(on, clock, kind, predicate, waitOptions?.timeoutMs ?? DEFAULT_WAIT_MS),
    async stop() {
      if (stopped) return;
      stopped = true;
      await starting?.catch(() => undefined);
      if (started) {
        await started.session.stop();
        await started.actions.close();
        started.release();
        started = undefined;
      }
      if (ownBus) await bus.close();
    },
  };
}
