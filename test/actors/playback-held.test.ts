import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createPlaybackActor } from '../../actors/playback.js';
import { createHarness, filledAudio, RATE, SESSION } from '../support/actor-harness.js';

function held() {
  const h = createHarness({ pipeline: { frameMs: 20, maxBufferAheadMs: 200 } });
  const actor = createActor(createPlaybackActor(h.deps), {
    input: { sessionId: SESSION, turnId: 'u1', held: true },
  }).start();
  const chunk = (ms: number, final: boolean) =>
    h.publish({
      type: 'tts.chunk',
      sessionId: SESSION,
      turnId: 'u1',
      segmentIndex: 0,
      kind: 'reply',
      seq: 0,
      text: 'Turning left.',
      sampleRateHz: RATE,
      audio: filledAudio(ms, 1),
      final,
    });
  return { h, actor, chunk };
}

describe('playback actor: a speculative reply', () => {
  it('keeps its audio silent until the commit, then plays it from the start', async () => {
    const p = held();
    p.chunk(300, true);
    p.h.publish({ type: 'tts.done', sessionId: SESSION, turnId: 'u1', segments: 1 });
    await p.h.settle();
    await p.h.clock.advance(500);
    expect(p.h.sink.frames).toEqual([]);
    expect(p.h.typesOf('playback.')).toEqual([]);
    p.actor.send({ type: 'commit' });
    await p.h.settle();
    expect(p.h.typesOf('playback.')).toEqual(['playback.started']);
    await p.h.clock.advance(400);
    expect(p.h.sink.frames).toHaveLength(15);
    expect(p.h.ofType('playback.finished')[0]!.segments[0]).toMatchObject({ playedMs: 300, durationMs: 300 });
    p.actor.stop();
  });

  it('a discarded guess is never heard: stopping it reports nothing played', async () => {
    const p = held();
    p.chunk(300, true);
    await p.h.settle();
    p.actor.stop();
    await p.h.settle();
    expect(p.h.sink.frames).toEqual([]);
    expect(p.h.ofType('playback.stopped')[0]).toMatchObject({ framesCleared: 0, segments: [{ playedMs: 0 }] });
  });
});
