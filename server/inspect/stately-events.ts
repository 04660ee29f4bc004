/**
 * XState inspection events as `@statelyai/inspect` messages (`StatelyInspectionEvent`, protocol 0.7):
 * `@xstate.actor` (an actor registered, with its machine definition), `@xstate.event` (an event sent to
 * an actor) and `@xstate.snapshot` (an actor's snapshot after an event), each with `rootId`,
 * `sessionId`, `createdAt` (Unix ms as a string), `id` and `_version`. Stately's own tools
 * (`createWebSocketReceiver`, the inspector's WebSocket bridge) read these unchanged.
 *
 * Actor ids: XState numbers actors per system (`x:0`, `x:1`, …) and every voice session is its own
 * system, so ids are qualified: the chart's root is the voice session id (`s-1a2b3c4d`), a child is
 * `<session id>/<xstate id>` (`s-1a2b3c4d/x:3`, named `llm`).
 *
 * One extension, ignored by Stately's tools: the root's `@xstate.snapshot` carries `transitions`, the
 * transitions the chart took for that event (from XState's `@xstate.microstep`), each keyed like the
 * chart graph's edges (`chart-graph.ts`), so the inspector page can mark them.
 *
 * @example
 * ```ts
 * const convert = createStatelyConverter('s1');
 * actor.system.inspect((event) => {
 *   const message = convert(event);
 *   if (message) ws.send(serializeMessage(message));
 * });
 * ```
 */
import type { ActorRefLike, AnyStateNode, InspectionEvent } from 'xstate';
import { transitionKey } from './chart-graph.js';

/** The `@statelyai/inspect` version whose message format this follows. */
export const STATELY_PROTOCOL_VERSION = '0.7.0';

interface StatelyBase {
  rootId: string | undefined;
  sessionId: string;
  /** Unix ms, as a string (as `@statelyai/inspect` sends it). */
  createdAt: string;
  id: string;
  _version: string;
}

export interface EventObject {
  type: string;
  [key: string]: unknown;
}

export interface StatelyActorMessage extends StatelyBase {
  type: '@xstate.actor';
  name: string;
  snapshot: { status: string; [key: string]: unknown };
  /** The machine config, JSON (functions as `{ type: name }`); `{"id": name}` for other actors. */
  definition: string | undefined;
  parentId: string | undefined;
}

export interface StatelyEventMessage extends StatelyBase {
  type: '@xstate.event';
  event: EventObject;
  sourceId: string | undefined;
}

export interface TakenTransition {
  /** The chart graph's edge key without its target: `<source id>|<event type>|<index>`. */
  key: string;
  source: string;
  targets: string[];
  eventType: string;
}

export interface StatelySnapshotMessage extends StatelyBase {
  type: '@xstate.snapshot';
  event: EventObject;
  snapshot: { status: string; value?: unknown; context?: unknown; [key: string]: unknown };
  /** Extension: the transitions this event caused (root snapshots only). */
  transitions?: TakenTransition[];
}

export type StatelyMessage = StatelyActorMessage | StatelyEventMessage | StatelySnapshotMessage;

export interface ConverterOptions {
  /** Unix ms for `createdAt` (default `Date.now`). */
  wallClock?: () => number;
}

type Inspected = ActorRefLike & { id: string; logic?: { config?: unknown }; _parent?: ActorRefLike };
const inspected = (ref: ActorRefLike) => ref as Inspected;

/** A machine's config as Stately sends it: JSON, functions replaced by `{ type: <name> }`. */
export function definitionOf(actorRef: ActorRefLike, name: string): string {
  const config = inspected(actorRef).logic?.config;
  if (typeof config === 'object' && config !== null) {
    return JSON.stringify(config, (_key, value: unknown) =>
      typeof value === 'function' ? { type: (value as { name: string }).name } : value,
    );
  }
  return JSON.stringify({ id: name });
}

/** An actor's snapshot; while it is being created (its `@xstate.actor` event) XState cannot give one yet. */
function readSnapshot(ref: ActorRefLike): unknown {
  try {
    return ref.getSnapshot();
  } catch {
    return { status: 'active' };
  }
}

const definitions = new WeakMap<object, string>();
/** The definition once per logic (the chart's config is ~8 KB; every watcher of every session shares it). */
function cachedDefinition(actorRef: ActorRefLike, name: string): string {
  const logic = inspected(actorRef).logic;
  if (!logic) return definitionOf(actorRef, name);
  let text = definitions.get(logic);
  if (text === undefined) definitions.set(logic, (text = definitionOf(actorRef, name)));
  return text;
}

/**
 * A converter for one voice session's actor system. Stateful: it gathers the microsteps of the event
 * being processed and hands them out with the root's next snapshot. Returns undefined for inspection
 * events Stately's format has no message for (`@xstate.microstep`, `@xstate.action`, …).
 */
