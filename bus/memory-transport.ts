/**
 * In-process transport: the embedded default. Same semantics as NATS (see `transport.ts`): delivery is
 * asynchronous (a microtask after publish), per-subscriber order is publish order, queue groups pick one
 * member round-robin, and payloads are bytes so a subscriber never shares memory with the publisher
 * (unless the publisher hands its audio over for good: `publishObject`'s `handOverAudio`).
 *
 * @example
 * ```ts
 * const t = createMemoryTransport();
 * t.subscribe('va.*.tts.>', (d) => console.log(d.subject));
 * t.publish('va.s1.tts.chunk', new Uint8Array([1]));
 * await t.flush(); // logs "va.s1.tts.chunk"
 * ```
 */
import { copyBytes } from './byte-copy.js';
import { encodeMessage } from './codec.js';
import { BusClosedError, BusTimeoutError, NoRespondersError } from './errors.js';
import { SubjectIndex } from './subject-index.js';
import { strictChecks } from './strict-checks.js';
import {
  assertPublishSubject,
  assertSubscribePattern,
  subjectMatches,
  type Delivery,
  type HandlerErrorListener,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from './transport.js';

interface Sub {
  pattern: string;
  /** Creation order: deliveries go out in subscription order, as they would from one NATS connection. */
  order: number;
  queue: string | undefined;
  handler: (delivery: Delivery) => void;
  active: boolean;
}

export interface MemoryTransportOptions {
  onHandlerError?: HandlerErrorListener;
  /**
   * Freeze delivered objects so a subscriber that mutates a message fails loudly. Default:
   * `strictChecks().freezeMessages` (bus/strict-checks.ts: off unless a test suite turns it on).
   */
  freezeMessages?: boolean;
}

/** A delivery that carries the object and encodes bytes only if a raw subscriber asks for them. */
class ObjectDelivery implements Delivery {
  private bytes: Uint8Array | undefined;
  constructor(
    readonly subject: string,
    readonly message: object,
  ) {}
  get data(): Uint8Array {
    return (this.bytes ??= encodeMessage(this.message));
  }
}

/** Freezes a message and its nested plain data (not its byte arrays, which cannot be frozen). */
function deepFreeze<T>(value: T): T {
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const field = record[key];
    if (field !== null && typeof field === 'object' && !ArrayBuffer.isView(field) && !Object.isFrozen(field)) deepFreeze(field);
  }
  return Object.freeze(value);
}

/**
 * Why 500,000: a safety net, not a working size. A session's cached routes go when its subscriptions
 * change or end, so the caches hold about twenty subjects per live session (20,000 at 1000 sessions).
 * The old limit of 10,000 sat below that, and a cache starting over every few seconds re-matched every
 * subject of every session (a few % of a 1000-session process).
 */
const ROUTE_CACHE_LIMIT = 500_000;
/** Why 10,000: subjects of raw `publish` calls checked once (in process, the typed bus never uses it). */
const CHECKED_SUBJECTS_LIMIT = 10_000;

