import { describe, expect, it } from 'vitest';
import { setupPlayback } from './playback-support.js';

describe('playback actor: segment order', () => {
  it('plays segments strictly in index order even when a later segment arrives first', async () => {
    const p = await setupPlayback();
    p.chunk(1, 40, 2, true, 'reply', 'Second.'); // all of segment 1, before anything of segment 0
    await p.h.settle();
    expect(p.written).toEqual([]);
    expect(p.playback()).toEqual([]);

    p.chunk(0, 40, 1, false, 'reply', 'First.');
    await p.h.settle();
    expect(p.written.map((f) => f.tag)).toEqual([1, 1]); // segment 0's audio so far, not segment 1's

    await p.h.clock.advance(10);
    p.chunk(0, 20, 3, true, 'reply', 'First.');
    p.done(2);
    await p.h.settle();
    expect(p.written.map((f) => [f.atMs, f.tag])).toEqual([
      [0, 1],
      [0, 1],
      [10, 3],
      [10, 2],
      [10, 2],
    ]);
    expect(p.h.sink.frames.map((f) => f.playAtMs)).toEqual([0, 20, 40, 60, 80]);

    await p.h.clock.advance(200);
    expect(p.playback()).toEqual([
      { type: 'playback.started', atMs: 0, kind: 'reply' },
      {
        type: 'playback.finished',
        atMs: 100,
        segments: [
          { segmentIndex: 0, kind: 'reply', text: 'First.', playedMs: 60, durationMs: 60, complete: true },
          { segmentIndex: 1, kind: 'reply', text: 'Second.', playedMs: 40, durationMs: 40, complete: true },
        ],
      },
    ]);
    expect(p.h.sink.underruns).toEqual([]);
    p.actor.stop();
  });

  it('waits for a missing middle segment instead of skipping it', async () => {
    const p = await setupPlayback();
    p.chunk(0, 20, 1, true);
    p.chunk(2, 20, 3, true);
    await p.h.settle();
    await p.h.clock.advance(100);
    expect(p.written.map((f) => f.tag)).toEqual([1]);
    p.chunk(1, 20, 2, true);
    p.done(3);
    await p.h.settle();
    expect(p.written.map((f) => [f.atMs, f.tag])).toEqual([
      [0, 1],
      [100, 2],
      [100, 3],
    ]);
    p.actor.stop();
  });
});
