/**
 * No resume loops (a robot hearing its own echo, a fan, a cough that goes on): a reply resumes after a
 * false interruption at most `maxResumes` times; after that a barge-in needs words, and a wordless one
 * that still cuts it leaves it cut instead of resuming it from the same clause again.
 */
import { describe, expect, it } from 'vitest';
import { createLiveHarness, type LiveHarness } from '../support/live-session.js';
import { noticeKey } from '../support/notices.js';

const noticeCodes = (h: LiveHarness) => h.messages.flatMap((m) => (m.type === 'session.notice' ? [noticeKey(m)] : []));

/** A typed question answered with three clauses of 800 ms each, playing. */
async function speakingReply() {
  const h = await createLiveHarness({});
  await h.text('tell me a story');
  await h.llmToken(' Every morning it rolled, to the window, and waited.');
  await h.llmFinish();
  for (let i = 0; i < 3; i++) await h.ttsAudio(800, true);
  return h;
}

/** Noise over the reply for 600 ms: no words, an empty transcript. */
async function noise(h: LiveHarness) {
  await h.speechStart();
  await h.advance(600);
  await h.speechEnd();
  await h.sttFinal('');
}

/** A reply cut by noise and resumed (`r1`), playing again. */
async function resumedOnce() {
  const h = await speakingReply();
  await h.advance(300);
  await noise(h);
  expect(h.context().replyTurnId).toBe('r1');
  for (let i = 0; i < 3 && h.activeTts().length > 0; i++) await h.ttsAudio(800, true);
  await h.advance(300);
  return h;
}

describe('resume loops', () => {
  it('a reply resumes once; the next noise does not cut it, and it plays to its end', async () => {
    const h = await resumedOnce();
    // The same noise again: under the raised bar (words needed) it is no barge-in at all.
    await noise(h);
    expect(noticeCodes(h).filter((n) => n.startsWith('reply_resumed'))).toHaveLength(1);
    expect(noticeCodes(h)).toContain('utterance_dropped:too_few_words_to_interrupt');
    expect(h.context().replyTurnId).toBe('r1');
    await h.advance(5_000);
    expect(h.state()).toMatch(/^idle/);
    expect(
      h
        .context()
        .history.filter((e) => e.role === 'assistant')
        .map((e) => [e.turnId, e.interrupted]),
    ).toEqual([['r1', false]]);
    h.checkInvariants();
    await h.end();
  });

  it(
    'a resumed reply cut by speech that turns out wordless stays cut: no second resume from the same ' + 'point',
    async () => {
      const h = await resumedOnce();
      // A partial with a word gets past the raised bar; the final then has none.
      await h.speechStart();
      await h.sttPartial('uh');
      await h.advance(600);
      await h.speechEnd();
      await h.sttFinal('');
      expect(noticeCodes(h).slice(-2)).toEqual(['reply_cancelled:barge_in', 'utterance_dropped:resume_limited']);
      expect(h.state()).toMatch(/^idle/);
      expect(noticeCodes(h).filter((n) => n.startsWith('reply_resumed'))).toHaveLength(1);
      h.checkInvariants();
      await h.end();
    },
  );

  it('maxResumes 0: a false interruption never resumes', async () => {
    const h = await createLiveHarness({ config: { maxResumes: 0 } });
    await h.text('tell me a story');
    await h.llmToken(' Every morning it rolled, to the window, and waited.');
    await h.llmFinish();
    for (let i = 0; i < 3; i++) await h.ttsAudio(800, true);
    await h.advance(300);
    await noise(h);
    expect(noticeCodes(h)).not.toContain('reply_resumed:t1');
    expect(h.state()).toMatch(/^idle/);
    await h.end();
  });
});
