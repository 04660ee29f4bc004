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
 * const result = replayRecording({ recording: store.recording('s1'), events: store.events(id), emitted: store.emitted(id) });
 * console.log(formatReplay(result)); // 'replay: 212 events, 97 transitions, identical'
 * ```
 */
import { createActor, type InspectionEvent } from 'xstate';
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
  onEvent?(index: number, transitions: readonly unknown[], snapshot: ReturnType<typeof sessionMachine.transition>): void;
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
const describeAll = (list: readonly Emitted[]) => (list.length === 0 ? '(nothing)' : list.map(describeEmitted).join('; '));
const plain = ({ seq: _s, eventSeq: _e, atMs: _a, ...rest }: RecordedEmitted): Emitted => rest as Emitted;
/** Field order differs between a stored row and a live entry; compare with sorted keys. */
const canonical = (list: readonly Emitted[]) => JSON.stringify(list.map((e) => Object.fromEntries(Object.entries(e).sort(([a], [b]) => a.localeCompare(b)))));

/** A recorded event as the chart receives it again; a child actor's error gets its `Error` back. */
function reviveEvent(event: RecordedEvent['event']): RecordedEvent['event'] {
  if (event.type.startsWith('xstate.error.actor') && typeof event.error === 'object' && event.error !== null) {
    const error = event.error as { message?: unknown };
    return { ...event, error: new Error(String(error.message ?? 'error')) };
  }
  return event;
}

export function replayRecording(input: ReplayInput, options: ReplayOptions = {}): ReplayResult {
  const toleranceMs = options.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  const { events } = input;
  const base = { events: events.length, recordedChart: input.recording.chartVersion, currentChart: chartVersion() };
  let transitions = 0;
  const diverged = (index: number, expected: string, actual: string, reason: string): ReplayResult => {
    const recorded = events[index];
    const event = recorded ? describeEvent({ type: recorded.type, turnId: recorded.turnId ?? undefined }) : '(end of recording)';
    return { ...base, transitions, identical: false, divergence: { index, event, atMs: recorded?.atMs ?? 0, expected, actual, reason } };
  };
  if (events.length === 0) return { ...base, transitions, identical: true };

  const config = SessionConfigSchema.safeParse(input.recording.config);
  if (!config.success) {
    const issues = config.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return diverged(
      0,
      'the recorded session config',
      'a config this chart cannot take',
      `the recorded config does not fit this chart's SessionConfig (${issues})`,
    );
  }

  const clock = new ReplayClock();
  const actor = createActor(sessionMachine, { input: { sessionId: input.recording.sessionId, config: config.data }, clock });
  clock.bind(actor.system);
  let processed = 0;
  let actual: Emitted[] = [];
  let taken: unknown[] = [];
  actor.system.inspect((e: InspectionEvent) => {
    if (e.actorRef !== actor) return;
    if (e.type === '@xstate.microstep') {
      transitions += e._transitions.length;
      taken.push(...e._transitions);
    }
    if (e.type === '@xstate.snapshot') processed++;
  });
  actor.on('notice', (e) => actual.push({ kind: 'notice', turnId: e.turnId, code: e.notice.code, detail: describeNotice(e.notice) }));
  actor.on('history', (e) => actual.push({ kind: 'history', ...e.entry }));
  actor.on('publish', (e) => actual.push({ kind: 'publish', message: e.message }));
  // Swallow the actor's error notification: an error status is compared like any other outcome.
  actor.subscribe({ error: () => undefined });

  const expectedEmitted = new Map<number, Emitted[]>();
  for (const e of input.emitted) {
    const list = expectedEmitted.get(e.eventSeq) ?? [];
    list.push(plain(e));
    expectedEmitted.set(e.eventSeq, list);
  }

  let index = 0;
  try {
    for (; index < events.length; index++) {
      const recorded = events[index]!;
      actual = [];
      processed = 0;
      taken = [];
      if (recorded.seq !== index) {
        return diverged(index, `event ${index}`, `event ${recorded.seq}`, `event ${index} is missing from the recording (the log jumps to ${recorded.seq})`);
      }
      if (index === 0) {
        if (recorded.type !== 'xstate.init') return diverged(0, 'xstate.init first', recorded.type, 'a recording starts with the chart starting');
        actor.start();
      } else if (recorded.type === 'xstate.init') {
        return diverged(index, 'one start per recording', 'xstate.init again', 'the recording starts the chart twice');
      } else if (recorded.type.startsWith('xstate.after.')) {
        const timer = clock.pending(recorded.type);
        const state = stateValueToString(actor.getSnapshot().value);
        if (!timer) return diverged(index, recorded.state, state, `the chart has no pending ${recorded.type} timer in ${state}`);
        if (timer.dueMs > recorded.atMs + toleranceMs) {
          return diverged(
            index,
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
      const snapshot = actor.getSnapshot();
      const state = stateValueToString(snapshot.value);
      options.onEvent?.(index, taken, snapshot);
      if (processed !== 1) {
        return diverged(
          index,
          `${recorded.state} (${recorded.status})`,
          `${state} (${snapshot.status})`,
          'the chart did not process the event (it had stopped)',
        );
      }
      if (state !== recorded.state || snapshot.status !== recorded.status) {
        const status = (s: string) => (s === 'active' ? '' : ` (${s})`);
        return diverged(index, `${recorded.state}${status(recorded.status)}`, `${state}${status(snapshot.status)}`, 'the state after the event differs');
      }
      const expected = expectedEmitted.get(index) ?? [];
      if (canonical(expected) !== canonical(actual)) {
        return diverged(index, describeAll(expected), describeAll(actual), 'the notices and history entries the event caused differ');
      }
    }
  } catch (error) {
    // A recording that makes the chart throw is a divergence too.
    return diverged(index, 'the chart to process the event', `an exception: ${(error as Error).message}`, 'the chart threw');
  } finally {
    actor.stop();
  }
  return { ...base, transitions, identical: true };
}

/** The CLI's report: one line when identical, the first divergence otherwise. */
export function formatReplay(result: ReplayResult): string {
  const lines: string[] = [];
  if (result.recordedChart !== result.currentChart) lines.push(`recorded with chart ${result.recordedChart}; replayed on chart ${result.currentChart}`);
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
