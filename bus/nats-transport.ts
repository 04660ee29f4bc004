/**
 * NATS transport: the same contract as the in-process one (see `transport.ts`), so actors can run in
 * separate processes or machines. Subscriptions use callbacks rather than async iterators: a message is
 * handed to its handler straight from the socket read, without an extra promise hop per message.
 *
 * @example
 * ```ts
 * const t = await connectNatsTransport({ servers: 'nats://127.0.0.1:4222', name: 'tts-worker' });
 * t.subscribe('va.*.tts.request', (d) => d.respond?.(new Uint8Array([1])), { queue: 'tts' });
 * const reply = await t.request('va.s1.tts.request', new Uint8Array(), { timeoutMs: 1000 });
 * await t.close();
 * ```
 */
import {
  ClosedConnectionError,
  connect,
  DrainingConnectionError,
  NoRespondersError as NatsNoRespondersError,
  TimeoutError as NatsTimeoutError,
  type Msg,
  type NatsConnection,
} from '@nats-io/transport-node';
import { BusClosedError, BusConnectError, BusError, BusTimeoutError, NoRespondersError } from './errors.js';
import {
  assertPublishSubject,
  assertSubscribePattern,
  type Delivery,
  type HandlerErrorListener,
  type SubscribeOptions,
  type Subscription,
  type Transport,
} from './transport.js';

export interface NatsTransportOptions {
  /** One or more `nats://host:port` URLs (or `host:port`). */
  servers: string | string[];
  /** Client name shown in the server's monitoring pages. */
  name?: string;
  onHandlerError?: HandlerErrorListener;
  /** How long the first connect may take before it fails with `BusConnectError`. Default 5000 ms. */
  connectTimeoutMs?: number;
}

export interface NatsTransportFromConnectionOptions {
  onHandlerError?: HandlerErrorListener;
}

const CLOSED_HINT = 'the NATS transport is closed: connect a new one with connectNatsTransport().';

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current = error;
  // Bounded: a cause cycle must not hang error mapping.
  while (current !== undefined && current !== null && chain.length < 8) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** Maps NATS client errors to the bus's typed errors; anything unknown is passed through unchanged. */
function mapError(error: unknown, subject: string, timeoutMs?: number): unknown {
  if (error instanceof BusError) return error;
  const chain = causeChain(error);
  if (chain.some((e) => e instanceof NatsNoRespondersError)) {
    return new NoRespondersError(`no responders on ${subject}: start a worker that subscribes to it.`, {
      cause: error,
    });
  }
  if (chain.some((e) => e instanceof NatsTimeoutError)) {
    return new BusTimeoutError(
      `request on ${subject} got no reply within ${timeoutMs ?? '?'} ms: check that its worker is running.`,
      {
        cause: error,
      },
    );
  }
  if (chain.some((e) => e instanceof ClosedConnectionError || e instanceof DrainingConnectionError)) {
    return new BusClosedError(CLOSED_HINT, { cause: error });
  }
  return error;
}

/**
 * Copies both ways, as the in-process transport does: the client hands subscribers views into its socket
 * buffer (shared by every subscription of the message) and queues publishers' buffers by reference
 * until the next write, so a publisher that reuses its buffer would otherwise change what is sent.
 */
const own = (data: Uint8Array) => new Uint8Array(data);

/**
 * Wraps an existing connection (e.g. one that also serves JetStream). `close()` drains and closes it.
 */
export function natsTransportFromConnection(
  nc: NatsConnection,
  options: NatsTransportFromConnectionOptions = {},
): Transport {
  const onHandlerError: HandlerErrorListener =
    options.onHandlerError ?? ((error, subject) => console.error(`[bus] handler for ${subject} threw:`, error));
  let closing: Promise<void> | undefined;

  const ensureOpen = () => {
    if (closing || nc.isClosed() || nc.isDraining()) throw new BusClosedError(CLOSED_HINT);
  };

  const reportHandlerError = (error: unknown, subject: string) => {
    // The callback runs inside the client's socket parser: nothing may escape from here.
    try {
      onHandlerError(error, subject);
    } catch (listenerError) {
      console.error(`[bus] onHandlerError threw while reporting a failure on ${subject}:`, listenerError);
    }
  };

  return {
    kind: 'nats',
    publish(subject, data) {
      ensureOpen();
      assertPublishSubject(subject);
      try {
        nc.publish(subject, own(data));
      } catch (error) {
        throw mapError(error, subject);
      }
    },
    subscribe(pattern, handler, subscribeOptions: SubscribeOptions = {}): Subscription {
      ensureOpen();
      assertSubscribePattern(pattern);
      const callback = (err: Error | null, msg: Msg) => {
        if (err) {
          // Subscription-level failure (e.g. a permissions violation): the subscription is over.
          reportHandlerError(mapError(err, pattern), pattern);
          return;
        }
        const delivery: Delivery = { subject: msg.subject, data: own(msg.data) };
        if (msg.reply) {
          delivery.respond = (reply) => {
            msg.respond(own(reply));
          };
        }
        try {
          handler(delivery);
        } catch (error) {
          reportHandlerError(error, msg.subject);
        }
      };
      let sub: ReturnType<NatsConnection['subscribe']>;
      try {
        sub = nc.subscribe(
          pattern,
          subscribeOptions.queue === undefined ? { callback } : { callback, queue: subscribeOptions.queue },
        );
      } catch (error) {
        throw mapError(error, pattern);
      }
      return {
        unsubscribe() {
          if (sub.isClosed() || nc.isClosed()) return;
          sub.unsubscribe();
        },
      };
    },
    async request(subject, data, { timeoutMs }) {
      ensureOpen();
      assertPublishSubject(subject);
      try {
        const msg = await nc.request(subject, own(data), { timeout: timeoutMs });
        return own(msg.data);
      } catch (error) {
        throw mapError(error, subject, timeoutMs);
      }
    },
    async flush() {
      ensureOpen();
      try {
        await nc.flush();
      } catch (error) {
        throw mapError(error, 'flush');
      }
    },
    close() {
      // Drain delivers what is already in flight to our handlers, then closes the socket.
      closing ??= (async () => {
        if (!nc.isClosed()) {
          try {
            await nc.drain();
          } catch (error) {
            if (!(error instanceof ClosedConnectionError || error instanceof DrainingConnectionError)) throw error;
          }
        }
        await nc.closed();
      })();
      return closing;
    },
  };
}

/** Connects to NATS; rejects with {@link BusConnectError} (naming the fix) when no server answers. */
export async function connectNatsTransport(options: NatsTransportOptions): Promise<Transport> {
  const servers = Array.isArray(options.servers) ? options.servers : [options.servers];
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      timeout: options.connectTimeoutMs ?? 5_000,
      ...(options.name === undefined ? {} : { name: options.name }),
    });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new BusConnectError(
      `could not connect to NATS at ${servers.join(', ')} (${reason}): start nats-server -js or set the ` +
        `servers option.`,
      { cause },
    );
  }
  return natsTransportFromConnection(
    nc,
    options.onHandlerError === undefined ? {} : { onHandlerError: options.onHandlerError },
  );
}
