/**
 * Runs declared actions for a session (or for every session) on the bus, as the executor side of the
 * action lifecycle: it takes each `action.request` whose name it has a handler for and whose `runsOn` it
 * serves, answers `action.accepted`, runs the handler, and ends with `action.result` (the handler's
 * return value) or `action.failed` (it threw). An `action.cancel` for a running action aborts the
 * handler's signal and is acknowledged with `action.cancelled` at once; whatever the handler does after
 * that is not published. It uses only the {@link MessageBus}, so it works the same in-process and over
 * NATS (a robot controller in another process).
 *
 * The chart has checked the arguments against the declaration before it asked, so they are not checked
 * again here; a handler that gets something it cannot use throws, and that is a `failed`.
 *
 * @example
 * ```ts
 * const server = serveActions({
 *   bus,
 *   sessionId: '*',
 *   handlers: {
 *     async wave(args, { signal, feedback }) {
 *       feedback({ raised: true });
 *       await sleep(systemClock, 1_000, signal);
 *       return { waved: true };
 *     },
 *   },
 * });
 * // ... later
 * await server.close();
 * ```
 */
import type { ActionRunner, BusMessage, MessageBus, Subscription } from '../../bus/index.js';
import { systemClock, type Clock } from '../clock.js';

/** What a handler is given beside its arguments. */
export interface ActionContext {
  /** Aborted when the session cancels the action (its reason is the cancel reason) or the server closes. */
  signal: AbortSignal;
  /** Publishes `action.feedback` (a JSON object: progress, position, ...); ignored once the action ended. */
  feedback(feedback: Record<string, unknown>): void;
  actionId: string;
  sessionId: string;
}

/** Runs one action: resolves with its result (JSON-safe; `undefined` is sent as `null`), or throws. */
export type ActionHandler = (args: Record<string, unknown>, context: ActionContext) => unknown;

export interface ServeActionsOptions {
  bus: MessageBus;
  /** One handler per action name; requests for other names are left to other executors. */
  handlers: Readonly<Record<string, ActionHandler>>;
  /** The session whose requests to take, or `'*'` (default) for every session on the bus. */
  sessionId?: string;
  /** Which requests this executor serves: `controller` (default, a robot controller) or `handler` (in-process). */
  runsOn?: Exclude<ActionRunner, 'client'>;
  /**
   * Times the safety net: an action still running `timeoutMs` (the request's) plus
   * {@link TIMEOUT_GRACE_MS} after it was accepted is aborted and fails, in case the session that would
   * have cancelled it is gone. Default: the system clock.
   */
  clock?: Clock;
}

/** One action being run. */
export interface RunningAction {
  sessionId: string;
  actionId: string;
  name: string;
  turnId: string;
  /** When it was accepted, on the executor's clock. */
  startedMs: number;
}

export interface ActionServer {
  /** The actions being run now, oldest first. */
  running(): RunningAction[];
  /**
   * Stops taking requests; every running action is aborted and reported `action.failed` ("the executor
   * stopped"), so its session does not wait for it. Resolves once those messages are flushed.
   */
  close(): Promise<void>;
}

interface Run extends RunningAction {
  controller: AbortController;
  timer: unknown;
  /** `running` until the first of result, failure or cancel; nothing is published for it after that. */
  ended: boolean;
}

/**
 * Why 1 s past the request's `timeoutMs`: the session times the action out itself (a cancel, reason
 * `timeout`) at `timeoutMs`; the executor's own net only catches the case where no session is left to.
 */
export const TIMEOUT_GRACE_MS = 1_000;

/** The longest `action.failed` error text the bus carries. */
const MAX_ERROR_CHARS = 2_000;

/** A value as it would arrive over the network: `undefined` → `null`; throws if it is not JSON. */
function jsonSafe(value: unknown): unknown {
  const text = JSON.stringify(value === undefined ? null : value);
  if (text === undefined) throw new Error(`a ${typeof value} is not JSON`);
  return JSON.parse(text) as unknown;
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return (text || 'the handler failed').slice(0, MAX_ERROR_CHARS);
}

