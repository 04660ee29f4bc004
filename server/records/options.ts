/**
 * The records settings (`record.*`) as the store, the session recorders and the JetStream relay take
 * them. They live with the records, not with the runtime options: only `serve` records sessions.
 *
 * @example
 * ```ts
 * const { store, recorder, outbox } = recordOptionsFrom(loadConfig({ env: process.env }));
 * ```
 */
import type { AppConfig } from '../../runtime/config.js';
import type { OutboxRelayOptions } from './outbox.js';
import type { SessionRecorderOptions } from './recorder.js';
import type { RecordStoreOptions } from './store.js';

/** What {@link recordOptionsFrom} gives: each part as its consumer takes it. */
export interface RecordOptions {
  store: Pick<RecordStoreOptions, 'flushEveryMs' | 'retention'>;
  recorder: Pick<SessionRecorderOptions, 'audio' | 'outbox'>;
  /** Absent: no relay (the outbox is off, or there is no NATS to relay to). */
  outbox?: Omit<OutboxRelayOptions, 'store' | 'log'>;
}

/** The records settings (`record.*`) as the store, the recorders and the JetStream relay take them. */
export function recordOptionsFrom(config: AppConfig): RecordOptions {
  const { record } = config;
  const servers = record.outbox.servers ?? config.nats.servers;
  const outbox =
    record.outbox.enabled && servers
      ? {
          servers,
          stream: record.outbox.stream,
          prefix: config.nats.prefix,
          retryMinMs: record.outbox.retryMinMs,
          retryMaxMs: record.outbox.retryMaxMs,
        }
      : undefined;
  return {
    store: { flushEveryMs: record.flushEveryMs, retention: record.retention },
    recorder: { audio: record.audio, outbox: outbox !== undefined },
    ...(outbox ? { outbox } : {}),
  };
}
