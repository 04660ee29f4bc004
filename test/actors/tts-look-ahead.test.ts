import { describe, expect, it } from 'vitest';
import { filledAudio } from '../support/actor-harness.js';
import { setupTts } from './tts-support.js';

/** Ends request `i` of engine `engine` with `ms` of audio. */
const speak = async (t: Awaited<ReturnType<typeof setupTts>>, engine: 'a' | 'b', i: number, ms: number) => {
  t[engine].requests[i]!.channel.push(filledAudio(ms, 1));
  t[engine].requests[i]!.channel.close();
  await t.h.settle();
};

describe('tts actor: look-ahead (pipeline.ttsLookAheadMs)', () => {
  it(
    'synthesizes a long reply as it plays: a segment starts only while less than the look-ahead waits ' + 'unplayed',
    async () => {
      const t = await setupTts({ ttsConcurrency: 1, ttsLookAheadMs: 2000 });
      for (const text of ['One.', 'Two.', 'Three.', 'Four.', 'Five.']) t.clause(text);
      t.llmDone();
      await t.h.settle();
      expect(t.requested()[0]).toEqual(['One.']);
      await speak(t, 'a', 0, 1500);
      // 1.5 s synthesized, under 2 s: the next segment starts.
      expect(t.requested()[0]).toEqual(['One.', 'Two.']);
      await speak(t, 'a', 1, 1500);
      // 3 s waits unplayed; a reply held back (nothing plays yet) synthesizes no further, however long it waits.
      await t.h.clock.advance(10_000);
      expect(t.requested()[0]).toEqual(['One.', 'Two.']);

      t.playbackStarted();
      await t.h.settle();
      // Room again once 1 s has played.
      await t.h.clock.advance(990);
      expect(t.requested()[0]).toEqual(['One.', 'Two.']);
      await t.h.clock.advance(20);
      expect(t.requested()[0]).toEqual(['One.', 'Two.', 'Three.']);
      await speak(t, 'a', 2, 1500);
      await t.h.clock.advance(400);
      expect(t.requested()[0]).toEqual(['One.', 'Two.', 'Three.']);

      // A barge-in: two segments were never synthesized, yet the reply's text is reported whole.
      t.actor.stop();
      await t.h.settle();
      expect(t.active()).toBe(0);
      expect(t.ttsLog().at(-1)).toEqual(['stopped', 'One.', 'Two.', 'Three.', 'Four.', 'Five.']);
      // No timer of the stopped actor fires later.
      await t.h.clock.advance(10_000);
      expect(t.requested()[0]).toEqual(['One.', 'Two.', 'Three.']);
      expect(t.h.handlerErrors).toEqual([]);
    },
  );

  it('a playback stalled for audio counts as played, so a slow engine is never starved', async () => {
    const t = await setupTts({ ttsConcurrency: 1, ttsLookAheadMs: 1000 });
    for (const text of ['One.', 'Two.', 'Three.']) t.clause(text);
    t.llmDone();
    await t.h.settle();
    await speak(t, 'a', 0, 1200);
    t.playbackStarted();
    await t.h.settle();
    expect(t.requested()[0]).toEqual(['One.']);
    await t.h.clock.advance(201);
    expect(t.requested()[0]).toEqual(['One.', 'Two.']);
    // The engine takes 3 s for "Two." (playback ran dry at 1.2 s); its 1.5 s of audio leaves room at once.
    await t.h.clock.advance(3000);
    await speak(t, 'a', 1, 1500);
    expect(t.requested()[0]).toEqual(['One.', 'Two.', 'Three.']);
    await speak(t, 'a', 2, 500);
    expect(t.ttsLog().at(-1)).toEqual(['done', 3]);
  });

  it('the first segment without audio starts at once even past the look-ahead (after a failover)', async () => {
    const t = await setupTts({ ttsConcurrency: 2, ttsLookAheadMs: 1000 });
    t.clause('One.');
    t.clause('Two.');
    t.clause('Three.');
    await t.h.settle();
    // "Two." is synthesized (3 s) while "One." fails: playback cannot start before "One." has audio.
    await speak(t, 'a', 1, 3000);
    t.a.requests[0]!.channel.fail(new Error('boom'));
    await t.h.settle();
    expect(t.requested()).toEqual([['One.', 'Two.'], ['One.']]);
    await speak(t, 'b', 0, 500);
    // Now playable audio is ahead: "Three." waits for playback.
    expect(t.requested()[1]).toEqual(['One.']);
    t.playbackStarted();
    await t.h.clock.advance(2600);
    expect(t.requested()[1]).toEqual(['One.', 'Three.']);
  });

  it('0: no bound, every segment as soon as concurrency allows', async () => {
    const t = await setupTts({ ttsConcurrency: 1, ttsLookAheadMs: 0 });
    for (const text of ['One.', 'Two.', 'Three.']) t.clause(text);
    await t.h.settle();
    await speak(t, 'a', 0, 5000);
    await speak(t, 'a', 1, 5000);
    expect(t.requested()[0]).toEqual(['One.', 'Two.', 'Three.']);
  });
});
