import { describe, expect, it } from 'vitest';
import { setupPlayback } from './playback-support.js';

describe('playback actor: first frame', () => {
  it('writes the first frame at the clock time the first chunk arrives', async () => {
    const p = await setupPlayback();
    await p.h.clock.advance(50);
    expect(p.written).toEqual([]);
    p.chunk(0, 100, 7, false);
    await p.h.settle(); // delivery only: the clock does not move
    expect(p.h.clock.now()).toBe(50);
    expect(p.written.map((f) => [f.atMs, f.tag, f.byteLength])).toEqual([
      [50, 7, 640],
      [50, 7, 640],
      [50, 7, 640],
      [50, 7, 640],
      [50, 7, 640],
    ]);
    expect(p.h.sink.frames.map((f) => [f.turnId, f.seq, f.writtenAtMs, f.playAtMs])).toEqual([
      ['t1', 0, 50, 50],
      ['t1', 1, 50, 70],
      ['t1', 2, 50, 90],
      ['t1', 3, 50, 110],
      ['t1', 4, 50, 130],
    ]);
    expect(p.playback()).toEqual([{ type: 'playback.started', atMs: 50, kind: 'reply' }]);
    p.actor.stop();
  });

  it('a chunk shorter than a frame waits for more audio (or the end of its segment)', async () => {
    const p = await setupPlayback();
    p.chunk(0, 10, 7, false);
    await p.h.settle();
    expect(p.written).toEqual([]);
    p.chunk(0, 10, 7, false);
    await p.h.settle();
    expect(p.written.map((f) => [f.atMs, f.audioBytes])).toEqual([[0, 640]]);
    await p.h.clock.advance(5);
    p.chunk(0, 10, 7, true); // the last 10 ms go out padded to a whole frame
    await p.h.settle();
    expect(p.written.map((f) => [f.atMs, f.audioBytes, f.byteLength])).toEqual([
      [0, 640, 640],
      [5, 320, 640],
    ]);
    p.actor.stop();
  });
});
