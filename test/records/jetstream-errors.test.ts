/**
 * The outbox's JetStream calls against real nats-servers say what to change when JetStream cannot take
 * the records: a server without JetStream, a stream of that name that takes other subjects, a subject no
 * stream takes. The relay keeps the rows and retries; these are the messages its log shows.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStream, JetStreamError, publishWithAck, streamState } from '../../server/records/index.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';

let plain: NatsServerHandle;
let withJetStream: NatsServerHandle;
let nc: NatsConnection;

beforeAll(async () => {
  [plain, withJetStream] = await Promise.all([startNatsServer({ jetstream: false }), startNatsServer()]);
  nc = await connect({ servers: withJetStream.url });
});
afterAll(async () => {
  await nc?.close();
  await Promise.all([plain?.stop(), withJetStream?.stop()]);
});

const spec = { name: 'VA_TURNS', subjects: ['va.*.record.turn'], duplicateWindowMs: 60_000 };

describe('JetStream errors of the outbox', () => {
  it('says JetStream is off on a server started without it', async () => {
    const off = await connect({ servers: plain.url });
    try {
      await expect(ensureStream(off, spec)).rejects.toThrow(
        new JetStreamError(
          'JetStream is not enabled on this NATS server: start nats-server with -js (and a store dir, -sd)',
        ),
      );
    } finally {
      await off.close();
    }
  });

  it('creates the stream once, and refuses a stream of that name that takes other subjects', async () => {
    await ensureStream(nc, spec);
    await ensureStream(nc, spec);
    expect(await streamState(nc, 'VA_TURNS')).toEqual({ messages: 0, firstSeq: 0, lastSeq: 0 });
    await ensureStream(nc, { ...spec, name: 'OTHER', subjects: ['other.>'] });
    await expect(ensureStream(nc, { ...spec, name: 'OTHER' })).rejects.toThrow(
      'JetStream stream OTHER exists but does not take va.*.record.turn: add the subjects to it (nats stream ' +
        'edit OTHER) or set record.outbox.stream to another name',
    );
  });

  it('names a subject no stream takes, and drops a second copy of a message id', async () => {
    await expect(publishWithAck(nc, 'nobody.listens', new Uint8Array([1]), 'x')).rejects.toThrow(
      'no JetStream stream takes nobody.listens',
    );
    await ensureStream(nc, spec);
    const first = await publishWithAck(nc, 'va.s1.record.turn', new Uint8Array([1]), 'r1.t1');
    const again = await publishWithAck(nc, 'va.s1.record.turn', new Uint8Array([1]), 'r1.t1');
    expect(first).toMatchObject({ stream: 'VA_TURNS', duplicate: false });
    expect(again).toMatchObject({ stream: 'VA_TURNS', seq: first.seq, duplicate: true });
    expect((await streamState(nc, 'VA_TURNS'))?.messages).toBe(1);
  });
});
