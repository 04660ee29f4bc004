/**
 * The outbox relay: moves turn records from the store's `outbox` table to a JetStream stream. A row is
 * marked delivered only after JetStream acknowledged it, and every publish carries the row's stable
 * `Nats-Msg-Id`, so a retry after a lost acknowledgement (or after this process died between its
 * commit and its publish) is dropped by JetStream as a duplicate: each turn record is in the stream
 * exactly once. NATS unreachable: retries with exponential backoff; restarted: picks up every row not
 * yet acknowledged.
 *
 * @example
 * ```ts
 * const relay = startOutboxRelay({ store, servers: 'nats://127.0.0.1:4222', stream: 'VA_TURNS', prefix: 'va' });
 * // … later
 * await relay.stop();
 * ```
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { silentLogger, type Logger } from '../../runtime/logger.js';
import { CONFIG_DEFAULTS } from '../../runtime/config/defaults.js';
import { ensureStream, publishWithAck } from './jetstream.js';
import type { RecordStore } from './store.js';

export interface OutboxRelayOptions {
  store: RecordStore;
  /** NATS URL(s), comma separated. */
  servers: string;
  /** JetStream stream; created on first connect if missing, taking `<prefix>.*.record.turn`. */
  stream: string;
  prefix: string;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How long to wait for JetStream's acknowledgement of one publish before retrying. */
  ackTimeoutMs?: number;
  log?: Logger;
}

export interface OutboxRelayStats {
  published: number;
  /** Acknowledged as duplicates: JetStream already had them (a retry after a lost ack). */
  duplicates: number;
  failures: number;
}

export interface OutboxRelay {
  readonly stats: OutboxRelayStats;
  /** Resolves once no row is waiting (now or after the rows pending at the call are delivered). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Why 1 hour: JetStream drops a second copy of a message id seen within this window. A retry comes
 * after an outage or a restart; an hour covers both, at the cost of JetStream remembering an hour of ids
 * (one per turn). Past it, a record whose ack was lost in the outage could be stored twice.
 */
const DUPLICATE_WINDOW_MS = 3_600_000;
/** Why 5 s: JetStream acknowledges in milliseconds; a publish unanswered this long went to a server that is gone. */
const ACK_TIMEOUT_MS = 5000;
/** Why 64: publishes in flight at once; enough to drain a backlog quickly without flooding the server. */
const BATCH = 64;
/** Why 2 s: a local or LAN nats-server accepts within milliseconds; longer is an outage, retried with backoff. */
const CONNECT_TIMEOUT_MS = 2000;
/** Why 250 ms: the NATS client's wait between reconnect attempts, so a restarted server is found fast. */
const RECONNECT_WAIT_MS = 250;
/** Why 10 s: another process may write the same database; a periodic look picks up its rows too. */
const POLL_MS = 10_000;
/**
 * Test hook, for the crash test only: with this variable set to `1` the process exits (code 86) after a
 * turn record is committed and before it is published — the moment a crash must not lose it.
 */
export const TEST_HOOK_EXIT_BEFORE_PUBLISH = 'VOICE_AGENT_TEST_HOOK_EXIT_BEFORE_OUTBOX_PUBLISH';

export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { store, stream } = options;
  const log = options.log ?? silentLogger;
  const retryMinMs = options.retryMinMs ?? CONFIG_DEFAULTS.record.outbox.retryMinMs;
  const retryMaxMs = options.retryMaxMs ?? CONFIG_DEFAULTS.record.outbox.retryMaxMs;
  const ackTimeoutMs = options.ackTimeoutMs ?? ACK_TIMEOUT_MS;
  const stats: OutboxRelayStats = { published: 0, duplicates: 0, failures: 0 };
  const subjects = [`${options.prefix}.*.record.turn`];
  let nc: NatsConnection | undefined;
  let streamReady = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  let drainWaiters: Array<() => void> = [];
  const unsubscribe = store.onOutbox(() => wake?.());

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  const connection = async (): Promise<NatsConnection> => {
    if (nc && !nc.isClosed()) return nc;
    streamReady = false;
    nc = await connect({
      servers: options.servers.split(',').map((s) => s.trim()),
      name: 'voice-agent-outbox',
      timeout: CONNECT_TIMEOUT_MS,
      // Once connected, the client reconnects on its own for as long as it takes.
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: RECONNECT_WAIT_MS,
    });
    return nc;
  };

  const relayOnce = async (): Promise<boolean> => {
    const rows = store.outbox.pending(BATCH);
    if (rows.length === 0) return false;
    const conn = await connection();
    if (!streamReady) {
      await ensureStream(conn, { name: stream, subjects, duplicateWindowMs: DUPLICATE_WINDOW_MS });
      streamReady = true;
    }
    if (process.env[TEST_HOOK_EXIT_BEFORE_PUBLISH] === '1') {
      process.stderr.write(
        `${TEST_HOOK_EXIT_BEFORE_PUBLISH}: exiting with ${rows.length} committed turn record(s) not yet published\n`,
      );
      process.exit(86);
    }
    const results = await Promise.allSettled(
      rows.map((row) => publishWithAck(conn, row.subject, row.payload, row.msgId, ackTimeoutMs)),
    );
    let failure: unknown;
    results.forEach((result, i) => {
      const row = rows[i]!;
      if (result.status === 'fulfilled') {
        store.outbox.delivered(row.id, result.value.seq);
        if (result.value.duplicate) stats.duplicates++;
        else stats.published++;
      } else {
        store.outbox.attempted(row.id);
        failure ??= result.reason;
      }
    });
    if (failure !== undefined) throw failure;
    return true;
  };

  const loop = (async () => {
    let backoffMs = retryMinMs;
    let failing = false;
    while (!stopped) {
      try {
        if (await relayOnce()) {
          if (failing) log.info('outbox relay delivering again', { stream });
          failing = false;
          backoffMs = retryMinMs;
          continue;
        }
        for (const resolve of drainWaiters.splice(0)) resolve();
        await pause(POLL_MS);
      } catch (error) {
        stats.failures++;
        // A stream lost with its server's storage is created again on the next attempt.
        streamReady = false;
        if (!failing) log.warn('outbox relay cannot publish; retrying with backoff', { stream, error, retryMaxMs });
        failing = true;
        await pause(backoffMs);
        backoffMs = Math.min(retryMaxMs, backoffMs * 2);
      }
    }
  })();

  return {
    stats,
    drained: () =>
      new Promise<void>((resolve) => {
        drainWaiters.push(resolve);
        wake?.();
      }),
    async stop() {
      stopped = true;
      unsubscribe();
      wake?.();
      await loop;
      for (const resolve of drainWaiters.splice(0)) resolve();
      drainWaiters = [];
      if (nc && !nc.isClosed()) await nc.close();
    },
  };
}
