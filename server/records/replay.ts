/**
 * Deterministic replay: re-creates the session chart (`sessionMachine`, with its inert default children —
 * what the real stage actors did to the chart is exactly the recorded bus messages) with the recorded
 * config on a {@link ReplayClock}, feeds it the recorded events in order, and compares, after every
 * event, the state, the actor's status and the notices and history entries it emitted with the recording.
 *
 * External events are sent as recorded, at their recorded time. Delayed events are never left to the
 * clock: when the log says `xstate.after.<delay>.<state>` happened, the chart must have that timer
 * pending, due no later than the recorded time (plus `toleranceMs`), and replay fires it then.
 *
 * A recording from another chart (or config) is reported as a divergence with the event where the two
 * part ways, never as a crash.
 *
 * @example
 * ```ts
 * const result = replayRecording({
 *   recording: store.recording('s1'),
 *   events: store.events(id),
 *   emitted: store.emitted(id),
 * });
 * console.log(formatReplay(result)); // 'replay: 212 events, 97 transitions, identical'
 * ```
 */
import { createActor, type Actor, type InspectionEvent } from 'xstate';
import { SessionConfigSchema } from '../../machines/config.js';
import { describeNotice } from '../../machines/notices.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { describeEvent, stateValueToString } from '../../runtime/state-value.js';
import { chartVersion } from './chart-version.js';
import type { RecordedEmitted, RecordedEvent, Recording } from './read.js';
import { ReplayClock } from './replay-clock.js';
import type { Emitted } from './schema.js';

export interface ReplayInput {
  recording: Pick<Recording, 'sessionId' | 'config' | 'chartVersion'>;
  events: readonly RecordedEvent[];
  emitted: readonly RecordedEmitted[];
}

export interface ReplayOptions {
  /**
   * How much earlier than `scheduled + delay` a recorded delayed event may have fired. Why 25 ms by
   * default: Node measures a timer from the event loop's time at the start of the current iteration,
   * so under load a timer fires up to one iteration early by `performance.now`; recordings made on a
   * simulated clock are exact and replay with 0.
   */
  toleranceMs?: number;
  /**
   * Hears each event as replayed, before it is compared with the recording: the transitions the chart took
   * for it (XState's, from `@xstate.microstep`) and its snapshot after it. The inspector shows a recording
   * with these, the chart's own account, rather than guessing transitions from the recorded states.
   */
  onEvent?(
    index: number,
    transitions: readonly unknown[],
    snapshot: ReturnType<typeof sessionMachine.transition>,
  ): void;
}

export interface ReplayDivergence {
  /** Index (seq) of the first event whose outcome differs. */
  index: number;
  event: string;
  atMs: number;
  expected: string;
  actual: string;
  reason: string;
}

export interface ReplayResult {
  events: number;
  /** Transitions the chart took during the replay. */
  transitions: number;
  identical: boolean;
  divergence?: ReplayDivergence;
  recordedChart: string;
  currentChart: string;
}

const DEFAULT_TOLERANCE_MS = 25;

const describeEmitted = (e: Emitted): string =>
  e.kind === 'notice'
    ? `notice ${e.code} ${e.turnId} "${e.detail}"`
    : e.kind === 'publish'
      ? `publish ${e.message.type} ${JSON.stringify(e.message)}`
      : `history ${e.role} ${e.turnId} "${e.text}"${e.interrupted ? ' interrupted' : ''}${e.pending ? ' pending' : ''}`;
const describeAll = (list: readonly Emitted[]) =>
  list.length === 0 ? '(nothing)' : list.map(describeEmitted).join('; ');
const plain = ({ seq: _s, eventSeq: _e, atMs: _a, ...rest }: RecordedEmitted): Emitted => rest as Emitted;
/** Field order differs between a stored row and a live entry; compare with sorted keys. */
const canonical = (list: readonly Emitted[]) =>
  JSON.stringify(list.map((e) => Object.fromEntries(Object.entries(e).sort(([a], [b]) => a.localeCompare(b)))));

/** A recorded event as the chart receives it again; a child actor's error gets its `Error` back. */
function reviveEvent(event: RecordedEvent['event']): RecordedEvent['event'] {
  if (event.type.startsWith('xstate.error.actor') && typeof event.error === 'object' && event.error !== null) {
    const error = event.error as { message?: unknown };
    return { ...event, error: new Error(String(error.message ?? 'error')) };
  }
  return event;
}

