import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createControlledTts } from '../../adapters/testing/index.js';
import { createTtsActor } from '../../actors/tts.js';
import { createHarness, filledAudio, RATE, SESSION } from '../support/actor-harness.js';

/** An English main chain and a Mandarin chain of its own, with a Mandarin voice. */
function setup(input: { say?: string; language?: string; voice?: string } = {}) {
  const english = createControlledTts({ name: 'flite', sampleRateHz: RATE });
  const mandarin = createControlledTts({ name: 'espeak', sampleRateHz: RATE });
  const backup = createControlledTts({ name: 'cloud-zh', sampleRateHz: RATE });
  const h = createHarness({
    tts: [english],
    pipeline: { ttsConcurrency: 4, language: 'en', voices: { 'zh-CN': 'cmn' } },
  });
  h.deps.ttsByLanguage = { 'zh-CN': [mandarin, backup] };
  const actor = createActor(createTtsActor(h.deps), { input: { sessionId: SESSION, turnId: 't1', ...input } }).start();
  const requested = () => h.ofType('tts.requested').map((m) => [m.segmentIndex, m.engine]);
  return { h, actor, english, mandarin, backup, requested };
}

describe('tts actor: languages', () => {
  it("each clause of a mixed reply goes to its script's language: its chain and its voice", async () => {
    const t = setup();
    let index = 0;
    for (const text of ['Hello there.', '你好，', '今天天气很好。', 'Goodbye.'])
      t.h.publish({ type: 'llm.clause', sessionId: SESSION, turnId: 't1', index: index++, text });
    t.h.publish({ type: 'llm.done', sessionId: SESSION, turnId: 't1', text: '', clauses: 4 });
    await t.h.settle();
    expect(t.requested()).toEqual([
      [0, 'flite'],
      [1, 'espeak'],
      [2, 'espeak'],
      [3, 'flite'],
    ]);
    expect(t.english.requests.map((r) => [r.text, r.language, r.voice])).toEqual([
      ['Hello there.', 'en', undefined],
      ['Goodbye.', 'en', undefined],
    ]);
    expect(t.mandarin.requests.map((r) => [r.text, r.language, r.voice])).toEqual([
      ['你好，', 'zh', 'cmn'],
      ['今天天气很好。', 'zh', 'cmn'],
    ]);
    t.actor.stop();
  });

  it('a failure moves only the failing language to its next engine', async () => {
    const t = setup({ say: 'Hello there. 你好。' });
    await t.h.settle();
    t.mandarin.requests[0]!.channel.fail(new Error('boom'));
    await t.h.settle();
    expect(t.h.ofType('tts.fallback').map((m) => [m.fromEngine, m.toEngine])).toEqual([['espeak', 'cloud-zh']]);
    // English keeps its engine; the Mandarin clause is asked again of the backup.
    for (const r of [t.english.requests[0]!, t.backup.requests[0]!]) {
      r.channel.push(filledAudio(20, 1));
      r.channel.close();
    }
    await t.h.settle();
    expect(t.requested()).toEqual([
      [0, 'flite'],
      [1, 'espeak'],
      [1, 'cloud-zh'],
    ]);
    expect(t.h.ofType('tts.done')).toHaveLength(1);
    t.actor.stop();
  });

  it("a reply in another Latin-script language is spoken in it, with the session's voice", async () => {
    const t = setup({ say: 'Bonjour.', language: 'fr', voice: 'voice-b' });
    await t.h.settle();
    expect(t.english.requests.map((r) => [r.text, r.language, r.voice])).toEqual([['Bonjour.', 'fr', 'voice-b']]);
    t.actor.stop();
  });
});
