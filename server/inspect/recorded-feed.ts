/**
 * A recorded session as the same `@statelyai/inspect` messages a live one streams, so the inspector (and
 * Stately's tools) show it with the same code: `@xstate.actor` for the chart, then one `@xstate.snapshot`
 * per recorded event — the event as the chart received it, `createdAt` its recorded time, the state after
 * it, and a context holding the history as it stood after that event.
 *
 * The recording stores states, not transitions, so it is replayed on today's chart (`replay.ts`, on a
 * simulated clock, in a few ms): each snapshot then carries the transitions the chart itself took, one per
 * transition (a guarded `stt.final` is one row, not one per guard), the root's too (`control.end →
 * ended`), and the history with the cut replies still waiting for what was heard. Where the replay parts
 * from the recording (a recording of an older chart), the rest is inferred as before: the transitions for
 * that event type from a state active before to one active after (the first such, as XState picks the first
 * enabled guard), and the history rebuilt from the recorded entries.
 *
 * @example
 * ```ts
 * const messages = recordedMessages({
 *   recording,
 *   events: reader.events(recording.id),
 *   emitted: reader.emitted(recording.id),
 * });
 * for (const m of messages) ws.send(serializeMessage(m));
 * ```
 */
import type { AnyStateNode, StateValue } from 'xstate';
import type { HistoryEntry } from '../../machines/events.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { sessionStatePaths } from '../../machines/states.js';
import type { RecordedEmitted, RecordedEvent, Recording, RecordingSummary } from '../records/read.js';
import { replayRecording } from '../records/replay.js';
import { chartGraph, transitionKey } from './chart-graph.js';
import { busMessage, feedMessageOf, type BusFeedMessage } from './feed-extensions.js';
import {
  definitionOf,
  STATELY_PROTOCOL_VERSION,
  type StatelyMessage,
  type StatelySnapshotMessage,
  type TakenTransition,
} from './stately-events.js';

export interface RecordedFeedInput {
  recording: Pick<RecordingSummary, 'id' | 'sessionId' | 'startedWallMs'> &
    Partial<Pick<Recording, 'config' | 'chartVersion'>>;
  events: readonly RecordedEvent[];
  emitted: readonly RecordedEmitted[];
}

/**
 * The inverse of `stateValueToString` for this chart: `speaking.reply.playing+user.silent+actions.running`
 * → `{ dialog: { speaking: { reply: 'playing', user: 'silent' } }, actions: 'running', activation: 'ungated' }`.
 * A recording of the chart before its actions or activation region reads the same way: its states are
 * the dialog's now, and it had no gate.
 */
export function parseStateValue(text: string): StateValue {
  const { dialog, actions, activation } = sessionStatePaths(text);
  return { dialog: parseRegions(dialog), actions: parseRegions(actions), activation: parseRegions(activation) };
}

/**
 * `speaking.reply.playing+user.silent` → `{ speaking: { reply: 'playing', user: 'silent' } }` (regions joined by `+`).
 */
function parseRegions(text: string): StateValue {
  const dot = text.indexOf('.');
  if (dot < 0) return text;
  const key = text.slice(0, dot);
  const rest = text.slice(dot + 1);
  if (!rest.includes('+')) return { [key]: parseRegions(rest) };
  const regions: Record<string, StateValue> = {};
  for (const region of rest.split('+')) Object.assign(regions, parseRegions(region) as Record<string, StateValue>);
  return { [key]: regions };
}

/** Every state node id active in `value` (`session.speaking`, `session.speaking.reply`, …). */
export function activeIds(value: StateValue, prefix = sessionMachine.root.id): Set<string> {
  const out = new Set<string>();
  const walk = (v: StateValue, path: string) => {
    if (typeof v === 'string') return void out.add(`${path}.${v}`);
    for (const [k, child] of Object.entries(v)) {
      out.add(`${path}.${k}`);
      if (child !== undefined) walk(child as StateValue, `${path}.${k}`);
    }
  };
  walk(value, prefix);
  return out;
}

/** The transitions for `eventType` from a state active before to one active after: the first per source and target. */
export function inferTransitions(eventType: string, before: Set<string>, after: Set<string>): TakenTransition[] {
  const graph = chartGraph();
  const out: TakenTransition[] = [];
  const candidates = [
    ...graph.edges,
    ...graph.everywhere
      .filter((t) => t.target)
      .map((t) => ({ id: t.id, source: t.scope, target: t.target!, eventType: t.id.split('|')[1]! })),
  ];
  for (const edge of candidates) {
    if (
      edge.eventType !== eventType ||
      !(before.has(edge.source) || edge.source === graph.root) ||
      !after.has(edge.target)
    )
      continue;
    if (out.some((t) => t.source === edge.source && t.targets.includes(edge.target))) continue;
    out.push({
      key: edge.id.slice(0, edge.id.lastIndexOf('>')),
      source: edge.source,
      targets: [edge.target],
      eventType,
    });
  }
  return out;
}

interface Replayed {
  transitions: TakenTransition[];
  history: HistoryEntry[];
}