export function createStatelyConverter(voiceSessionId: string, options: ConverterOptions = {}) {
  const wallClock = options.wallClock ?? Date.now;
  let seq = 0;
  let rootRef: ActorRefLike | undefined;
  let pending: TakenTransition[] = [];
  const idOf = (ref: ActorRefLike | undefined): string | undefined => {
    if (!ref) return undefined;
    return ref === rootRef || !inspected(ref)._parent ? voiceSessionId : `${voiceSessionId}/${ref.sessionId}`;
  };
  const base = (ref: ActorRefLike) => ({
    rootId: voiceSessionId,
    sessionId: idOf(ref)!,
    createdAt: String(wallClock()),
    id: `${voiceSessionId}:${seq++}`,
    _version: STATELY_PROTOCOL_VERSION,
  });

  const actorMessage = (ref: ActorRefLike): StatelyActorMessage => {
    const parent = inspected(ref)._parent;
    if (!parent) rootRef = ref;
    const name = parent
      ? inspected(ref).id
      : ((inspected(ref).logic?.config as { id?: string } | undefined)?.id ?? inspected(ref).id);
    return {
      type: '@xstate.actor',
      ...base(ref),
      name,
      definition: cachedDefinition(ref, name),
      parentId: idOf(parent),
      snapshot: readSnapshot(ref) as StatelyActorMessage['snapshot'],
    };
  };

  return Object.assign(
    (event: InspectionEvent): StatelyMessage | undefined => {
      switch (event.type) {
        case '@xstate.actor':
          return actorMessage(event.actorRef);
        case '@xstate.event':
          return {
            type: '@xstate.event',
            ...base(event.actorRef),
            event: event.event,
            sourceId: idOf(event.sourceRef),
          };
        case '@xstate.microstep':
          if (!inspected(event.actorRef)._parent) {
            for (const t of event._transitions) {
              const def = t as unknown as { source: AnyStateNode; eventType: string; target?: readonly AnyStateNode[] };
              pending.push({
                key: transitionKey(def),
                source: def.source.id,
                targets: (def.target ?? []).map((n) => n.id),
                eventType: def.eventType,
              });
            }
          }
          return undefined;
        case '@xstate.snapshot': {
          const message: StatelySnapshotMessage = {
            type: '@xstate.snapshot',
            ...base(event.actorRef),
            event: event.event,
            snapshot: event.snapshot as StatelySnapshotMessage['snapshot'],
          };
          if (!inspected(event.actorRef)._parent) {
            message.transitions = pending;
            pending = [];
          }
          return message;
        }
        default:
          return undefined;
      }
    },
    {
      /** `@xstate.actor` for an actor that already exists (a watcher that arrives mid-session). */
      actor: actorMessage,
      /** The actor's current snapshot, as if it had just processed `event`. */
      snapshot(ref: ActorRefLike, event: EventObject = { type: '' }): StatelySnapshotMessage {
        return {
          type: '@xstate.snapshot',
          ...base(ref),
          event,
          snapshot: ref.getSnapshot() as StatelySnapshotMessage['snapshot'],
          ...(ref === rootRef ? { transitions: [] } : {}),
        };
      },
    },
  );
}

export type StatelyConverter = ReturnType<typeof createStatelyConverter>;

/**
 * The chart feed's form of a root snapshot: its `status`, `value` and, of its context, only the history
 * (what the inspector page shows). A third of the bytes and of the serializing.
 */
export function chartView(message: StatelyMessage): StatelyMessage {
  if (message.type !== '@xstate.snapshot') return message;
  const snapshot = message.snapshot as { status: string; value?: unknown; context?: { history?: unknown } };
  return {
    ...message,
    snapshot: { status: snapshot.status, value: snapshot.value, context: { history: snapshot.context?.history } },
  };
}

/** Only for events and snapshots that hold an error: a replacer makes `JSON.stringify` twice as slow. */
const replacer = (_key: string, value: unknown) => {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Uint8Array) return { bytes: value.byteLength };
  return value;
};

/**
 * JSON of immutable values, by reference: XState never changes a context value or an event in place (a
 * change is a new object), so the config, the history and each event are serialized once, however many
 * snapshots carry them — a long session's history is not re-serialized with every event.
 */
const jsonCache = new WeakMap<object, string>();
function cachedJson(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  let text = jsonCache.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    jsonCache.set(value, text);
  }
  return text;
}

const holdsError = (message: StatelyMessage) =>
  message.type !== '@xstate.actor' &&
  (message.event.type.startsWith('xstate.error') ||
    (message.type === '@xstate.snapshot' && message.snapshot.status === 'error'));

/**
 * JSON for the wire: snapshots serialize through XState's `toJSON` (actor refs become `{ id }`), the
 * context's members and the event from a cache by reference; errors keep their name and message.
 */
export function serializeMessage(message: StatelyMessage): string {
  if (message.type === '@xstate.actor' || holdsError(message)) return JSON.stringify(message, replacer);
  let text = '{';
  for (const key in message) {
    const value = (message as unknown as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const json =
      key === 'event'
        ? cachedJson(value)
        : key === 'snapshot'
          ? snapshotJson(value as StatelySnapshotMessage['snapshot'])
          : JSON.stringify(value);
    text += `${text.length > 1 ? ',' : ''}"${key}":${json}`;
  }
  return `${text}}`;
}

function snapshotJson(snapshot: StatelySnapshotMessage['snapshot']): string {
  const plain = (
    typeof snapshot.toJSON === 'function' ? (snapshot.toJSON as () => Record<string, unknown>)() : snapshot
  ) as Record<string, unknown>;
  let text = '{';
  for (const key in plain) {
    const value = plain[key];
    if (value === undefined || typeof value === 'function') continue;
    let json: string | undefined;
    if (key === 'context' && typeof value === 'object' && value !== null) {
      json = '{';
      for (const member in value) {
        const v = (value as Record<string, unknown>)[member];
        const m = v === undefined || typeof v === 'function' ? undefined : cachedJson(v);
        if (m !== undefined) json += `${json.length > 1 ? ',' : ''}${JSON.stringify(member)}:${m}`;
      }
      json += '}';
    } else json = JSON.stringify(value);
    if (json !== undefined) text += `${text.length > 1 ? ',' : ''}${JSON.stringify(key)}:${json}`;
  }
  return `${text}}`;
}
