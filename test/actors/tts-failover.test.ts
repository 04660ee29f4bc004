import { describe, expect, it } from 'vitest';
import { filledAudio } from '../support/actor-harness.js';
import { setupTts } from './tts-support.js';

describe('tts actor: failover', () => {
  it('an engine error publishes tts.fallback and re-requests the silent segments on the next engine', async () => {
    const t = await setupTts();
    t.clause('One.');
    t.clause('Two.');
    await t.h.settle();
    t.a.requests[0]!.channel.fail(new Error('boom'));
    await t.h.settle();

    expect(t.ttsLog()).toEqual([
      ['requested', 0, 'reply', 'tts-a'],
      ['requested', 1, 'reply', 'tts-a'],
      ['fallback', 'tts-a', 'tts-b', 'tts-a failed: boom'],
      ['requested', 0, 'reply', 'tts-b'],
      ['requested', 1, 'reply', 'tts-b'],
    ]);
    // Segment 1 had no audio either: its request on tts-a was aborted, not left running.
    expect(t.a.requests[1]!.signal.aborted).toBe(true);
    expect(t.requested()).toEqual([
      ['One.', 'Two.'],
      ['One.', 'Two.'],
    ]);
    expect(t.active()).toBe(2);

    for (const r of t.b.requests) {
      r.channel.push(filledAudio(20, 1));
      r.channel.close();
    }
    t.llmDone();
    await t.h.settle();
    expect(t.ttsLog().slice(5)).toEqual([
      ['first_chunk', 0, 'reply', 'tts-b', 0],
      ['chunk', 0, 'reply', 0, 'One.', 640, false],
      ['first_chunk', 1, 'reply', 'tts-b', 0],
      ['chunk', 1, 'reply', 0, 'Two.', 640, false],
      ['chunk', 0, 'reply', 1, 'One.', 0, true],
      ['chunk', 1, 'reply', 1, 'Two.', 0, true],
      ['done', 2],
    ]);
    t.actor.stop();
  });

  it('an error past the last engine is fatal', async () => {
    const t = await setupTts();
    t.clause('One.');
    await t.h.settle();
    t.a.requests[0]!.channel.fail(new Error('boom-a'));
    await t.h.settle();
    t.b.requests[0]!.channel.fail(new Error('boom-b'));
    await t.h.settle();
    t.clause('Two.');
    t.llmDone();
    await t.h.settle();
    expect(t.ttsLog()).toEqual([
      ['requested', 0, 'reply', 'tts-a'],
      ['fallback', 'tts-a', 'tts-b', 'tts-a failed: boom-a'],
      ['requested', 0, 'reply', 'tts-b'],
      ['error', 'all TTS engines failed; last error: boom-b', true],
    ]);
    expect(t.requested()).toEqual([['One.'], ['One.']]);
    expect(t.active()).toBe(0);
    t.actor.stop();
  });

  it(
    'a segment that already emitted audio is cut short (non-fatal), and the next engine speaks what ' + 'follows',
    async () => {
      const t = await setupTts();
      t.clause('One.');
      await t.h.settle();
      t.a.requests[0]!.channel.push(filledAudio(20, 1));
      await t.h.settle();
      t.a.requests[0]!.channel.fail(new Error('stream reset'));
      await t.h.settle();
      t.clause('Two.');
      await t.h.settle();
      t.b.requests[0]!.channel.push(filledAudio(20, 2));
      t.b.requests[0]!.channel.close();
      t.llmDone();
      await t.h.settle();

      expect(t.ttsLog()).toEqual([
        ['requested', 0, 'reply', 'tts-a'],
        ['first_chunk', 0, 'reply', 'tts-a', 0],
        ['chunk', 0, 'reply', 0, 'One.', 640, false],
        ['chunk', 0, 'reply', 1, 'One.', 0, true],
        ['error', 'segment 0 cut short: stream reset', false],
        ['fallback', 'tts-a', 'tts-b', 'tts-a failed mid-segment: stream reset'],
        ['requested', 1, 'reply', 'tts-b'],
        ['first_chunk', 1, 'reply', 'tts-b', 0],
        ['chunk', 1, 'reply', 0, 'Two.', 640, false],
        ['chunk', 1, 'reply', 1, 'Two.', 0, true],
        ['done', 2],
      ]);
      // Segment 0 is never requested again: what was heard is not repeated in another voice.
      expect(t.requested()).toEqual([['One.'], ['Two.']]);
      t.actor.stop();
    },
  );

  it(
    'the fallback command moves silent segments to the next engine, then wraps to the first after the ' + 'last',
    async () => {
      const t = await setupTts();
      t.clause('One.');
      t.clause('Two.');
      await t.h.settle();
      t.a.requests[0]!.channel.push(filledAudio(20, 1)); // segment 0 is audible; segment 1 is silent
      await t.h.settle();

      t.actor.send({ type: 'fallback', reason: 'no audio within 800 ms' });
      await t.h.settle();
      expect(t.a.requests[0]!.signal.aborted).toBe(false);
      expect(t.a.requests[1]!.signal.aborted).toBe(true);
      expect(t.requested()).toEqual([['One.', 'Two.'], ['Two.']]);

      t.actor.send({ type: 'fallback', reason: 'no audio within 800 ms' });
      await t.h.settle();
      expect(t.b.requests[0]!.signal.aborted).toBe(true);
      expect(t.requested()).toEqual([['One.', 'Two.', 'Two.'], ['Two.']]);
      expect(t.a.activeRequests().map((r) => r.text)).toEqual(['One.', 'Two.']);

      expect(t.ttsLog()).toEqual([
        ['requested', 0, 'reply', 'tts-a'],
        ['requested', 1, 'reply', 'tts-a'],
        ['first_chunk', 0, 'reply', 'tts-a', 0],
        ['chunk', 0, 'reply', 0, 'One.', 640, false],
        ['fallback', 'tts-a', 'tts-b', 'no audio within 800 ms'],
        ['requested', 1, 'reply', 'tts-b'],
        ['fallback', 'tts-b', 'tts-a', 'no audio within 800 ms; retrying the chain'],
        ['requested', 1, 'reply', 'tts-a'],
      ]);

      // The re-requested segment completes normally on the first engine.
      t.a.requests[2]!.channel.push(filledAudio(20, 2));
      t.a.requests[2]!.channel.close();
      t.a.requests[0]!.channel.close();
      t.llmDone();
      await t.h.settle();
      expect(t.ttsLog().slice(8)).toEqual([
        ['first_chunk', 1, 'reply', 'tts-a', 0],
        ['chunk', 1, 'reply', 0, 'Two.', 640, false],
        ['chunk', 0, 'reply', 1, 'One.', 0, true],
        ['chunk', 1, 'reply', 1, 'Two.', 0, true],
        ['done', 2],
      ]);
      t.actor.stop();
    },
  );
});
