import { describe, expect, it } from 'vitest';
import { setupPlayback } from './playback-support.js';

/** Frames the device played: written minus those a clear dropped before they began. */
const playedFrames = (frames: ReadonlyArray<{ dropped: boolean }>) => frames.filter((f) => !f.dropped).length;

describe('playback actor: stop', () => {
  it('clears the sink, writes nothing more, and reports what was played (stop on a frame boundary)', async () => {
    const p = await setupPlayback();
    p.chunk(0, 1000, 1, true, 'reply', 'A long answer.');
    await p.h.settle();
    await p.h.clock.advanceTo(100);
    expect(p.written).toHaveLength(15);

    p.actor.stop();
    expect(p.h.sink.clears).toEqual([{ atMs: 100, framesDropped: 10, droppedMs: 200 }]);
    expect(p.h.sink.bufferedMs()).toBe(0);
    await p.h.settle();
    const stopped = p.playback().at(-1);
    expect(stopped).toEqual({
      type: 'playback.stopped',
      atMs: 100,
      segments: [
        { segmentIndex: 0, kind: 'reply', text: 'A long answer.', playedMs: 100, durationMs: 1000, complete: true },
      ],
      framesCleared: 10,
    });
    // The report agrees with the sink: 15 writes - 10 dropped = 5 frames = 100 ms.
    expect(playedFrames(p.h.sink.frames) * 20).toBe(100);
    expect(p.h.sink.playedMs()).toBe(100);

    // Nothing leaves after the stop, whatever arrives or however long we wait.
    p.chunk(0, 100, 1, true);
    p.chunk(1, 100, 2, true);
    p.done(2);
    await p.h.clock.advance(2000);
    expect(p.written).toHaveLength(15);
    expect(p.h.sink.frames).toHaveLength(15);
    expect(p.h.clock.pendingTimers()).toBe(0);
    expect(p.playback().map((m) => m.type)).toEqual(['playback.started', 'playback.stopped']);
  });

  it('reports playedMs per segment across segments; unplayed later segments are left out', async () => {
    const p = await setupPlayback();
    p.chunk(0, 100, 1, true, 'reply', 'First.');
    p.chunk(1, 500, 2, false, 'reply', 'Second, still coming.');
    p.chunk(2, 100, 3, true, 'reply', 'Third.');
    await p.h.settle();
    await p.h.clock.advanceTo(200);
    expect(p.written.map((f) => f.tag).join('')).toBe('11111' + '2'.repeat(15));

    p.actor.stop();
    await p.h.settle();
    expect(p.playback().at(-1)).toEqual({
      type: 'playback.stopped',
      atMs: 200,
      segments: [
        { segmentIndex: 0, kind: 'reply', text: 'First.', playedMs: 100, durationMs: 100, complete: true },
        {
          segmentIndex: 1,
          kind: 'reply',
          text: 'Second, still coming.',
          playedMs: 100,
          durationMs: 500,
          complete: false,
        },
      ],
      framesCleared: 10,
    });
    expect(p.h.sink.clears).toEqual([{ atMs: 200, framesDropped: 10, droppedMs: 200 }]);
    expect(playedFrames(p.h.sink.frames) * 20).toBe(200);
    expect(p.h.sink.playedMs()).toBe(200);
  });

  it('a stop inside a frame reports exactly what the sink played, the cut frame included', async () => {
    const p = await setupPlayback();
    p.chunk(0, 1000, 1, true, 'reply', 'A long answer.');
    await p.h.settle();
    await p.h.clock.advanceTo(110);
    p.actor.stop();
    await p.h.settle();
    // The frame playing from 100 to 120 is cut after 10 ms: not dropped, but only half heard.
    expect(p.h.sink.clears).toEqual([{ atMs: 110, framesDropped: 9, droppedMs: 190 }]);
    expect(p.playback().at(-1)).toMatchObject({ type: 'playback.stopped', framesCleared: 9 });
    const reported = (p.playback().at(-1) as { segments: Array<{ playedMs: number }> }).segments.map((s) => s.playedMs);
    expect(reported).toEqual([110]);
    expect(p.h.sink.playedMs()).toBe(110);
    expect(playedFrames(p.h.sink.frames)).toBe(6); // 15 written - 9 dropped; the 6th was cut at 10 ms
  });

  it('a stop before any audio clears the empty sink and reports nothing played', async () => {
    const p = await setupPlayback();
    await p.h.clock.advance(30);
    p.actor.stop();
    await p.h.settle();
    expect(p.h.sink.clears).toEqual([{ atMs: 30, framesDropped: 0, droppedMs: 0 }]);
    expect(p.playback()).toEqual([{ type: 'playback.stopped', atMs: 30, segments: [], framesCleared: 0 }]);
  });
});
