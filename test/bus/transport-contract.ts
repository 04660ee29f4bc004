/**
 * The transport contract (see `bus/transport.ts`) as a reusable vitest suite, so the in-process and
 * NATS transports are held to exactly the same tests.
 *
 * `a` and `b` are two connections to one bus (the same object twice for memory): publishing on `a` and
 * receiving on `b` proves cross-connection delivery. Over NATS, a subscription is only live once the
 * server has seen it and a message is only "sent" once the server has it, hence `settle()` (flush both)
 * after subscribing and bounded polling after publishing. Ordering claims rely on one NATS guarantee:
 * messages from one publisher reach one connection in publish order, across subscriptions too, so a
 * sentinel message proves that everything published before it has been delivered.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../bus/codec.js';
import { BusTimeoutError, NoRespondersError } from '../../bus/errors.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import type { Delivery, HandlerErrorListener, SubscribeOptions, Subscription, Transport } from '../../bus/transport.js';

export interface ContractTransports {
  a: Transport;
  b: Transport;
  cleanup(): Promise<void>;
}

/** Receives the listener the suite uses to observe handler errors; pass it to the transports' options. */
export type MakeContractTransports = (options: { onHandlerError: HandlerErrorListener }) => Promise<ContractTransports>;

const WAIT_LIMIT_MS = 2_000;

/** Polls until `condition` holds; the limit only bounds a failing test, it is never a timing assertion. */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_LIMIT_MS} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A fresh subject token per test, so tests sharing one server never see each other's messages. */
const uniq = () => `t${randomUUID().replaceAll('-', '').slice(0, 12)}`;

interface Collector extends Subscription {
  got: Delivery[];
  subjects(): string[];
}

function collect(t: Transport, pattern: string, options?: SubscribeOptions): Collector {
  const got: Delivery[] = [];
  const sub = t.subscribe(pattern, (d) => got.push(d), options);
  return { got, subjects: () => got.map((d) => d.subject), unsubscribe: () => sub.unsubscribe() };
}

const seqBytes = (n: number) => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
};
const readSeq = (d: Delivery) => new DataView(d.data.buffer, d.data.byteOffset, d.data.byteLength).getUint32(0);
const noop = () => {};

