/**
 * The message bus the `reply`, `scale` and `records` scenarios run on, in this process or through a
 * private nats-server, and what one hop on it costs (publish → delivery of a small message, in turn).
 *
 * @example
 * ```ts
 * await withBus('nats', async (bus, hop) => console.log(`one hop p50 ${hop.p50} ms`));
 * ```
 */
import { systemClock } from '../adapters/clock.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import type { Transport } from '../bus/transport.js';
import { summarize, type Percentiles } from './stats.js';

/** Publish → delivery of a small message on one connection, sequentially: the cost of one bus hop. */
async function hopLatency(transport: Transport, samples: number): Promise<Percentiles> {
  const times: number[] = [];
  let resolveOne: (() => void) | undefined;
  const sub = transport.subscribe('bench.hop', () => resolveOne?.());
  await transport.flush();
  const payload = new Uint8Array(64);
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      resolveOne = resolve;
      transport.publish('bench.hop', payload);
    });
    times.push(performance.now() - started);
  }
  sub.unsubscribe();
  return summarize(times);
}

/** A message bus on one transport for `body` (nats: a private nats-server, stopped after). */
export async function withBus<T>(
  kind: 'memory' | 'nats',
  body: (bus: MessageBus, hop: Percentiles) => Promise<T>,
): Promise<T> {
  if (kind === 'memory') {
    const transport = createMemoryTransport();
    return body(createMessageBus(transport, { clock: systemClock }), await hopLatency(transport, 2000));
  }
  const { startNatsServer } = await import('../sim/nats-server.js');
  const { connectNatsTransport } = await import('../bus/nats-transport.js');
  const server = await startNatsServer();
  const transport = await connectNatsTransport({ servers: server.url, name: 'voice-agent-bench' });
  try {
    return await body(createMessageBus(transport, { clock: systemClock }), await hopLatency(transport, 2000));
  } finally {
    await transport.close();
    await server.stop();
  }
}