export function createMemoryTransport(options: MemoryTransportOptions = {}): Transport {
  const index = new SubjectIndex<Sub>();
  let subscriptions = 0;
  const queueCursor = new Map<string, number>();
  let scheduled = false;
  let closed = false;

  const freezeMessages = options.freezeMessages ?? strictChecks().freezeMessages;
  const onHandlerError: HandlerErrorListener = options.onHandlerError ?? ((error, subject) => console.error(`[bus] handler for ${subject} threw:`, error));

  // Pending deliveries as two parallel queues (no closure per delivery: this runs 100,000 times a second
  // in a large fleet, and every object here is garbage a moment later).
  let pendingSubs: Sub[] = [];
  let pendingDeliveries: Delivery[] = [];
  const drain = () => {
    // Handlers may publish; those deliveries join this same drain, keeping order without recursion.
    while (pendingSubs.length > 0) {
      const subs = pendingSubs;
      const deliveries = pendingDeliveries;
      pendingSubs = [];
      pendingDeliveries = [];
      for (let i = 0; i < subs.length; i++) {
        const sub = subs[i]!;
        if (!sub.active) continue;
        try {
          sub.handler(deliveries[i]!);
        } catch (error) {
          onHandlerError(error, deliveries[i]!.subject);
        }
      }
    }
    scheduled = false;
  };

  const deliver = (sub: Sub, delivery: Delivery) => {
    pendingSubs.push(sub);
    pendingDeliveries.push(delivery);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(drain);
    }
  };

  // Audio subjects repeat 50 times a second per session: matched subscribers are cached per subject until
  // a subscription that could match it changes, and subjects already checked are not checked again.
  const routes = new Map<string, Sub[]>();
  /**
   * Cached subjects by their first two tokens (`<prefix>.<sessionId>`), with the number of live
   * subscriptions whose pattern has that literal scope. A subscription with a literal scope can only
   * change routes of that scope, so one session's reply actors coming and going (several times a turn)
   * never empties the cache of a thousand other sessions; when a scope's last subscription goes (the
   * session ended), its cached routes go with it.
   */
  const scopes = new Map<string, { subscriptions: number; subjects: Set<string> }>();
  const validSubjects = new Set<string>();
  const checkSubject = (subject: string) => {
    if (validSubjects.has(subject)) return;
    assertPublishSubject(subject);
    if (validSubjects.size >= CHECKED_SUBJECTS_LIMIT) validSubjects.clear();
    validSubjects.add(subject);
  };
  const scopeOf = (subjectOrPattern: string): string | undefined => {
    const first = subjectOrPattern.indexOf('.');
    const second = first < 0 ? -1 : subjectOrPattern.indexOf('.', first + 1);
    if (second < 0) return undefined;
    const scope = subjectOrPattern.slice(0, second);
    return /[*>]/.test(scope) ? undefined : scope;
  };
  const clearRoutes = () => {
    routes.clear();
    for (const entry of scopes.values()) entry.subjects.clear();
  };
  /**
   * Drops the cached routes a subscription change can alter: the one subject of a literal pattern, the
   * matching subjects of its scope for a wildcard pattern, everything for a pattern with no literal scope.
   * A turn's actors subscribe to literal subjects (`va.s1.tts.chunk`) and go a few seconds later;
   * dropping the whole session's routes for each of them re-matched some 30,000 subjects a second at
   * 1000 sessions.
   */
  const invalidateRoutes = (pattern: string, scope: string | undefined) => {
    if (scope === undefined) return clearRoutes();
    const subjects = scopes.get(scope)?.subjects;
    if (!subjects || subjects.size === 0) return;
    if (!/[*>]/.test(pattern)) {
      if (subjects.delete(pattern)) routes.delete(pattern);
      return;
    }
    for (const subject of subjects) {
      if (!subjectMatches(pattern, subject)) continue;
      routes.delete(subject);
      subjects.delete(subject);
    }
  };
  const scopeSubscribed = (scope: string | undefined, delta: 1 | -1) => {
    if (scope === undefined) return;
    let entry = scopes.get(scope);
    if (!entry) scopes.set(scope, (entry = { subscriptions: 0, subjects: new Set() }));
    entry.subscriptions += delta;
    if (entry.subscriptions > 0) return;
    for (const subject of entry.subjects) routes.delete(subject);
    scopes.delete(scope);
  };
  const matchedFor = (subject: string): Sub[] => {
    const cached = routes.get(subject);
    if (cached) return cached;
    const matched = index.match(subject);
    if (matched.length > 1) matched.sort((a, b) => a.order - b.order);
    const scope = scopeOf(subject);
    // Only subjects of a scope with subscriptions of its own are cached: the scope's end clears them.
    const entry = scope === undefined ? undefined : scopes.get(scope);
    if (entry) {
      if (routes.size >= ROUTE_CACHE_LIMIT) clearRoutes();
      routes.set(subject, matched);
      entry.subjects.add(subject);
    }
    return matched;
  };

  /** Returns the subscribers that get this message: all plain ones and one per queue group. */
  const route = (subject: string): Sub[] => {
    const matched = matchedFor(subject);
    if (!matched.some((s) => s.queue !== undefined)) return matched;
    const out: Sub[] = [];
    const groups = new Map<string, Sub[]>();
    for (const s of matched) {
      if (s.queue === undefined) out.push(s);
      else groups.set(s.queue, [...(groups.get(s.queue) ?? []), s]);
    }
    for (const [queue, members] of groups) {
      const key = `${queue}\u0000${subject}`;
      const cursor = queueCursor.get(key) ?? 0;
      queueCursor.set(key, cursor + 1);
      out.push(members[cursor % members.length]!);
    }
    return out;
  };

  const send = (subject: string, data: Uint8Array, respond?: (data: Uint8Array) => void): number => {
    if (closed) throw new BusClosedError('transport is closed: create a new one with createMemoryTransport().');
    checkSubject(subject);
    const targets = route(subject);
    for (const sub of targets) {
      // Each subscriber gets its own copy, as it would from a network transport.
      deliver(sub, respond ? { subject, data: copyBytes(data), respond } : { subject, data: copyBytes(data) });
    }
    return targets.length;
  };

  const sendObject = (subject: string, message: object, handOverAudio = false) => {
    if (closed) throw new BusClosedError('transport is closed: create a new one with createMemoryTransport().');
    // No checkSubject: the typed bus built this subject with subjectFor (see Transport.publishObject).
    const targets = route(subject);
    const audio = (message as { audio?: unknown }).audio;
    // Each subscriber gets its own object and its own audio bytes, as from a network transport. The
    // first one can take `message` itself (the typed bus hands over a fresh object it never touches
    // again); its audio is still copied, since the producer may reuse its buffer, unless the producer
    // handed the audio over too.
    for (let i = 0; i < targets.length; i++) {
      let own: object = i === 0 ? message : { ...message };
      if (audio instanceof Uint8Array && !(i === 0 && handOverAudio)) (own as { audio: Uint8Array }).audio = copyBytes(audio);
      if (freezeMessages) own = deepFreeze(own);
      deliver(targets[i]!, new ObjectDelivery(subject, own));
    }
  };

  return {
    kind: 'memory',
    publish(subject, data) {
      send(subject, data);
    },
    publishObject: sendObject,
    subscribe(pattern, handler, subscribeOptions: SubscribeOptions = {}): Subscription {
      if (closed) throw new BusClosedError('transport is closed: create a new one with createMemoryTransport().');
      assertSubscribePattern(pattern);
      const sub: Sub = { pattern, order: subscriptions++, queue: subscribeOptions.queue, handler, active: true };
      const scope = scopeOf(pattern);
      index.add(pattern, sub);
      scopeSubscribed(scope, 1);
      invalidateRoutes(pattern, scope);
      return {
        unsubscribe() {
          if (!sub.active) return;
          sub.active = false;
          index.remove(pattern, sub);
          invalidateRoutes(pattern, scope);
          scopeSubscribed(scope, -1);
        },
      };
    },
    request(subject, data, { timeoutMs }) {
      return new Promise<Uint8Array>((resolve, reject) => {
        let settled = false;
        // Why a real timer: request timeouts guard against a missing worker in production, so they
        // follow wall-clock time; simulated-clock tests never rely on them.
        const timer = setTimeout(() => {
          if (settled) return;
          settled = true;
          reject(new BusTimeoutError(`request on ${subject} got no reply within ${timeoutMs} ms: check that its worker is running.`));
        }, timeoutMs);
        const respond = (reply: Uint8Array) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const copy = reply.slice();
          queueMicrotask(() => resolve(copy));
        };
        let receivers: number;
        try {
          receivers = send(subject, data, respond);
        } catch (error) {
          clearTimeout(timer);
          return reject(error);
        }
        if (receivers === 0) {
          settled = true;
          clearTimeout(timer);
          queueMicrotask(() => reject(new NoRespondersError(`no responders on ${subject}: start a worker that subscribes to it.`)));
        }
      });
    },
    async flush() {
      // Deliveries publish more deliveries into the same drain; wait until it has run dry.
      while (scheduled) await new Promise<void>((r) => queueMicrotask(r));
    },
    async close() {
      closed = true;
      pendingSubs = [];
      pendingDeliveries = [];
    },
  };
}