/** Serves `handlers` on the bus until `close()`. See the module comment. */
export function serveActions(options: ServeActionsOptions): ActionServer {
  const { bus, handlers } = options;
  const sessionId = options.sessionId ?? '*';
  const runsOn = options.runsOn ?? 'controller';
  const clock = options.clock ?? systemClock;
  const runs = new Map<string, Run>();
  const keyOf = (session: string, actionId: string) => `${session}/${actionId}`;
  const subjectOf = (event: 'request' | 'cancel') =>
    sessionId === '*' ? bus.subjects.allSessions('action', event) : bus.subjects.forEvent(sessionId, `action.${event}`);
  let closed = false;

  /** Publishes the end of a run once; later ends (a result after a cancel) are dropped. */
  const end = (
    run: Run,
    outcome:
      | { type: 'action.result'; result: unknown }
      | { type: 'action.failed'; error: string }
      | { type: 'action.cancelled' },
  ) => {
    if (run.ended) return;
    run.ended = true;
    clock.clearTimeout(run.timer);
    runs.delete(keyOf(run.sessionId, run.actionId));
    bus.publish({ ...outcome, sessionId: run.sessionId, turnId: run.turnId, actionId: run.actionId });
  };

  const finish = (run: Run, value: unknown) => {
    let result: unknown;
    try {
      result = jsonSafe(value);
    } catch (error) {
      end(run, { type: 'action.failed', error: `${run.name}: the result is not JSON (${errorText(error)})` });
      return;
    }
    end(run, { type: 'action.result', result });
  };

  const start = (request: Extract<BusMessage, { type: 'action.request' }>, handler: ActionHandler) => {
    const controller = new AbortController();
    const run: Run = {
      sessionId: request.sessionId,
      actionId: request.actionId,
      name: request.name,
      turnId: request.turnId,
      startedMs: clock.now(),
      controller,
      timer: undefined,
      ended: false,
    };
    runs.set(keyOf(run.sessionId, run.actionId), run);
    bus.publish({ type: 'action.accepted', sessionId: run.sessionId, turnId: run.turnId, actionId: run.actionId });
    run.timer = clock.setTimeout(() => {
      if (run.ended) return;
      controller.abort(new Error('timeout'));
      end(run, { type: 'action.failed', error: `${run.name} did not finish within ${request.timeoutMs} ms` });
    }, request.timeoutMs + TIMEOUT_GRACE_MS);
    const context: ActionContext = {
      signal: controller.signal,
      actionId: run.actionId,
      sessionId: run.sessionId,
      feedback(feedback) {
        if (run.ended) return;
        let safe: unknown;
        try {
          safe = jsonSafe(feedback);
        } catch {
          return; // Feedback is informative: one that cannot be sent is skipped, the action goes on.
        }
        if (!safe || typeof safe !== 'object' || Array.isArray(safe)) safe = { value: safe };
        bus.publish({
          type: 'action.feedback',
          sessionId: run.sessionId,
          turnId: run.turnId,
          actionId: run.actionId,
          feedback: safe as Record<string, unknown>,
        });
      },
    };
    let outcome: unknown;
    try {
      outcome = handler(request.arguments, context);
    } catch (error) {
      end(run, { type: 'action.failed', error: errorText(error) });
      return;
    }
    Promise.resolve(outcome).then(
      (value) => finish(run, value),
      (error: unknown) => end(run, { type: 'action.failed', error: errorText(error) }),
    );
  };

  const onRequest = (message: BusMessage) => {
    if (closed || message.type !== 'action.request' || message.runsOn !== runsOn) return;
    const handler = Object.hasOwn(handlers, message.name) ? handlers[message.name] : undefined;
    // Another executor may serve this name; the same request twice (a redelivery) runs once.
    if (!handler || runs.has(keyOf(message.sessionId, message.actionId))) return;
    start(message, handler);
  };

  const onCancel = (message: BusMessage) => {
    if (message.type !== 'action.cancel') return;
    const run = runs.get(keyOf(message.sessionId, message.actionId));
    if (!run) return; // Not ours, or already ended: the session has its outcome.
    // Abort listeners run synchronously here, so a handler may still report where it stopped.
    run.controller.abort(new Error(`cancelled: ${message.reason}`));
    end(run, { type: 'action.cancelled' });
  };

  const subscriptions: Subscription[] = [
    bus.subscribe(subjectOf('request'), onRequest),
    bus.subscribe(subjectOf('cancel'), onCancel),
  ];

  return {
    running: () =>
      [...runs.values()].map(({ sessionId: s, actionId, name, turnId, startedMs }) => ({
        sessionId: s,
        actionId,
        name,
        turnId,
        startedMs,
      })),
    async close() {
      if (closed) return;
      closed = true;
      for (const s of subscriptions) s.unsubscribe();
      for (const run of [...runs.values()]) {
        run.controller.abort(new Error('the executor stopped'));
        end(run, { type: 'action.failed', error: `${run.name}: the executor stopped` });
      }
      await bus.flush();
    },
  };
}
