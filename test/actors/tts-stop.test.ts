import { describe, expect, it } from 'vitest';
import { filledAudio } from '../support/actor-harness.js';
import { setupTts } from './tts-support.js';

describe('tts actor: stop', () => {
  it(
    'stopping aborts every in-flight request, starts no queued one, reports the reply text and ' +
      'publishes nothing more',
    async () => {
      const t = await setupTts();
      t.clause('One.');
      t.clause('Two.');
      t.clause('Three.');
      await t.h.settle();
      t.a.requests[0]!.channel.push(filledAudio(20, 1)); // one audible, one silent, one queued
      await t.h.settle();
      expect(t.active()).toBe(2);
      const before = t.ttsLog();

      t.actor.stop();
      expect(t.a.requests.map((r) => r.signal.aborted)).toEqual([true, true]);
      expect((t.a.requests[0]!.signal.reason as Error).message).toBe('turn t1 cancelled');
      expect(t.active()).toBe(0);

      // Engines that keep going, and more LLM output, reach no one.
      t.a.requests[0]!.channel.push(filledAudio(20, 1));
      t.a.requests[1]!.channel.push(filledAudio(20, 2));
      t.clause('Four.');
      t.llmDone();
      await t.h.settle();
      await t.h.clock.advance(1000);
      expect(t.requested()).toEqual([['One.', 'Two.'], []]);
      // The one message after the stop: the reply's text as it was to be spoken (the session keeps it for a
      // reply a barge-in cut), every clause the actor had, the queued one too.
      expect(t.ttsLog()).toEqual([...before, ['stopped', 'One.', 'Two.', 'Three.']]);
      expect(t.h.handlerErrors).toEqual([]);
    },
  );

  it('stopping a SAY turn aborts its requests too', async () => {
    const t = await setupTts({ say: 'First part, second part.' });
    expect(t.active()).toBe(2);
    t.actor.stop();
    expect(t.a.requests.map((r) => r.signal.aborted)).toEqual([true, true]);
    await t.h.settle();
    expect(t.h.ofType('tts.done')).toEqual([]);
  });
});
