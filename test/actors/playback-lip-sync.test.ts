import { describe, expect, it } from 'vitest';
import { setupPlayback } from './playback-support.js';

describe('playback actor: lip sync', () => {
  it('gives each frame the viseme playing at its middle, per segment, across chunks', async () => {
    const p = await setupPlayback();
    // Segment 0: 100 ms, "aa" from 0, "E" from 40 ms, "PP" from 60 ms — the last arrives with the audio that holds it.
    p.chunk(0, 60, 1, false, 'reply', 'Ah eh pa.', [
      { atMs: 0, viseme: 'aa' },
      { atMs: 40, viseme: 'E' },
    ]);
    p.chunk(0, 40, 1, true, 'reply', 'Ah eh pa.', [{ atMs: 60, viseme: 'PP' }]);
    // Segment 1 starts its own timeline at 0; its first 30 ms have no viseme yet.
    p.chunk(1, 60, 2, true, 'reply', 'Oh.', [{ atMs: 30, viseme: 'O' }]);
    p.done(2);
    await p.h.settle();
    await p.h.clock.advance(400);
    // Frame middles: 10, 30, 50, 70, 90 ms of segment 0; 10, 30, 50 ms of segment 1.
    expect(p.written.map((f) => [f.tag, f.viseme])).toEqual([
      [1, 'aa'],
      [1, 'aa'],
      [1, 'E'],
      [1, 'PP'],
      [1, 'PP'],
      [2, undefined],
      [2, 'O'],
      [2, 'O'],
    ]);
    p.actor.stop();
  });

  it('frames of an engine without phonemes carry no viseme', async () => {
    const p = await setupPlayback();
    p.chunk(0, 60, 1, true);
    p.done(1);
    await p.h.settle();
    await p.h.clock.advance(200);
    expect(p.written).toHaveLength(3);
    expect(p.written.every((f) => f.viseme === undefined)).toBe(true);
    p.actor.stop();
  });
});
