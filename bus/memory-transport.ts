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
import { DeliveryQueue } from './delivery-queue.js';
import { strictChecks } from './strict-checks.js';
import { SubscriberRoutes } from './subscriber-routes.js';
import {
  assertPublishSubject,
  assertSubscribePattern,
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
    if (field !== null && typeof field === 'object' && !ArrayBuffer.isView(field) && !Object.isFrozen(field))
      deepFreeze(field);
  }
  return Object.freeze(value);
}

/** Why 10,000: subjects of raw `publish` calls checked once (in process, the typed bus never uses it). */
const CHECKED_SUBJECTS_LIMIT = 10_000;

const CLOSED = 'transport is closed: create a new one with createMemoryTransport().';

const logHandlerError: HandlerErrorListener = (error, subject) => {
  console.error(`[bus] handler for ${subject} threw:`, error);
};

export function createMemoryTransport(options: MemoryTransportOptions = {}): Transport {
  let subscriptions = 0;
  let closed = false;
  const freezeMessages = options.freezeMessages ?? strictChecks().freezeMessages;
  const pending = new DeliveryQueue<Sub>(options.onHandlerError ?? logHandlerError);
  const routes = new SubscriberRoutes<Sub>();
  const queueCursor = new Map<string, number>();
  const checkSubject = subjectChecker();
  const route = (subject: string) => withQueueGroups(routes.match(subject), subject, queueCursor);

  const send = (subject: string, data: Uint8Array, respond?: (data: Uint8Array) => void): number => {
    if (closed) throw new BusClosedError(CLOSED);
    checkSubject(subject);
    const targets = route(subject);
    for (const sub of targets) {
      // Each subscriber gets its own copy, as it would from a network transport.
      pending.push(sub, respond ? { subject, data: copyBytes(data), respond } : { subject, data: copyBytes(data) });
    }
    return targets.length;
  };

  const sendObject = (subject: string, message: object, handOverAudio = false) => {
    if (closed) throw new BusClosedError(CLOSED);
    // No checkSubject: the typed bus built this subject with subjectFor (see Transport.publishObject).
    const targets = route(subject);
    const audio = (message as { audio?: unknown }).audio;
    // Each subscriber gets its own object and its own audio bytes, as from a network transport. The
    // first one can take `message` itself (the typed bus hands over a fresh object it never touches
    // again); its audio is still copied, since the producer may reuse its buffer, unless the producer
    // handed the audio over too.
    for (let i = 0; i < targets.length; i++) {
      let own: object = i === 0 ? message : { ...message };
      const ownAudio = audio instanceof Uint8Array && !(i === 0 && handOverAudio);
      if (ownAudio) (own as { audio: Uint8Array }).audio = copyBytes(audio);
      if (freezeMessages) own = deepFreeze(own);
      pending.push(targets[i]!, new ObjectDelivery(subject, own));
    }
  };

  return {
    kind: 'memory',
    publish(subject, data) {
      send(subject, data);
    },
    publishObject: sendObject,
    subscribe(pattern, handler, subscribeOptions: SubscribeOptions = {}): Subscription {
      if (closed) throw new BusClosedError(CLOSED);
      assertSubscribePattern(pattern);
      const sub: Sub = { pattern, order: subscriptions++, queue: subscribeOptions.queue, handler, active: true };
      routes.add(pattern, sub);
      return {
        unsubscribe() {
          if (!sub.active) return;
          sub.active = false;
          routes.remove(pattern, sub);
        },
      };
    },
    request: (subject, data, { timeoutMs }) => requestReply(send, subject, data, timeoutMs),
    async flush() {
      // Deliveries publish more deliveries into the same drain; wait until it has run dry.
      while (pending.scheduled) await new Promise<void>((r) => queueMicrotask(r));
    },
    async close() {
      closed = true;
      pending.clear();
    },
  };
}

/** Checks a raw `publish` subject once: subjects already checked are not checked again. */
function subjectChecker(): (subject: string) => void {
  const validSubjects = new Set<string>();
  return (subject) => {
    if (validSubjects.has(subject)) return;
    assertPublishSubject(subject);
    if (validSubjects.size >= CHECKED_SUBJECTS_LIMIT) validSubjects.clear();
    validSubjects.add(subject);
  };
}

/** The subscribers that get a message: all plain ones and one per queue group, round-robin by subject. */
function withQueueGroups(matched: Sub[], subject: string, queueCursor: Map<string, number>): Sub[] {
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
}

/** A request over `send`: the first reply wins; no receiver, a send that throws, or `timeoutMs` reject. */
function requestReply(
  send: (subject: string, data: Uint8Array, respond: (data: Uint8Array) => void) => number,
  subject: string,
  data: Uint8Array,
  timeoutMs: number,
): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    // Why a real timer: request timeouts guard against a missing worker in production, so they
    // follow wall-clock time; simulated-clock tests never rely on them.
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      const hint = 'check that its worker is running.';
      reject(new BusTimeoutError(`request on ${subject} got no reply within ${timeoutMs} ms: ${hint}`));
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
      const error = new NoRespondersError(`no responders on ${subject}: start a worker that subscribes to it.`);
      queueMicrotask(() => reject(error));
    }
  });
}