export function describeTransportContract(name: string, makeTransports: MakeContractTransports): void {
  describe(`${name} transport contract`, () => {
    let a: Transport;
    let b: Transport;
    let cleanup: () => Promise<void>;
    let handlerErrors: Array<{ error: unknown; subject: string }>;
    let p: string;

    const settle = async () => {
      await a.flush();
      await b.flush();
    };

    beforeEach(async () => {
      handlerErrors = [];
      ({ a, b, cleanup } = await makeTransports({
        onHandlerError: (error, subject) => handlerErrors.push({ error, subject }),
      }));
      p = uniq();
    });

    afterEach(async () => {
      await cleanup();
    });

    it('delivers to exact subscriptions only', async () => {
      const target = collect(b, `${p}.x.y`);
      const shorter = collect(b, `${p}.x`);
      const longer = collect(b, `${p}.x.y.z`);
      await settle();
      a.publish(`${p}.x.y`, new Uint8Array([1, 2, 3]));
      a.publish(`${p}.x`, new Uint8Array([9]));
      await a.flush();
      await waitFor(() => shorter.got.length === 1, 'the sentinel');
      expect(target.subjects()).toEqual([`${p}.x.y`]);
      expect(target.got[0]!.data).toEqual(new Uint8Array([1, 2, 3]));
      expect(shorter.subjects()).toEqual([`${p}.x`]);
      expect(longer.got).toEqual([]);
    });

    it('"*" matches exactly one token', async () => {
      const star = collect(b, `${p}.*.end`);
      await settle();
      for (const s of [`${p}.one.end`, `${p}.end`, `${p}.one.two.end`, `${p}.one.other`, `${p}.two.end`]) {
        a.publish(s, new Uint8Array([1]));
      }
      await a.flush();
      await waitFor(() => star.got.length >= 2, 'two matches');
      expect(star.subjects()).toEqual([`${p}.one.end`, `${p}.two.end`]);
    });

    it('">" matches one or more trailing tokens, never zero', async () => {
      const tail = collect(b, `${p}.a.>`);
      await settle();
      for (const s of [`${p}.a`, `${p}.a.b`, `${p}.a.b.c.d`, `${p}.b.c`, `${p}.a.z`]) a.publish(s, new Uint8Array([1]));
      await a.flush();
      await waitFor(() => tail.got.length >= 3, 'three matches');
      expect(tail.subjects()).toEqual([`${p}.a.b`, `${p}.a.b.c.d`, `${p}.a.z`]);
    });

    it('stops delivering after unsubscribe', async () => {
      const gone = collect(b, `${p}.u`);
      const sentinel = collect(b, `${p}.sentinel`);
      await settle();
      a.publish(`${p}.u`, new Uint8Array([1]));
      await a.flush();
      await waitFor(() => gone.got.length === 1, 'the first delivery');
      gone.unsubscribe();
      gone.unsubscribe(); // idempotent
      await settle();
      a.publish(`${p}.u`, new Uint8Array([2]));
      a.publish(`${p}.sentinel`, new Uint8Array([3]));
      await a.flush();
      await waitFor(() => sentinel.got.length === 1, 'the sentinel');
      expect(gone.got.map((d) => d.data[0])).toEqual([1]);
    });

    it(
      'routes each message by the subscriptions that exist when it is published, whatever changed ' + 'elsewhere',
      async () => {
        const first = collect(b, `${p}.s1.x`);
        await settle();
        a.publish(`${p}.s1.x`, new Uint8Array([1]));
        await a.flush();
        await waitFor(() => first.got.length === 1, 'the first delivery');
        // A new subscriber on the same subject, one on another session's subject, and a wildcard across sessions.
        const second = collect(b, `${p}.s1.x`);
        const other = collect(b, `${p}.s2.x`);
        const wildcard = collect(b, `${p}.*.x`);
        await settle();
        a.publish(`${p}.s1.x`, new Uint8Array([2]));
        await a.flush();
        await waitFor(() => second.got.length === 1 && wildcard.got.length === 1, 'the second delivery');
        other.unsubscribe();
        wildcard.unsubscribe();
        second.unsubscribe();
        await settle();
        a.publish(`${p}.s1.x`, new Uint8Array([3]));
        await a.flush();
        await waitFor(() => first.got.length === 3, 'the third delivery');
        expect(first.got.map((d) => d.data[0])).toEqual([1, 2, 3]);
        expect(second.got.map((d) => d.data[0])).toEqual([2]);
        expect(wildcard.got.map((d) => d.data[0])).toEqual([2]);
        expect(other.got).toEqual([]);
      },
    );

    it('follows literal and wildcard subscriptions of one session coming and going, and its end', async () => {
      const send = (n: number) => {
        a.publish(`${p}.s3.tts.chunk`, new Uint8Array([n]));
        a.publish(`${p}.s3.llm.token`, new Uint8Array([n]));
      };
      const chunk = collect(b, `${p}.s3.tts.chunk`);
      await settle();
      send(1);
      // (Over NATS, a's publishes must reach the server before b's next subscription does.)
      await a.flush();
      // A wildcard of the same session arrives after both subjects were routed once.
      const llm = collect(b, `${p}.s3.llm.*`);
      await settle();
      send(2);
      await a.flush();
      await waitFor(() => chunk.got.length === 2 && llm.got.length === 1, 'the messages of send(2)');
      // The session's last subscriptions go; later messages reach nobody, then a new subscriber all of them.
      chunk.unsubscribe();
      llm.unsubscribe();
      await settle();
      send(3);
      await a.flush();
      const all = collect(b, `${p}.s3.>`);
      await settle();
      send(4);
      await a.flush();
      await waitFor(() => all.got.length === 2, 'the messages of send(4)');
      expect(chunk.got.map((d) => d.data[0])).toEqual([1, 2]);
      expect(llm.got.map((d) => [d.subject, d.data[0]])).toEqual([[`${p}.s3.llm.token`, 2]]);
      expect(all.got.map((d) => [d.subject, d.data[0]])).toEqual([
        [`${p}.s3.tts.chunk`, 4],
        [`${p}.s3.llm.token`, 4],
      ]);
    });

    it('delivers asynchronously, never inside publish', async () => {
      const same = collect(a, `${p}.async`);
      const other = collect(b, `${p}.async`);
      await settle();
      a.publish(`${p}.async`, new Uint8Array([1]));
      expect(same.got).toEqual([]);
      expect(other.got).toEqual([]);
      await a.flush();
      await waitFor(() => same.got.length === 1 && other.got.length === 1, 'both deliveries');
    });

    it('preserves publish order per subscriber for 1000 messages', async () => {
      const onB = collect(b, `${p}.seq`);
      const onA = collect(a, `${p}.*`);
      await settle();
      for (let i = 0; i < 1000; i++) a.publish(`${p}.seq`, seqBytes(i));
      await a.flush();
      await waitFor(() => onB.got.length === 1000 && onA.got.length === 1000, '1000 messages on each subscriber');
      const expected = Array.from({ length: 1000 }, (_, i) => i);
      expect(onB.got.map(readSeq)).toEqual(expected);
      expect(onA.got.map(readSeq)).toEqual(expected);
    });

    it('gives each message to one queue-group member while a plain subscriber gets all', async () => {
      const subject = `${p}.work`;
      const q1 = collect(a, subject, { queue: 'workers' });
      const q2 = collect(b, subject, { queue: 'workers' });
      const plain = collect(b, subject);
      const doneA = collect(a, `${p}.done`);
      const doneB = collect(b, `${p}.done`);
      await settle();
      for (let i = 0; i < 200; i++) a.publish(subject, seqBytes(i));
      a.publish(`${p}.done`, new Uint8Array([0]));
      await a.flush();
      // The sentinel reaching both connections proves every earlier delivery to them has happened.
      await waitFor(() => doneA.got.length === 1 && doneB.got.length === 1, 'the sentinel on both connections');
      expect(plain.got.map(readSeq)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect(q1.got.length + q2.got.length).toBe(200);
      expect(new Set([...q1.got, ...q2.got].map(readSeq)).size).toBe(200);
      expect(q1.got.length).toBeGreaterThan(0);
      expect(q2.got.length).toBeGreaterThan(0);
    });

    it('round-trips a request and its reply', async () => {
      const seen: string[] = [];
      b.subscribe(`${p}.svc.*`, (d) => {
        seen.push(d.subject);
        d.respond?.(d.data.slice().reverse());
      });
      await settle();
      const reply = await a.request(`${p}.svc.echo`, new Uint8Array([1, 2, 3]), { timeoutMs: WAIT_LIMIT_MS });
      expect(reply).toEqual(new Uint8Array([3, 2, 1]));
      expect(seen).toEqual([`${p}.svc.echo`]);
    });

    it('rejects a request nobody listens to with NoRespondersError', async () => {
      await expect(a.request(`${p}.nobody`, new Uint8Array([1]), { timeoutMs: WAIT_LIMIT_MS })).rejects.toBeInstanceOf(
        NoRespondersError,
      );
    });

    it('rejects a request that gets no reply in time with BusTimeoutError', async () => {
      const silent = collect(b, `${p}.silent`);
      await settle();
      const error = await a.request(`${p}.silent`, new Uint8Array([1]), { timeoutMs: 200 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BusTimeoutError);
      expect(silent.got).toHaveLength(1);
      expect(typeof silent.got[0]!.respond).toBe('function');
    });

    it('carries binary payloads byte-exact, and the subscriber owns its copy', async () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const big = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 131 + 7) & 0xff);
      const bin = collect(b, `${p}.bin`);
      b.subscribe(`${p}.echo`, (d) => d.respond?.(d.data));
      await settle();
      const published = all.slice();
      a.publish(`${p}.bin`, published);
      published.fill(0); // the delivery must not see the publisher's later writes
      a.publish(`${p}.bin`, big);
      await a.flush();
      await waitFor(() => bin.got.length === 2, 'both payloads');
      expect(bin.got[0]!.data).toBeInstanceOf(Uint8Array);
      expect(bin.got[0]!.data).toEqual(all);
      expect(bin.got[1]!.data).toEqual(big);
      expect(await a.request(`${p}.echo`, big, { timeoutMs: WAIT_LIMIT_MS })).toEqual(big);
    });

    it('keeps delivering when a handler throws, and reports the error', async () => {
      let thrown = 0;
      b.subscribe(`${p}.boom`, () => {
        thrown++;
        throw new Error('handler failed on purpose');
      });
      const healthy = collect(b, `${p}.boom`);
      await settle();
      for (let i = 0; i < 3; i++) a.publish(`${p}.boom`, seqBytes(i));
      await a.flush();
      await waitFor(() => healthy.got.length === 3 && thrown === 3, 'three deliveries to both handlers');
      expect(healthy.got.map(readSeq)).toEqual([0, 1, 2]);
      expect(handlerErrors).toHaveLength(3);
      expect(
        handlerErrors.every(
          (e) => e.subject === `${p}.boom` && (e.error as Error).message === 'handler failed on purpose',
        ),
      ).toBe(true);
    });

    it('rejects invalid subscription patterns and publish subjects', () => {
      expect(() => a.subscribe(`${p}.>.b`, noop)).toThrow(/not a valid subscription/);
      expect(() => a.subscribe(`${p}.*x`, noop)).toThrow(/not a valid subscription/);
      expect(() => a.publish(`${p}..b`, new Uint8Array())).toThrow(/not a publishable subject/);
      expect(() => a.publish(`${p}.*`, new Uint8Array())).toThrow(/not a publishable subject/);
    });

    describe('typed MessageBus on top', () => {
      it('round-trips an audio.frame with its audio bytes', async () => {
        const busA = createMessageBus(a);
        const busB = createMessageBus(b);
        const session = `s1-${uniq()}`;
        const received: BusMessage[] = [];
        busB.subscribe(busB.subjects.forEvent(session, 'audio.frame'), (m) => received.push(m));
        await settle();
        const audio = Uint8Array.from({ length: 640 }, (_, i) => i & 0xff);
        busA.publish({
          type: 'audio.frame',
          sessionId: session,
          turnId: '-',
          seq: 7,
          sampleRateHz: 16_000,
          audio,
          atMs: 42,
        });
        await busA.flush();
        await waitFor(() => received.length === 1, 'the audio frame');
        expect(received[0]).toEqual({
          type: 'audio.frame',
          sessionId: session,
          turnId: '-',
          seq: 7,
          sampleRateHz: 16_000,
          audio,
          atMs: 42,
        });
        expect(busA.stats.published).toBe(1);
        expect(busB.stats).toMatchObject({ delivered: 1, invalid: 0 });
      });

      it('delivers handed-over audio byte-exact, never sharing one subscriber’s bytes with another', async () => {
        const busA = createMessageBus(a);
        const busB = createMessageBus(b);
        const session = `s1-${uniq()}`;
        const first: BusMessage[] = [];
        const second: BusMessage[] = [];
        busB.subscribe(busB.subjects.forEvent(session, 'tts.chunk'), (m) => first.push(m));
        busB.subscribe(busB.subjects.forEvent(session, 'tts.chunk'), (m) => second.push(m));
        await settle();
        const audio = Uint8Array.from({ length: 4800 }, (_, i) => (i * 7) & 0xff);
        const expected = audio.slice();
        const chunk = {
          type: 'tts.chunk',
          sessionId: session,
          turnId: 'u1',
          segmentIndex: 0,
          kind: 'reply',
          seq: 0,
          text: 'hi',
          sampleRateHz: 24_000,
          final: false,
        } as const;
        busA.publish({ ...chunk, audio }, { handOverAudio: true });
        busA.publish({ ...chunk, seq: 1, audio: expected.slice() });
        await busA.flush();
        await waitFor(() => first.length === 2 && second.length === 2, 'both chunks to both subscribers');
        const audioOf = (m: BusMessage) => (m as { audio: Uint8Array }).audio;
        for (const m of [...first, ...second]) expect(audioOf(m)).toEqual(expected);
        for (let i = 0; i < 2; i++)
          expect(
            audioOf(first[i]!).buffer === audioOf(second[i]!).buffer &&
              audioOf(first[i]!).byteOffset === audioOf(second[i]!).byteOffset,
          ).toBe(false);
        // Without hand-over a subscriber never gets the publisher's own bytes.
        expect(audioOf(first[1]!)).not.toBe(audio);
        expect(audioOf(second[1]!)).not.toBe(audio);
      });

      it('drops invalid payloads, counts them and reports session.error on their session only', async () => {
        const busB = createMessageBus(b);
        const s1 = `s1-${uniq()}`;
        const s2 = `s2-${uniq()}`;
        const handled: BusMessage[] = [];
        busB.subscribe(busB.subjects.forEvent(s1, 'tts.chunk'), (m) => handled.push(m));
        const errors = collect(a, 'va.*.session.error');
        const onS2 = collect(a, `va.${s2}.>`);
        await settle();

        a.publish(`va.${s1}.tts.chunk`, new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0, 1]));
        a.publish(
          `va.${s1}.tts.chunk`,
          encodeMessage({ type: 'tts.chunk', sessionId: s1, turnId: 'u1', atMs: 0, bogus: true }),
        );
        await a.flush();
        await waitFor(() => busB.stats.invalid === 2, 'two invalid payloads to be counted');
        // Anything busB reported for s2 would have been published before this sentinel, on the same connection.
        b.publish(`va.${s2}.control.stop`, new Uint8Array([1]));
        await b.flush();
        await waitFor(
          () => errors.got.length === 2 && onS2.got.length >= 1,
          'both session.error reports and the sentinel',
        );

        expect(handled).toEqual([]);
        expect(busB.stats.delivered).toBe(0);
        expect(errors.subjects()).toEqual([`va.${s1}.session.error`, `va.${s1}.session.error`]);
        for (const d of errors.got) {
          expect(decodeMessage(d.data, d.subject)).toMatchObject({
            sessionId: s1,
            code: 'invalid_message',
            subject: `va.${s1}.tts.chunk`,
          });
        }
        expect(onS2.subjects()).toEqual([`va.${s2}.control.stop`]);
      });
    });
  });
}