type SessionActor = Actor<typeof sessionMachine>;

/** How an event's replay differs from its recording. */
interface Mismatch {
  expected: string;
  actual: string;
  reason: string;
}
const mismatch = (expected: string, actual: string, reason: string): Mismatch => ({ expected, actual, reason });

/**
 * What the replayed chart does, heard by inspection: the transitions of the whole replay, and for the
 * event being replayed the root's snapshots (one when it processed the event), its transitions and what
 * it emitted. The per-event lists are new arrays for each event: `onEvent` may keep them.
 */
interface Observed {
  transitions: number;
  processed: number;
  taken: unknown[];
  emitted: Emitted[];
}

function observe(actor: SessionActor): Observed {
  const observed: Observed = { transitions: 0, processed: 0, taken: [], emitted: [] };
  actor.system.inspect((e: InspectionEvent) => {
    if (e.actorRef !== actor) return;
    if (e.type === '@xstate.microstep') {
      observed.transitions += e._transitions.length;
      observed.taken.push(...e._transitions);
    }
    if (e.type === '@xstate.snapshot') observed.processed++;
  });
  actor.on('notice', (e) => {
    const { turnId, notice } = e;
    observed.emitted.push({ kind: 'notice', turnId, code: notice.code, detail: describeNotice(notice) });
  });
  actor.on('history', (e) => observed.emitted.push({ kind: 'history', ...e.entry }));
  actor.on('publish', (e) => observed.emitted.push({ kind: 'publish', message: e.message }));
  // Swallow the actor's error notification: an error status is compared like any other outcome.
  actor.subscribe({ error: () => undefined });
  return observed;
}

/** The recorded notices and history entries, by the event that caused them. */
function emittedByEvent(emitted: readonly RecordedEmitted[]): Map<number, Emitted[]> {
  const byEvent = new Map<number, Emitted[]>();
  for (const e of emitted) {
    const list = byEvent.get(e.eventSeq) ?? [];
    list.push(plain(e));
    byEvent.set(e.eventSeq, list);
  }
  return byEvent;
}

/** The recorded config does not fit this chart. */
function configMismatch(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): Mismatch {
  const described = issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  const reason = `the recorded config does not fit this chart's SessionConfig (${described})`;
  return mismatch('the recorded session config', 'a config this chart cannot take', reason);
}

/** Hands the chart the recorded event: the start, a timer of its own that must be pending, or an event from outside. */
function deliver(recorded: RecordedEvent, index: number, replaying: Replaying): Mismatch | undefined {
  const { actor, clock, toleranceMs } = replaying;
  if (index === 0) {
    const reason = 'a recording starts with the chart starting';
    if (recorded.type !== 'xstate.init') return mismatch('xstate.init first', recorded.type, reason);
    actor.start();
  } else if (recorded.type === 'xstate.init') {
    return mismatch('one start per recording', 'xstate.init again', 'the recording starts the chart twice');
  } else if (recorded.type.startsWith('xstate.after.')) {
    const timer = clock.pending(recorded.type);
    const state = stateValueToString(actor.getSnapshot().value);
    if (!timer) return mismatch(recorded.state, state, `the chart has no pending ${recorded.type} timer in ${state}`);
    if (timer.dueMs > recorded.atMs + toleranceMs) {
      return mismatch(
        `${recorded.type} at ${recorded.atMs.toFixed(1)} ms`,
        `its timer due at ${timer.dueMs.toFixed(1)} ms`,
        "the recorded delayed event fired before the chart's delay ran out (recorded with another config or chart?)",
      );
    }
    clock.advanceTo(recorded.atMs);
    clock.fire(timer);
  } else {
    clock.advanceTo(recorded.atMs);
    actor.send(reviveEvent(recorded.event) as never);
  }
  return undefined;
}

