import { describe, expect, it } from 'vitest';
import { filledAudio } from '../support/actor-harness.js';
import { setupTts } from './tts-support.js';

describe('tts actor: SAY and filler', () => {
  it('SAY chunks its own text into say segments, without the LLM', async () => {
    const t = await setupTts({ say: 'Hello there, how are you today? I am fine.' });
    expect(t.requested()).toEqual([['Hello there,', 'how are you today?'], []]);
    // A SAY turn does not listen to the LLM, even for its own turn id.
    t.clause('Not spoken.');
    t.llmDone();
    await t.h.settle();
    for (let i = 0; i < 3; i++) {
      const r = t.a.activeRequests()[0]!;
      r.channel.push(filledAudio(20, i + 1));
      r.channel.close();
      await t.h.settle();
    }
    expect(t.requested()).toEqual([['Hello there,', 'how are you today?', 'I am fine.'], []]);
    expect(t.ttsLog()).toEqual([
      ['requested', 0, 'say', 'tts-a'],
      ['requested', 1, 'say', 'tts-a'],
      ['first_chunk', 0, 'say', 'tts-a', 0],
      ['chunk', 0, 'say', 0, 'Hello there,', 640, false],
      ['chunk', 0, 'say', 1, 'Hello there,', 0, true],
      ['requested', 2, 'say', 'tts-a'],
      ['first_chunk', 1, 'say', 'tts-a', 0],
      ['chunk', 1, 'say', 0, 'how are you today?', 640, false],
      ['chunk', 1, 'say', 1, 'how are you today?', 0, true],
      ['first_chunk', 2, 'say', 'tts-a', 0],
      ['chunk', 2, 'say', 0, 'I am fine.', 640, false],
      ['chunk', 2, 'say', 1, 'I am fine.', 0, true],
      ['done', 3],
    ]);
    t.actor.stop();
  });

  it(
    'a filler before any reply clause takes the next index; once a reply clause exists fillers are ' + 'ignored',
    async () => {
      const t = await setupTts();
      t.actor.send({ type: 'filler', text: 'Hmm, let me see.' });
      await t.h.settle();
      expect(t.ttsLog()).toEqual([['requested', 0, 'filler', 'tts-a']]);
      t.a.requests[0]!.channel.push(filledAudio(20, 9));
      await t.h.settle();

      t.clause('Here it is.');
      await t.h.settle();
      t.actor.send({ type: 'filler', text: 'Hmm, let me see.' });
      await t.h.settle();
      expect(t.requested()).toEqual([['Hmm, let me see.', 'Here it is.'], []]);

      t.a.requests[0]!.channel.close();
      await t.h.settle();
      t.a.requests[1]!.channel.push(filledAudio(20, 1));
      t.a.requests[1]!.channel.close();
      t.llmDone();
      await t.h.settle();
      t.actor.send({ type: 'filler', text: 'Too late.' });
      await t.h.settle();

      expect(t.ttsLog()).toEqual([
        ['requested', 0, 'filler', 'tts-a'],
        ['first_chunk', 0, 'filler', 'tts-a', 0],
        ['chunk', 0, 'filler', 0, 'Hmm, let me see.', 640, false],
        ['requested', 1, 'reply', 'tts-a'],
        ['chunk', 0, 'filler', 1, 'Hmm, let me see.', 0, true],
        ['first_chunk', 1, 'reply', 'tts-a', 0],
        ['chunk', 1, 'reply', 0, 'Here it is.', 640, false],
        ['chunk', 1, 'reply', 1, 'Here it is.', 0, true],
        ['done', 2],
      ]);
      t.actor.stop();
    },
  );
});
