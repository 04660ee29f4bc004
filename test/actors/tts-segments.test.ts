import { describe, expect, it } from 'vitest';
import { filledAudio } from '../support/actor-harness.js';
import { setupTts } from './tts-support.js';

describe('tts actor: segments, concurrency, chunks, done', () => {
  it(
    'numbers segments in arrival order, keeps at most ttsConcurrency requests active, and chunks ' +
      'carry text and kind',
    async () => {
      const t = await setupTts({ ttsConcurrency: 2 });
      const activeSeen: number[] = [];
      const step = async () => {
        await t.h.settle();
        activeSeen.push(t.active());
      };

      t.clause('One.');
      t.clause('Two.');
      t.clause('Three.');
      await step();
      expect(t.requested()).toEqual([['One.', 'Two.'], []]);
      expect(t.a.activeRequests().map((r) => r.text)).toEqual(['One.', 'Two.']);

      // Segment 1 finishes first: its slot goes to segment 2.
      await t.h.clock.advance(40);
      t.a.requests[1]!.channel.push(filledAudio(20, 1));
      await step();
      t.a.requests[1]!.channel.close();
      await step();
      expect(t.requested()).toEqual([['One.', 'Two.', 'Three.'], []]);
      expect(t.a.activeRequests().map((r) => r.text)).toEqual(['One.', 'Three.']);

      await t.h.clock.advance(10);
      t.a.requests[0]!.channel.push(filledAudio(30, 2));
      t.a.requests[0]!.channel.push(filledAudio(10, 2));
      t.a.requests[0]!.channel.close();
      await step();
      t.a.requests[2]!.channel.push(filledAudio(20, 3));
      t.a.requests[2]!.channel.close();
      await step();
      expect(activeSeen).toEqual([2, 2, 2, 1, 0]);

      expect(t.ttsLog()).toEqual([
        ['requested', 0, 'reply', 'tts-a'],
        ['requested', 1, 'reply', 'tts-a'],
        ['first_chunk', 1, 'reply', 'tts-a', 40],
        ['chunk', 1, 'reply', 0, 'Two.', 640, false],
        ['chunk', 1, 'reply', 1, 'Two.', 0, true],
        ['requested', 2, 'reply', 'tts-a'],
        ['first_chunk', 0, 'reply', 'tts-a', 50],
        ['chunk', 0, 'reply', 0, 'One.', 960, false],
        ['chunk', 0, 'reply', 1, 'One.', 320, false],
        ['chunk', 0, 'reply', 2, 'One.', 0, true],
        ['first_chunk', 2, 'reply', 'tts-a', 10],
        ['chunk', 2, 'reply', 0, 'Three.', 640, false],
        ['chunk', 2, 'reply', 1, 'Three.', 0, true],
      ]);
      // Audio reaches the bus byte for byte, at the output rate.
      const chunks = t.h.ofType('tts.chunk').filter((c) => c.segmentIndex === 0 && !c.final);
      expect(chunks.map((c) => [c.sampleRateHz, c.audio[0], c.turnId])).toEqual([
        [16000, 2, 't1'],
        [16000, 2, 't1'],
      ]);
      // All segments are done, but the LLM has not said it is done: no tts.done yet.
      expect(t.h.ofType('tts.done')).toEqual([]);
      t.llmDone();
      await t.h.settle();
      expect(t.ttsLog().at(-1)).toEqual(['done', 3]);
      expect(t.h.ofType('tts.done')).toHaveLength(1);
      expect(t.h.handlerErrors).toEqual([]);
      expect(t.h.bus.stats.invalid).toBe(0);
      t.actor.stop();
    },
  );

  it('never runs more than ttsConcurrency requests (3 of 5 clauses)', async () => {
    const t = await setupTts({ ttsConcurrency: 3 });
    for (const text of ['A one.', 'A two.', 'A three.', 'A four.', 'A five.']) t.clause(text);
    await t.h.settle();
    const seen = [t.active()];
    for (let i = 0; i < 5; i++) {
      t.a.activeRequests()[0]!.channel.close();
      await t.h.settle();
      seen.push(t.active());
    }
    expect(seen).toEqual([3, 3, 3, 2, 1, 0]);
    expect(t.requested()[0]).toEqual(['A one.', 'A two.', 'A three.', 'A four.', 'A five.']);
    expect(t.h.ofType('tts.requested').map((m) => m.segmentIndex)).toEqual([0, 1, 2, 3, 4]);
    t.actor.stop();
  });

  it('tts.done waits for llm.done and then for the last segment to finish', async () => {
    const t = await setupTts();
    t.clause('First clause.');
    t.clause('Second clause.');
    t.llmDone();
    await t.h.settle();
    t.a.requests[0]!.channel.push(filledAudio(20, 1));
    t.a.requests[0]!.channel.close();
    await t.h.settle();
    expect(t.h.ofType('tts.done')).toEqual([]);
    t.a.requests[1]!.channel.push(filledAudio(20, 2));
    await t.h.settle();
    expect(t.h.ofType('tts.done')).toEqual([]);
    t.a.requests[1]!.channel.close();
    await t.h.settle();
    expect(t.ttsLog().slice(-2)).toEqual([
      ['chunk', 1, 'reply', 1, 'Second clause.', 0, true],
      ['done', 2],
    ]);
    t.actor.stop();
  });

  it('a reply with no clauses is done at llm.done', async () => {
    const t = await setupTts();
    t.llmDone();
    await t.h.settle();
    expect(t.ttsLog()).toEqual([['done', 0]]);
    t.actor.stop();
  });
});
