import { describe, expect, it } from 'vitest';
import { setupPlayback } from './playback-support.js';

describe('playback actor: playback.started', () => {
  it('is published once for a filler and once for the answer, each at its first frame', async () => {
    const p = await setupPlayback();
    p.chunk(0, 40, 9, true, 'filler', 'Hmm, let me see.');
    await p.h.settle();
    await p.h.clock.advance(100);
    p.chunk(1, 40, 1, true, 'reply', 'Here it is.');
    await p.h.settle();
    await p.h.clock.advance(10);
    p.chunk(2, 40, 2, true, 'reply', 'And more.');
    p.done(3);
    await p.h.clock.advance(500);

    const started = p.playback().filter((m) => m.type === 'playback.started');
    expect(started).toEqual([
      { type: 'playback.started', atMs: 0, kind: 'filler' },
      { type: 'playback.started', atMs: 100, kind: 'reply' },
    ]);
    // Each announcement is made at the time its first frame was written.
    expect(p.written.map((f) => [f.atMs, f.tag])).toEqual([
      [0, 9],
      [0, 9],
      [100, 1],
      [100, 1],
      [110, 2],
      [110, 2],
    ]);
    expect(p.playback().map((m) => m.type)).toEqual(['playback.started', 'playback.started', 'playback.finished']);
    p.actor.stop();
  });

  it('a SAY answer is announced once, with kind say', async () => {
    const p = await setupPlayback({ turnId: 's1' });
    p.chunk(0, 40, 1, true, 'say', 'Hello there,');
    p.chunk(1, 40, 2, true, 'say', 'how are you?');
    p.done(2);
    await p.h.clock.advance(200);
    expect(p.playback().filter((m) => m.type === 'playback.started')).toEqual([
      { type: 'playback.started', atMs: 0, kind: 'say' },
    ]);
    p.actor.stop();
  });

  it('messages of another turn are ignored', async () => {
    const p = await setupPlayback();
    p.h.publish({
      type: 'tts.chunk',
      sessionId: 's1',
      turnId: 't9',
      segmentIndex: 0,
      kind: 'reply',
      seq: 0,
      text: 'Stale.',
      sampleRateHz: 16000,
      audio: new Uint8Array(640).fill(5),
      final: true,
    });
    p.h.publish({ type: 'tts.done', sessionId: 's1', turnId: 't9', segments: 1 });
    await p.h.clock.advance(100);
    expect(p.written).toEqual([]);
    expect(p.playback()).toEqual([]);
    p.actor.stop();
  });
});
