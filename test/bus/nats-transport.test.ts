import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusClosedError, BusConnectError } from '../../bus/errors.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import { freePort, startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';
import { describeTransportContract } from './transport-contract.js';

let server: NatsServerHandle;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

describeTransportContract('nats', async ({ onHandlerError }) => {
  const a = await connectNatsTransport({ servers: server.url, name: 'contract-a', onHandlerError });
  const b = await connectNatsTransport({ servers: server.url, name: 'contract-b', onHandlerError });
  return { a, b, cleanup: async () => void (await Promise.all([a.close(), b.close()])) };
});

describe('nats transport connection', () => {
  it('rejects a connect to a closed port with BusConnectError that says how to fix it', async () => {
    const port = await freePort();
    const error = await connectNatsTransport({ servers: `nats://127.0.0.1:${port}`, connectTimeoutMs: 2_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BusConnectError);
    expect((error as Error).message).toMatch(/start nats-server -js or set the servers option/);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('reports kind "nats" and throws BusClosedError after close', async () => {
    const t = await connectNatsTransport({ servers: server.url });
    expect(t.kind).toBe('nats');
    await t.close();
    await t.close(); // idempotent
    expect(() => t.publish('x.y', new Uint8Array([1]))).toThrow(BusClosedError);
    expect(() => t.subscribe('x.y', () => {})).toThrow(BusClosedError);
    await expect(t.request('x.y', new Uint8Array([1]), { timeoutMs: 200 })).rejects.toBeInstanceOf(BusClosedError);
  });

  it('delivers messages already in flight before close resolves (drain)', async () => {
    const t = await connectNatsTransport({ servers: server.url });
    const got: number[] = [];
    t.subscribe('drain.test', (d) => got.push(d.data[0]!));
    await t.flush();
    for (let i = 0; i < 50; i++) t.publish('drain.test', new Uint8Array([i]));
    await t.close();
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
