import { describe, expect, it } from 'vitest';
import { setupPlayback } from './playback-support.js';

describe('playback actor: stop report with padded frames still buffered', () => {
  it('credits a short segment that the sink played in full', async () => {
    const p = await setupPlayback();
    // Three 10 ms segments (each one frame: 10 ms of audio + 10 ms of silence padding), then a long one.
    p.chunk(0, 10, 1, true, 'reply', 'Yes.');
    p.chunk(1, 10, 2, true, 'reply', 'Right.');
    p.chunk(2, 10, 3, true, 'reply', 'Okay.');
    p.chunk(3, 500, 4, true, 'reply', 'Then a long explanation follows.');
    await p.h.settle();
    await p.h.clock.advanceTo(40); // the frames of segments 0 and 1 have played to their end
    expect(p.h.sink.frames.filter((f) => f.playAtMs + f.durationMs <= 40).length).toBe(2);
    p.actor.stop();
    await p.h.settle();
    const stopped = p.playback().at(-1) as { segments: Array<{ segmentIndex: number; playedMs: number }> };
    expect(stopped.segments.map((s) => [s.segmentIndex, s.playedMs])).toEqual([
      [0, 10],
      [1, 10],
      [2, 0],
      [3, 0],
    ]);
  });
});
