import { describe, expect, it } from 'vitest';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { describeTransportContract } from './transport-contract.js';

// One in-process transport is one bus: `a` and `b` are the same object.
describeTransportContract('memory', async ({ onHandlerError }) => {
  const transport = createMemoryTransport({ onHandlerError });
  return { a: transport, b: transport, cleanup: () => transport.close() };
});

describe('memory transport: handed-over audio', () => {
  it('gives the first subscriber the publisher’s own bytes and copies for the others', async () => {
    const bus = createMessageBus(createMemoryTransport());
    const got: Array<Uint8Array> = [];
    for (let i = 0; i < 2; i++)
      bus.subscribe(bus.subjects.forEvent('s1', 'tts.chunk'), (m) => got.push((m as { audio: Uint8Array }).audio));
    const audio = new Uint8Array([1, 2, 3, 4]);
    const chunk = {
      type: 'tts.chunk',
      sessionId: 's1',
      turnId: 'u1',
      segmentIndex: 0,
      kind: 'reply',
      seq: 0,
      text: 'hi',
      sampleRateHz: 24_000,
      final: false,
    } as const;
    bus.publish({ ...chunk, audio }, { handOverAudio: true });
    bus.publish({ ...chunk, seq: 1, audio });
    await bus.flush();
    expect(got[0]).toBe(audio);
    expect(got.slice(1).every((a) => a !== audio && a.buffer !== audio.buffer)).toBe(true);
    expect(got.map((a) => [...a])).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ]);
  });
});
