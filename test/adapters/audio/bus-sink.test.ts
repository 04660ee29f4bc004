import { describe, expect, it } from 'vitest';
import { createBusSink } from '../../../adapters/audio/bus-sink.js';
import { makeSilenceFrame, makeSpeechFrame, ManualClock } from '../../../adapters/testing/index.js';
import { createMemoryTransport } from '../../../bus/memory-transport.js';
import { createMessageBus } from '../../../bus/message-bus.js';
import type { BusMessage } from '../../../bus/messages.js';

describe('bus sink', () => {
  it('publishes frames in order, models the device queue in real time, and clears it', async () => {
    const clock = new ManualClock();
    const bus = createMessageBus(createMemoryTransport(), { clock });
    const got: BusMessage[] = [];
    bus.subscribe('va.s1.audio.*', (m) => got.push(m as BusMessage));
    const sink = createBusSink({ bus, clock, sessionId: 's1', sampleRateHz: 16_000 });
    const frame = new Uint8Array(640).fill(3); // 20 ms at 16 kHz
    for (let i = 0; i < 10; i++) sink.write(frame, { turnId: 'u1', seq: i });
    expect(sink.bufferedMs()).toBe(200);
    await clock.advance(50);
    expect(sink.bufferedMs()).toBe(150);
    // At 50 ms the third frame (40–60 ms) is playing: it is cut, the 7 after it are dropped.
    expect(sink.clear()).toBe(7);
    expect(sink.bufferedMs()).toBe(0);
    await bus.flush();
    const out = got.filter((m) => m.type === 'audio.out');
    expect(out.map((m) => (m.type === 'audio.out' ? [m.seq, m.turnId, m.audio.byteLength] : []))).toEqual(
      [...Array(10).keys()].map((i) => [i, 'u1', 640]),
    );
    expect(got.at(-1)).toMatchObject({ type: 'audio.clear', sessionId: 's1', framesCleared: 7 });
    // After a clear the device starts again from now.
    sink.write(frame, { turnId: 'u2', seq: 0 });
    expect(sink.bufferedMs()).toBe(20);
  });

  it('carries lip-sync data on every frame: the mouth level, and the viseme when known', async () => {
    const clock = new ManualClock();
    const bus = createMessageBus(createMemoryTransport(), { clock });
    const got: BusMessage[] = [];
    bus.subscribe('va.s1.audio.out', (m) => got.push(m as BusMessage));
    const sink = createBusSink({ bus, clock, sessionId: 's1', sampleRateHz: 16_000 });
    sink.write(makeSilenceFrame(16_000, 20), { turnId: 'u1', seq: 0 });
    sink.write(makeSpeechFrame(16_000, 20), { turnId: 'u1', seq: 1, viseme: 'aa' });
    await bus.flush();
    const [silent, loud] = got.map((m) => (m.type === 'audio.out' ? { level: m.level, viseme: m.viseme } : {}));
    expect(silent).toEqual({ level: 0, viseme: undefined });
    expect(loud!.viseme).toBe('aa');
    expect(loud!.level).toBeGreaterThan(0.5);
  });
});
