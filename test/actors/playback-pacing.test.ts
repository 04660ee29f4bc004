import { describe, expect, it } from 'vitest';
import { setupPlayback } from './playback-support.js';

/** The one-second reply of these tests was heard as one gapless second, started at 0 and finished at 1000. */
function expectSecondPlayedWithoutGaps(p: Awaited<ReturnType<typeof setupPlayback>>) {
  expect(p.h.sink.frames.map((f) => f.playAtMs)).toEqual(Array.from({ length: 50 }, (_, i) => i * 20));
  expect(p.h.sink.underruns).toEqual([]);
  expect(p.playback().map((m) => [m.type, m.atMs])).toEqual([
    ['playback.started', 0],
    ['playback.finished', 1000],
  ]);
}

describe('playback actor: pacing', () => {
  it('never keeps more than maxBufferAheadMs written ahead of the sink, and never starves it', async () => {
    const p = await setupPlayback();
    p.chunk(0, 1000, 1, true); // 50 frames at once
    p.done(1);
    await p.h.settle();
    expect(p.written).toHaveLength(10);
    expect(p.h.sink.bufferedMs()).toBe(200);

    const samples: Array<[number, number, number]> = [];
    for (let t = 5; t <= 1100; t += 5) {
      await p.h.clock.advanceTo(t);
      samples.push([t, p.h.sink.bufferedMs(), p.written.length]);
    }
    for (const [t, buffered, writes] of samples) {
      expect(buffered).toBeLessThanOrEqual(200);
      // One frame is topped up every 20 ms until all 50 are written (at 800 ms), then the sink drains.
      expect(writes).toBe(Math.min(50, 10 + Math.floor(t / 20)));
      expect(buffered).toBe(t <= 800 ? 200 - (t % 20) : Math.max(0, 1000 - t));
    }
    expect(p.written.map((f) => f.atMs)).toEqual(Array.from({ length: 50 }, (_, i) => Math.max(0, (i - 9) * 20)));
    expectSecondPlayedWithoutGaps(p);
    p.actor.stop();
  });

  it(
    'with refillBelowMs 100 it writes five frames every 100 ms, holds 100-200 ms and never starves ' + 'the sink',
    async () => {
      const p = await setupPlayback({ refillBelowMs: 100 });
      p.chunk(0, 1000, 1, true); // 50 frames at once
      p.done(1);
      await p.h.settle();
      expect(p.written).toHaveLength(10);
      const buffered: number[] = [];
      for (let t = 5; t <= 1100; t += 5) {
        await p.h.clock.advanceTo(t);
        buffered.push(p.h.sink.bufferedMs());
      }
      // While frames are left to write (until 800 ms), the sink holds between 100 and 200 ms.
      for (const b of buffered.slice(0, 160)) {
        expect(b).toBeGreaterThanOrEqual(100);
        expect(b).toBeLessThanOrEqual(200);
      }
      // Written in batches: ten at once, then five every 100 ms.
      const times = [...new Set(p.written.map((f) => f.atMs))];
      expect(times).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800]);
      expect(p.written.filter((f) => f.atMs === 100)).toHaveLength(5);
      expectSecondPlayedWithoutGaps(p);
      p.actor.stop();
    },
  );

  it('a cap of 60 ms holds 3 frames ahead', async () => {
    const p = await setupPlayback({ maxBufferAheadMs: 60 });
    p.chunk(0, 200, 1, true);
    await p.h.settle();
    expect(p.h.sink.bufferedMs()).toBe(60);
    for (let t = 10; t <= 140; t += 10) {
      await p.h.clock.advanceTo(t);
      expect(p.h.sink.bufferedMs()).toBe(t % 20 === 0 ? 60 : 50);
    }
    expect(p.written.map((f) => f.atMs)).toEqual([0, 0, 0, 20, 40, 60, 80, 100, 120, 140]);
    p.actor.stop();
  });
});