/** The chart's own account of each event, up to where the replay parts from the recording. */
function replayed(input: RecordedFeedInput): Replayed[] {
  const { recording } = input;
  if (recording.config === undefined || recording.chartVersion === undefined) return [];
  const steps: Replayed[] = [];
  const result = replayRecording(
    {
      recording: { sessionId: recording.sessionId, config: recording.config, chartVersion: recording.chartVersion },
      events: input.events,
      emitted: input.emitted,
    },
    {
      onEvent(index, taken, snapshot) {
        const transitions = (
          taken as Array<{ source: AnyStateNode; eventType: string; target?: readonly AnyStateNode[] }>
        ).map((t) => ({
          key: transitionKey(t),
          source: t.source.id,
          targets: (t.target ?? []).map((n) => n.id),
          eventType: t.eventType,
        }));
        steps[index] = { transitions, history: (snapshot.context as { history: HistoryEntry[] }).history };
      },
    },
  );
  return result.identical ? steps : steps.slice(0, result.divergence?.index ?? 0);
}

export function recordedMessages(input: RecordedFeedInput): StatelyMessage[] {
  return recordedFeed(input).messages;
}

/** The messages, and whether every transition in them is the chart's own (the replay matched throughout). */
export function recordedFeed(input: RecordedFeedInput): { messages: StatelyMessage[]; exact: boolean } {
  const { recording } = input;
  const rootId = recording.sessionId;
  let seq = 0;
  const base = (atMs: number) => ({
    rootId,
    sessionId: rootId,
    createdAt: String(Math.round(recording.startedWallMs + atMs)),
    id: `${recording.id}:${seq++}`,
    _version: STATELY_PROTOCOL_VERSION,
  });
  const messages: StatelyMessage[] = [
    {
      type: '@xstate.actor',
      ...base(0),
      name: sessionMachine.root.id,
      definition: definitionOf({ logic: sessionMachine } as never, sessionMachine.root.id),
      parentId: undefined,
      snapshot: { status: 'active' },
    },
  ];
  const exact = replayed(input);
  const byEvent = new Map<number, RecordedEmitted[]>();
  for (const e of input.emitted) byEvent.set(e.eventSeq, [...(byEvent.get(e.eventSeq) ?? []), e]);
  let history: HistoryEntry[] = [];
  let before = new Set<string>();
  for (const [index, event] of input.events.entries()) {
    history = rebuiltHistory(history, byEvent.get(event.seq) ?? []);
    const value = parseStateValue(event.state);
    const after = activeIds(value);
    const own = exact[index];
    const message: StatelySnapshotMessage = {
      type: '@xstate.snapshot',
      ...base(event.atMs),
      event: event.event,
      snapshot: { status: event.status, value, context: { sessionId: rootId, history: own?.history ?? history } },
      transitions: own?.transitions ?? inferTransitions(event.type, before, after),
    };
    messages.push(message);
    before = after;
  }
  return { messages, exact: exact.length === input.events.length };
}

/**
 * What the recording kept of the bus messages the page shows beside the chart (`@voice-agent.bus`): the
 * chart's own requests and cancels, and its notices — by the index of the event that caused them. (The
 * executor's answers are the chart's events, already steps; its feedback is not recorded.)
 */
export function recordedBusMessages(input: RecordedFeedInput): Map<number, BusFeedMessage[]> {
  const { recording } = input;
  const indexOf = new Map(input.events.map((e, i) => [e.seq, i]));
  const out = new Map<number, BusFeedMessage[]>();
  for (const e of input.emitted) {
    const index = indexOf.get(e.eventSeq);
    if (index === undefined) continue;
    const message =
      e.kind === 'publish'
        ? feedMessageOf(e.message)
        : e.kind === 'notice'
          ? {
              type: 'session.notice' as const,
              sessionId: recording.sessionId,
              turnId: e.turnId,
              code: e.code,
              detail: e.detail,
              atMs: e.atMs,
            }
          : undefined;
    if (!message) continue;
    out.set(index, [
      ...(out.get(index) ?? []),
      busMessage(recording.sessionId, message, recording.startedWallMs + e.atMs),
    ]);
  }
  return out;
}

/**
 * The history after an event, from the recorded entries it caused: an entry replaces the same turn's pending
 * one, and a cancelled reply (its `reply_cancelled` notice) holds a pending place until what was heard is known.
 */
function rebuiltHistory(history: HistoryEntry[], emitted: readonly RecordedEmitted[]): HistoryEntry[] {
  let out = history;
  for (const e of emitted) {
    const entry: HistoryEntry | undefined =
      e.kind === 'history'
        ? {
            role: e.role,
            turnId: e.turnId,
            text: e.text,
            interrupted: e.interrupted,
            pending: e.pending,
            ...(e.action ? { action: e.action } : {}),
          }
        : e.kind === 'notice' &&
            e.code === 'reply_cancelled' &&
            !out.some((h) => h.turnId === e.turnId && h.role === 'assistant')
          ? { role: 'assistant', turnId: e.turnId, text: '', interrupted: true, pending: true }
          : undefined;
    if (!entry) continue;
    const at = out.findIndex((h) => h.turnId === entry.turnId && h.role === entry.role);
    out = at >= 0 ? out.map((h, i) => (i === at ? entry : h)) : [...out, entry];
  }
  return out;
}
