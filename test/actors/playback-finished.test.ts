import { describe, expect, it } from 'vitest';
import { setupPlayback } from './playback-support.js';

const SEGMENTS = [
  { segmentIndex: 0, kind: 'reply', text: 'First.', playedMs: 100, durationMs: 100, complete: true },
  { segmentIndex: 1, kind: 'reply', text: 'Second.', playedMs: 50, durationMs: 50, complete: true },
];

describe('playback actor: playback.finished', () => {
  it('is not published before tts.done, even when the sink has played everything', async () => {
    const p = await setupPlayback();
    p.chunk(0, 100, 1, true, 'reply', 'First.');
    p.chunk(1, 50, 2, true, 'reply', 'Second.'); // 2.5 frames: the last one is padded
    await p.h.settle();
    expect(p.written.map((f) => [f.tag, f.audioBytes])).toEqual([
      [1, 640],
      [1, 640],
      [1, 640],
      [1, 640],
      [1, 640],
      [2, 640],
      [2, 640],
      [2, 320],
    ]);
    await p.h.clock.advance(1000);
    expect(p.h.sink.bufferedMs()).toBe(0);
    expect(p.playback().map((m) => m.type)).toEqual(['playback.started']);

    p.done(2);
    await p.h.settle();
    expect(p.playback().slice(1)).toEqual([{ type: 'playback.finished', atMs: 1000, segments: SEGMENTS }]);
    p.actor.stop();
  });

  it('after tts.done, is published exactly when the sink has played the last frame', async () => {
    const p = await setupPlayback();
    p.chunk(0, 100, 1, true, 'reply', 'First.');
    p.chunk(1, 50, 2, true, 'reply', 'Second.');
    p.done(2);
    await p.h.settle();
    await p.h.clock.advanceTo(159);
    expect(p.playback().map((m) => m.type)).toEqual(['playback.started']);
    expect(p.h.sink.bufferedMs()).toBe(1);
    await p.h.clock.advanceTo(160);
    expect(p.playback().slice(1)).toEqual([{ type: 'playback.finished', atMs: 160, segments: SEGMENTS }]);
    expect(p.h.sink.bufferedMs()).toBe(0);
    expect(p.h.sink.playedMs()).toBe(160); // 8 frames, the last padded with 10 ms of silence
    expect(p.h.clock.pendingTimers()).toBe(0);
    // Stopping a finished actor neither clears the sink nor reports again.
    p.actor.stop();
    await p.h.settle();
    expect(p.h.sink.clears).toEqual([]);
    expect(p.playback().map((m) => m.type)).toEqual(['playback.started', 'playback.finished']);
  });

  it('waits for the last segment to complete, even when tts.done came earlier', async () => {
    const p = await setupPlayback();
    p.chunk(0, 40, 1, false, 'reply', 'Only.');
    p.done(1);
    await p.h.clock.advance(300);
    expect(p.playback().map((m) => m.type)).toEqual(['playback.started']);
    p.chunk(0, 20, 1, true, 'reply', 'Only.');
    await p.h.clock.advance(100);
    expect(p.playback().slice(1)).toEqual([
      {
        type: 'playback.finished',
        atMs: 320,
        segments: [{ segmentIndex: 0, kind: 'reply', text: 'Only.', playedMs: 60, durationMs: 60, complete: true }],
      },
    ]);
    p.actor.stop();
  });
});