/** The chart's outcome of the event against the recording's: processed, the state and status, what it emitted. */
function compareOutcome(
  recorded: RecordedEvent,
  snapshot: ReturnType<SessionActor['getSnapshot']>,
  observed: Observed,
  expected: Emitted[],
): Mismatch | undefined {
  const state = stateValueToString(snapshot.value);
  if (observed.processed !== 1) {
    const reason = 'the chart did not process the event (it had stopped)';
    return mismatch(`${recorded.state} (${recorded.status})`, `${state} (${snapshot.status})`, reason);
  }
  if (state !== recorded.state || snapshot.status !== recorded.status) {
    const status = (s: string) => (s === 'active' ? '' : ` (${s})`);
    const reason = 'the state after the event differs';
    return mismatch(`${recorded.state}${status(recorded.status)}`, `${state}${status(snapshot.status)}`, reason);
  }
  if (canonical(expected) !== canonical(observed.emitted)) {
    const reason = 'the notices and history entries the event caused differ';
    return mismatch(describeAll(expected), describeAll(observed.emitted), reason);
  }
  return undefined;
}

/** What replaying one event needs: the chart, its clock, what it does, and what the recording says it should. */
interface Replaying {
  readonly actor: SessionActor;
  readonly clock: ReplayClock;
  readonly observed: Observed;
  readonly expectedEmitted: ReadonlyMap<number, Emitted[]>;
  readonly toleranceMs: number;
  readonly onEvent: ReplayOptions['onEvent'];
}

function replayEvent(recorded: RecordedEvent, index: number, replaying: Replaying): Mismatch | undefined {
  const { actor, observed } = replaying;
  observed.emitted = [];
  observed.processed = 0;
  observed.taken = [];
  if (recorded.seq !== index) {
    const reason = `event ${index} is missing from the recording (the log jumps to ${recorded.seq})`;
    return mismatch(`event ${index}`, `event ${recorded.seq}`, reason);
  }
  const undelivered = deliver(recorded, index, replaying);
  if (undelivered) return undelivered;
  const snapshot = actor.getSnapshot();
  replaying.onEvent?.(index, observed.taken, snapshot);
  return compareOutcome(recorded, snapshot, observed, replaying.expectedEmitted.get(index) ?? []);
}

export function replayRecording(input: ReplayInput, options: ReplayOptions = {}): ReplayResult {
  const toleranceMs = options.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  const { events } = input;
  const base = { events: events.length, recordedChart: input.recording.chartVersion, currentChart: chartVersion() };
  const diverged = (index: number, { expected, actual, reason }: Mismatch, transitions = 0): ReplayResult => {
    const recorded = events[index];
    const turnId = recorded?.turnId ?? undefined;
    const event = recorded ? describeEvent({ type: recorded.type, turnId }) : '(end of recording)';
    const divergence = { index, event, atMs: recorded?.atMs ?? 0, expected, actual, reason };
    return { ...base, transitions, identical: false, divergence };
  };
  if (events.length === 0) return { ...base, transitions: 0, identical: true };

  const config = SessionConfigSchema.safeParse(input.recording.config);
  if (!config.success) return diverged(0, configMismatch(config.error.issues));

  const clock = new ReplayClock();
  const sessionInput = { sessionId: input.recording.sessionId, config: config.data };
  const actor = createActor(sessionMachine, { input: sessionInput, clock });
  clock.bind(actor.system);
  const observed = observe(actor);
  const expectedEmitted = emittedByEvent(input.emitted);
  const replaying: Replaying = { actor, clock, observed, expectedEmitted, toleranceMs, onEvent: options.onEvent };
  let index = 0;
  try {
    for (; index < events.length; index++) {
      const found = replayEvent(events[index]!, index, replaying);
      if (found) return diverged(index, found, observed.transitions);
    }
  } catch (error) {
    // A recording that makes the chart throw is a divergence too.
    const actual = `an exception: ${(error as Error).message}`;
    return diverged(index, mismatch('the chart to process the event', actual, 'the chart threw'), observed.transitions);
  } finally {
    actor.stop();
  }
  return { ...base, transitions: observed.transitions, identical: true };
}

/** The CLI's report: one line when identical, the first divergence otherwise. */
export function formatReplay(result: ReplayResult): string {
  const lines: string[] = [];
  if (result.recordedChart !== result.currentChart)
    lines.push(`recorded with chart ${result.recordedChart}; replayed on chart ${result.currentChart}`);
  if (result.identical) {
    lines.push(`replay: ${result.events} events, ${result.transitions} transitions, identical`);
    return lines.join('\n');
  }
  const d = result.divergence!;
  lines.push(
    `replay: divergence at event ${d.index} of ${result.events} (${d.event} at ${d.atMs.toFixed(1)} ms): ${d.reason}`,
    `  expected: ${d.expected}`,
    `  actual:   ${d.actual}`,
  );
  return lines.join('\n');
}
