/**
 * A remote STT worker passes the whole result through (the transcript, its confidence and its language),
 * and gets the stream's channel, so its engine adapts per session.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../adapters/clock.js';
import { createRemoteStt } from '../../../adapters/remote/remote-engines.js';
import { createFakeStt } from '../../../adapters/testing/index.js';
import { createMemoryTransport } from '../../../bus/memory-transport.js';
import { createMessageBus } from '../../../bus/message-bus.js';
import { startWorker } from '../../../server/workers/worker.js';

describe('remote STT result', () => {
  it('carries confidence and language from the worker engine', async () => {
    const bus = createMessageBus(createMemoryTransport(), { clock: systemClock });
    const engine = createFakeStt({
      clock: systemClock,
      transcripts: [{ text: 'go to the door', confidence: 0.07, language: 'en' }, 'stop'],
      finalDelayMs: 0,
    });
    const worker = startWorker({ bus, clock: systemClock, stage: 'stt', engine });
    const stt = createRemoteStt({ bus, clock: systemClock, sessionId: 's1' });
    const finish = async () => {
      const stream = stt.createStream({
        sampleRateHz: 16_000,
        onPartial: () => undefined,
        signal: new AbortController().signal,
      });
      stream.push(new Uint8Array(3200));
      return stream.finish();
    };
    expect(await finish()).toEqual({ text: 'go to the door', confidence: 0.07, language: 'en' });
    expect(await finish()).toEqual({ text: 'stop' });
    await worker.stop();
  });

  it("gives the worker's engine the session's channel", async () => {
    const bus = createMessageBus(createMemoryTransport(), { clock: systemClock });
    const engine = createFakeStt({ clock: systemClock, transcripts: ['stop'], finalDelayMs: 0 });
    const channels: Array<string | undefined> = [];
    const createStream = engine.createStream.bind(engine);
    engine.createStream = (options) => {
      channels.push(options.channel);
      return createStream(options);
    };
    const worker = startWorker({ bus, clock: systemClock, stage: 'stt', engine });
    const stream = createRemoteStt({ bus, clock: systemClock, sessionId: 's1' }).createStream({
      sampleRateHz: 16_000,
      channel: 's1',
      onPartial: () => undefined,
      signal: new AbortController().signal,
    });
    stream.push(new Uint8Array(3200));
    await stream.finish();
    expect(channels).toEqual(['s1']);
    await worker.stop();
  });
});
