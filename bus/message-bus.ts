/**
 * The typed face of the bus: actors publish and subscribe to {@link BusMessage}s; the subject comes from
 * the message (`<prefix>.<sessionId>.<stage>.<event>`). Every received payload is decoded and validated
 * with zod. An invalid one never reaches a handler: it bumps `stats.invalid` and is reported as a
 * `session.error` on the session its subject names (so it never touches another session).
 *
 * @example
 * ```ts
 * const bus = createMessageBus(createMemoryTransport());
 * bus.subscribe(bus.subjects.forSession('s1'), (m) => console.log(m.type));
 * bus.publish({ type: 'control.stop', sessionId: 's1', turnId: '-' });
 * await bus.flush(); // logs "control.stop"
 * ```
 */
import { decodeMessage, encodeMessage } from './codec.js';
import { InvalidMessageError } from './errors.js';
import {
  MessageSchemas,
  SESSION_TURN,
  isMessageType,
  type BusMessage,
  type MessageType,
  type Outgoing,
} from './messages.js';
import { DEFAULT_PREFIX, parseSubject, sessionWildcard, stageWildcard, subjectFor, type Stage } from './subjects.js';
import { strictChecks } from './strict-checks.js';
import type { SubscribeOptions, Subscription, Transport } from './transport.js';

export interface BusStats {
  published: number;
  delivered: number;
  invalid: number;
}

/**
 * What the bus needs of a clock: the time to stamp on outgoing messages. Any `Clock` of the adapters
 * fits; the bus, the bottom layer, declares only this much so it imports nothing above it.
 */
export interface TimeSource {
  now(): number;
}

/** Wall time with sub-millisecond resolution, as the adapters' `systemClock`. */
const wallTime: TimeSource = { now: () => performance.now() };

export interface MessageBusOptions {
  prefix?: string;
  /** Stamps `atMs` on outgoing messages. */
  clock?: TimeSource;
  /** Called for every invalid payload, after it has been counted and reported. */
  onInvalid?: (error: InvalidMessageError) => void;
  /**
   * Check in-process messages against their schema on publish (they skip the codec). Default:
   * `strictChecks().validateInProcess` (bus/strict-checks.ts: off unless a test suite turns it on).
   */
  validateInProcess?: boolean;
}

export interface PublishOptions {
  /**
   * The message's `audio` bytes are handed over: the publisher never writes to them again, so the first
   * in-process subscriber gets them without a copy (further subscribers still get copies; a network
   * transport serializes them anyway). For audio the publisher made or was given for good, such as a TTS
   * engine's chunks: a reply's audio is a few hundred KB, and copying every chunk was most of a large
   * fleet's garbage collection. Delivered audio is read-only to everyone (see `AudioSink.write`).
   */
  handOverAudio?: boolean;
}

