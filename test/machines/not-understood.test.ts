/**
 * Out-of-grammar rejection on a live session (real host, chart, actors and bus on controlled fakes and a
 * simulated clock): a final transcript below `minConfidence` is answered with the re-prompt under the
 * utterance's turn id — a `not_understood` notice, no user history entry, no LLM request — and after a
 * barge-in it counts as a false interruption, so the cut reply resumes.
 */
import { describe, expect, it } from 'vitest';
import type { SessionConfigInput } from '../../machines/config.js';
import { createLiveHarness, type LiveHarness } from '../support/live-session.js';

const REPROMPT = 'Sorry, I did not catch that.';
const CONFIG: SessionConfigInput = { minConfidence: 0.3, notUnderstoodText: REPROMPT };

const notices = (h: LiveHarness) =>
  h.messages.flatMap((m) => (m.type === 'session.notice' ? [`${m.code}:${m.detail}`] : []));

async function utterance(h: LiveHarness, text: string, confidence?: number) {
  await h.speechStart();
  await h.advance(600);
  await h.speechEnd();
  await h.sttFinal(text, confidence);
}

describe('not understood', () => {
  it('a final below minConfidence is re-prompted, never sent to the LLM', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await utterance(h, 'go to the door', 0.12);
    expect(h.state()).toMatch(/^processing/);
    expect(h.context()).toMatchObject({ replyTurnId: 'u1', replyKind: 'say', sayText: REPROMPT });
    expect(notices(h)).toEqual(['not_understood:"go to the door" confidence 0.12 < 0.3']);
    expect(h.llm.requests).toHaveLength(0);
    // Spoken clause by clause, like any SAY.
    expect(
      h
        .activeTts()
        .map((r) => r.text)
        .join(' '),
    ).toBe(REPROMPT);
    await h.ttsAudio(800, true);
    await h.ttsAudio(800, true);
    await h.advanceUntilChange(5_000);
    await h.advanceUntilChange(5_000);
    expect(h.state()).toMatch(/^idle/);
    // The re-prompt is the only entry: what was not understood is not a user turn.
    expect(h.context().history.map(({ role, turnId, text }) => [role, turnId, text])).toEqual([
      ['assistant', 'u1', REPROMPT],
    ]);
    h.checkInvariants();
    await h.end();
  });

  it('a final at or above minConfidence, or without a confidence, is an ordinary turn', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await utterance(h, 'turn left', 0.3);
    expect(h.context()).toMatchObject({ replyTurnId: 'u1', replyKind: 'llm' });
    expect(h.llm.requests.at(-1)!.messages.at(-1)).toMatchObject({ role: 'user', content: 'turn left' });
    await h.llmFail();
    await h.advanceUntilChange(5_000);
    await utterance(h, 'move forward');
    expect(h.context()).toMatchObject({ replyTurnId: 'u2', replyKind: 'llm' });
    expect(notices(h).filter((n) => n.startsWith('not_understood'))).toEqual([]);
    await h.end();
  });

  it('with minConfidence 0 (the chart default) nothing is rejected', async () => {
    const h = await createLiveHarness({});
    await utterance(h, 'go to the door', 0.01);
    expect(h.context()).toMatchObject({ replyTurnId: 'u1', replyKind: 'llm' });
    await h.end();
  });

  it(
    'after a barge-in, an unsure final with words is never a false interruption: the re-prompt, no ' + 'resume',
    async () => {
      const h = await createLiveHarness({ config: CONFIG });
      await h.text('what is up');
      await h.llmToken(' Okay then, here it is.');
      await h.llmFinish();
      await h.ttsAudio(800, true);
      await h.ttsAudio(800, true);
      await h.advance(900);
      await h.speechStart();
      await h.advance(500);
      expect(h.state()).toMatch(/^listening/);
      await h.speechEnd();
      await h.sttFinal('turn left', 0.05);
      expect(h.context()).toMatchObject({ replyTurnId: 'u1', replyKind: 'say', sayText: CONFIG.notUnderstoodText });
      expect(notices(h).map((n) => n.split(' ')[0])).toEqual(['reply_cancelled:barge_in', 'not_understood:"turn']);
      expect(h.llm.requests).toHaveLength(1);
      h.checkInvariants();
      await h.end();
    },
  );
});
