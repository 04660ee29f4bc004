/**
 * The reply follows the language the user spoke, as the STT detected it (`stt.final.language`): the LLM
 * gets that language's system prompt and the TTS actor that language, so its voice speaks the reply.
 */
import { describe, expect, it } from 'vitest';
import { createLiveHarness } from '../support/live-session.js';

const CONFIG = { systemPrompt: 'Answer in English.', languagePrompts: { zh: '请用中文回答。' } };

describe('reply language', () => {
  it(
    'a final detected as Mandarin gets the Mandarin prompt and a Mandarin TTS; English again switches ' + 'back',
    async () => {
      const h = await createLiveHarness({ config: CONFIG });
      await h.speechStart();
      await h.speechEnd();
      await h.sttFinal('你好', undefined, 'zh');
      expect(h.llm.requests.at(-1)!.messages[0]).toEqual({ role: 'system', content: '请用中文回答。' });
      const tts = () =>
        (h.session.actor.getSnapshot().children as Record<string, { getSnapshot(): { input?: { language?: string } } }>)
          .tts;
      expect(tts()?.getSnapshot().input?.language).toBe('zh');
      await h.llmFinish();
      await h.advanceUntilChange(5_000);

      await h.speechStart();
      await h.speechEnd();
      await h.sttFinal('hello', undefined, 'en');
      expect(h.llm.requests.at(-1)!.messages[0]).toEqual({ role: 'system', content: 'Answer in English.' });
      expect(tts()?.getSnapshot().input?.language).toBe('en');
    },
  );

  it('a final without a language keeps the last one; with none known, the session prompt and no language', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await h.speechStart();
    await h.speechEnd();
    await h.sttFinal('hello');
    expect(h.llm.requests.at(-1)!.messages[0]).toEqual({ role: 'system', content: 'Answer in English.' });
    expect(h.context().language).toBeNull();
  });
});