export interface MessageBus {
  readonly transport: Transport;
  readonly prefix: string;
  readonly stats: BusStats;
  readonly subjects: {
    of(message: Pick<BusMessage, 'type' | 'sessionId'>): string;
    /** `<prefix>.<sessionId>.<stage>.<event>`; `event` may be `*`, stage and event may be `>`-combined. */
    forSession(sessionId: string): string;
    forEvent(sessionId: string, type: MessageType): string;
    /** Every event of one stage of one session: `<prefix>.<sessionId>.<stage>.*`. */
    forStage(sessionId: string, stage: Stage): string;
    allSessions(stage: Stage, event: string | '*'): string;
  };
  publish<T extends MessageType>(message: Outgoing<T> & { type: T }, options?: PublishOptions): void;
  subscribe(
    pattern: string,
    handler: (message: BusMessage, subject: string) => void,
    options?: SubscribeOptions,
  ): Subscription;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Decodes and validates one payload against the schema its subject names. */
export function parseBusMessage(prefix: string, subject: string, data: Uint8Array): BusMessage {
  const parts = parseSubject(subject);
  if (!parts || parts.prefix !== prefix) {
    throw new InvalidMessageError(
      `subject ${subject} is outside the scheme ${prefix}.<sessionId>.<stage>.<event>.`,
      subject,
    );
  }
  const type = `${parts.stage}.${parts.event}`;
  const schema = isMessageType(type) ? MessageSchemas[type] : undefined;
  if (!schema) {
    throw new InvalidMessageError(
      `unknown message type "${type}" on ${subject}: see bus/messages.ts for the known types.`,
      subject,
    );
  }
  const raw = decodeMessage(data, subject);
  if (raw.type !== type) {
    throw new InvalidMessageError(
      `message of type "${String(raw.type)}" arrived on ${subject}: the subject and the payload type must ` + `agree.`,
      subject,
    );
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new InvalidMessageError(`invalid ${type} on ${subject}: ${issues}`, subject, { cause: result.error });
  }
  const message = result.data as BusMessage;
  if (message.sessionId !== parts.sessionId) {
    throw new InvalidMessageError(
      `message for session ${message.sessionId} arrived on ${subject}: the subject and the payload must name the ` +
        `same session.`,
      subject,
    );
  }
  return message;
}

/** Throws if an in-process message would not survive a network transport (wrong shape, non-JSON data). */
function assertValid(prefix: string, subject: string, message: object): void {
  parseBusMessage(prefix, subject, encodeMessage(message));
}

export function createMessageBus(transport: Transport, options: MessageBusOptions = {}): MessageBus {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const clock = options.clock ?? wallTime;
  const validateInProcess = options.validateInProcess ?? strictChecks().validateInProcess;
  const stats: BusStats = { published: 0, delivered: 0, invalid: 0 };

  // Built and validated once per (type, session): this runs for every audio frame.
  const subjectCache = new Map<string, Map<string, string>>();
  const subjectOf = (message: Pick<BusMessage, 'type' | 'sessionId'>) => {
    let bySession = subjectCache.get(message.type);
    if (!bySession) subjectCache.set(message.type, (bySession = new Map()));
    let subject = bySession.get(message.sessionId);
    if (subject === undefined) {
      const [stage, event] = message.type.split('.') as [Stage, string];
      subject = subjectFor({ prefix, sessionId: message.sessionId, stage, event });
      // Why 10,000: sessions seen by one process; past it the cache starts over rather than grow.
      if (bySession.size >= 10_000) bySession.clear();
      bySession.set(message.sessionId, subject);
    }
    return subject;
  };

  const bus: MessageBus = {
    transport,
    prefix,
    stats,
    subjects: {
      of: subjectOf,
      forSession: (sessionId) => sessionWildcard(prefix, sessionId),
      forEvent: (sessionId, type) => subjectOf({ type, sessionId }),
      forStage: (sessionId, stage) => subjectFor({ prefix, sessionId, stage, event: 'x' }).replace(/\.x$/, '.*'),
      allSessions: (stage, event) => stageWildcard(prefix, stage, event),
    },
    publish(message: Outgoing<MessageType>, publishOptions?: PublishOptions) {
      // `atMs` first, then the message (whose own `atMs`, when set, wins): V8 copies `{ ...message }` in
      // ~40 ns but `{ ...message, atMs }` — a new key after a spread — in ~1 µs (Node 20), and this runs
      // for every message, 100,000 times a second at 1000 sessions.
      const stamped = { atMs: 0, ...message };
      if (message.atMs === undefined) stamped.atMs = clock.now();
      const subject = subjectOf(stamped);
      if (transport.publishObject) {
        // In-process: no process boundary is crossed, so the producer's types stand in for the codec
        // and the schema. Tests (and `validateInProcess`) still check every message against it.
        if (validateInProcess) assertValid(prefix, subject, stamped);
        transport.publishObject(subject, stamped, publishOptions?.handOverAudio === true);
      } else transport.publish(subject, encodeMessage(stamped));
      stats.published++;
    },
    subscribe(pattern, handler, subscribeOptions) {
      return transport.subscribe(
        pattern,
        (delivery) => {
          const { subject } = delivery;
          let message: BusMessage;
          try {
            message = delivery.message
              ? (delivery.message as BusMessage)
              : parseBusMessage(prefix, subject, delivery.data);
          } catch (error) {
            const invalid =
              error instanceof InvalidMessageError
                ? error
                : new InvalidMessageError(String(error), subject, { cause: error });
            reportInvalid(invalid);
            return;
          }
          stats.delivered++;
          handler(message, subject);
        },
        subscribeOptions,
      );
    },
    flush: () => transport.flush(),
    close: () => transport.close(),
  };

  const reportInvalid = (error: InvalidMessageError) => {
    stats.invalid++;
    const parts = parseSubject(error.subject);
    // Report on the session the subject names, never another; an error about an error is not re-reported.
    if (parts && parts.prefix === prefix && !(parts.stage === 'session' && parts.event === 'error')) {
      bus.publish({
        type: 'session.error',
        sessionId: parts.sessionId,
        turnId: SESSION_TURN,
        code: 'invalid_message',
        message: error.message,
        subject: error.subject,
      });
    }
    options.onInvalid?.(error);
  };

  return bus;
}
