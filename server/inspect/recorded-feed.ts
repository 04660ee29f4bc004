/**
 * A recorded session as the same `@statelyai/inspect` messages a live one streams, so the inspector (and
 * Stately's tools) show it with the same code: `@xstate.actor` for the chart, then one `@xstate.snapshot`
 * per recorded event — the event as the chart received it, `createdAt` its recorded time, the state after
 * it, and a context holding the history as it stood after that event (rebuilt from the recorded history
 * entries). The page steps through them event by event.
 *
 * The recording stores the state and not the transitions, so each snapshot's `transitions` are inferred
 * from the chart graph: the edges for that event type from a state active before to one active after.
 *
 * @example
 * ```ts
 * const messages = recordedMessages({ recording, events: reader.events(recording.id), emitted: reader.emitted(recording.id) });
 * for (const m of messages) ws.send(serializeMessage(m));
 * ```
 */
import type { StateValue } from 'xstate';
import type { HistoryEntry } from '../../machines/events.js';
import { sessionMachine } from '../../machines/session.machine.js';
import type { RecordedEmitted, RecordedEvent, RecordingSummary } from '../records/read.js';
import { chartGraph } from './chart-graph.js';
import { definitionOf, STATELY_PROTOCOL_VERSION, type StatelyMessage, type StatelySnapshotMessage, type TakenTransition } from './stately-events.js';

export interface RecordedFeedInput {
  recording: Pick<RecordingSummary, 'id' | 'sessionId' | 'startedWallMs'>;
  events: readonly RecordedEvent[];
  emitted: readonly RecordedEmitted[];
}

/**
 * The inverse of `stateValueToString` for this chart: `speaking.reply.playing+user.silent` →
 * `{ speaking: { reply: 'playing', user: 'silent' } }` (regions of a parallel state joined by `+`).
 */
export function parseStateValue(text: string): StateValue {
  const dot = text.indexOf('.');
  if (dot < 0) return text;
  const key = text.slice(0, dot);
  const rest = text.slice(dot + 1);
  if (!rest.includes('+')) return { [key]: parseStateValue(rest) };
  const regions: Record<string, StateValue> = {};
  for (const region of rest.split('+')) Object.assign(regions, parseStateValue(region) as Record<string, StateValue>);
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

function inferTransitions(eventType: string, before: Set<string>, after: Set<string>): TakenTransition[] {
  const out: TakenTransition[] = [];
  for (const edge of chartGraph().edges) {
    if (edge.eventType !== eventType || !before.has(edge.source) || !after.has(edge.target)) continue;
    const key = edge.id.slice(0, edge.id.lastIndexOf('>'));
    if (!out.some((t) => t.key === key)) out.push({ key, source: edge.source, targets: [edge.target], eventType });
  }
  return out;
}

export function recordedMessages(input: RecordedFeedInput): StatelyMessage[] {
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
  const byEvent = new Map<number, RecordedEmitted[]>();
  for (const e of input.emitted) byEvent.set(e.eventSeq, [...(byEvent.get(e.eventSeq) ?? []), e]);
  let history: HistoryEntry[] = [];
  let before = new Set<string>();
  for (const event of input.events) {
    for (const e of byEvent.get(event.seq) ?? []) {
      if (e.kind !== 'history') continue;
      const entry: HistoryEntry = { role: e.role, turnId: e.turnId, text: e.text, interrupted: e.interrupted, pending: e.pending };
      // A pending entry is resolved in place by the same turn's next entry.
      const at = history.findIndex((h) => h.turnId === entry.turnId && h.role === entry.role);
      history = at >= 0 ? history.map((h, i) => (i === at ? entry : h)) : [...history, entry];
    }
    const value = parseStateValue(event.state);
    const after = activeIds(value);
    const message: StatelySnapshotMessage = {
      type: '@xstate.snapshot',
      ...base(event.atMs),
      event: event.event,
      snapshot: { status: event.status, value, context: { sessionId: rootId, history } },
      transitions: inferTransitions(event.type, before, after),
    };
    messages.push(message);
    before = after;
  }
  return messages;
}
