/**
 * The emergency stop's local recognizer tells its session when it fails (runtime/stop-stt-failures.ts):
 * the first failure of a session, once, as an `estop_recognizer_failed` notice on the bus; a decode the
 * session cancelled is no failure.
 */
import { describe, expect, it } from 'vitest';
import type { SttEngine, SttStreamOptions } from '../../adapters/stt/types.js';
import { settle } from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { describeNotice, Notices } from '../../machines/notices.js';
import { reportingFailures } from '../../runtime/stop-stt-failures.js';

const options = (signal = new AbortController().signal): SttStreamOptions => ({
  sampleRateHz: 16_000,
  signal,
  onPartial: () => undefined,
});

/** An engine whose streams fail as told: at the start, on the final, or not at all. */
function failingEngine(how: 'start' | 'final' | 'never'): SttEngine {
  return {
    name: `fails at ${how}`,
    createStream() {
      if (how === 'start') throw new Error('pocketsphinx rejected its configuration');
      return {
        push: () => undefined,
        finish: () => (how === 'final' ? Promise.reject(new Error('decoder gone')) : Promise.resolve({ text: 'stop' })),
      };
    },
  };
}

describe("the emergency stop's local recognizer failing", () => {
  it('is told once per session, on the bus, and the failure still reaches its caller', async () => {
    const bus = createMessageBus(createMemoryTransport());
    const seen: BusMessage[] = [];
    bus.subscribe(`${bus.prefix}.s1.>`, (m) => seen.push(m));
    const engine = reportingFailures(failingEngine('start'), (error) => {
      const notice = Notices.estop_recognizer_failed(error instanceof Error ? error.message : String(error));
      bus.publish({ type: 'session.notice', sessionId: 's1', turnId: '-', ...notice, detail: describeNotice(notice) });
    });
    expect(() => engine.createStream(options())).toThrow('rejected its configuration');
    expect(() => engine.createStream(options())).toThrow('rejected its configuration');
    await settle();
    expect(seen).toMatchObject([
      { type: 'session.notice', code: 'estop_recognizer_failed', error: 'pocketsphinx rejected its configuration' },
    ]);
    expect(seen[0]).toMatchObject({ detail: expect.stringContaining('left to the spotter') });
  });

  it("tells a failed final, but not a cancelled decode's, nor a recognizer that works", async () => {
    const told: unknown[] = [];
    const failing = reportingFailures(failingEngine('final'), (error) => told.push(error));
    const cancelled = new AbortController();
    const stream = failing.createStream(options(cancelled.signal));
    cancelled.abort();
    await expect(stream.finish()).rejects.toThrow('decoder gone');
    expect(told).toEqual([]);
    await expect(failing.createStream(options()).finish()).rejects.toThrow('decoder gone');
    expect(told).toHaveLength(1);

    const working = reportingFailures(failingEngine('never'), (error) => told.push(error));
    await expect(working.createStream(options()).finish()).resolves.toEqual({ text: 'stop' });
    expect(told).toHaveLength(1);
  });
});
