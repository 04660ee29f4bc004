/**
 * Speculative replies on a live session (real host, chart and actors on controlled fakes and a simulated
 * clock): at a short pause mid-sentence the reply is guessed — generated and synthesized but held silent —
 * then committed when the final transcript matches, or discarded without a sound when the user goes on or
 * the final differs. A discarded guess's turn id is never reused.
 */
import { describe, expect, it } from 'vitest';
import { COMPLETE_COMMAND, createLiveHarness, type LiveHarness } from '../support/live-session.js';

const notices = (h: LiveHarness) =>
  h.messages.flatMap((m) =>
    m.type === 'session.notice' && m.code.startsWith('speculation') ? [`${m.code}:${m.turnId}`] : [],
  );
const framesOf = (h: LiveHarness, turnId: string) => h.ledger.written.get(turnId) ?? 0;

/** The user says "what is the" and pauses; the short pause passes; the guess gets its first clause's audio. */
async function guessing(): Promise<LiveHarness> {
  const h = await createLiveHarness({ config: { turn: { speculate: 'on' } } });
  await h.speechStart();
  await h.sttPartial('what is the weather');
  await h.pause();
  await h.advance(140);
  expect(h.state()).toBe('listening.hearing.paused.long');
  expect(notices(h)).toEqual(['speculation_started:u1']);
  await h.llmToken(' Sunny and warm.');
  await h.ttsAudio(400, true);
  await h.settle();
  expect(framesOf(h, 'u1')).toBe(0);
  expect(h.context().replyProgress).toBe('buffering');
  return h;
}

describe('speculative replies', () => {
  it('a guess the final confirms is committed: it plays at once, with no new LLM request', async () => {
    const h = await guessing();
    await h.speechEnd();
    await h.sttFinal('What is the weather?');
    expect(notices(h)).toEqual(['speculation_started:u1', 'speculation_committed:u1']);
    expect(h.llm.requests).toHaveLength(1);
    expect(h.state()).toMatch(/^speaking/);
    expect(framesOf(h, 'u1')).toBeGreaterThan(0);
    expect(h.context().history[0]).toMatchObject({ role: 'user', turnId: 'u1', text: 'What is the weather?' });
    expect(h.context().history[0]!.replyTurnId).toBeUndefined();
  });

  it('a user who goes on discards the guess unheard; the real reply gets a turn id of its own', async () => {
    const h = await guessing();
    await h.resume();
    expect(h.state()).toBe('listening.hearing.voiced');
    expect(notices(h)).toEqual(['speculation_started:u1', 'speculation_discarded:u1']);
    expect(h.llm.active()).toBeUndefined();
    await h.sttPartial('what is the weather in paris');
    await h.speechEnd();
    await h.sttFinal('what is the weather in paris');
    expect(h.context().replyTurnId).toBe('r1');
    expect(h.context().history.at(-1)).toMatchObject({
      role: 'user',
      turnId: 'u1',
      text: 'what is the weather in paris',
      replyTurnId: 'r1',
    });
    expect(h.messages.find((m) => m.type === 'session.history')).toMatchObject({ turnId: 'u1', replyTurnId: 'r1' });
    await h.llmToken(' Rainy.');
    await h.llmFinish();
    await h.ttsAudio(200, true);
    await h.advanceUntilChange(5_000);
    expect(framesOf(h, 'r1')).toBeGreaterThan(0);
    expect(framesOf(h, 'u1')).toBe(0);
  });

  it('a final that differs from the guessed words discards the guess and answers the final', async () => {
    const h = await guessing();
    await h.speechEnd();
    await h.sttFinal('what is the weekend');
    expect(notices(h)).toEqual(['speculation_started:u1', 'speculation_discarded:u1']);
    expect(h.context().replyTurnId).toBe('r1');
    expect(h.llm.requests.at(-1)!.messages.at(-1)).toMatchObject({ role: 'user', content: 'what is the weekend' });
    expect(framesOf(h, 'u1')).toBe(0);
  });

  it('no guess on a complete command (it ends the turn) nor with speculation off', async () => {
    const off = await createLiveHarness({ config: { turn: { speculate: 'off' } } });
    await off.speechStart();
    await off.sttPartial('what is the weather');
    await off.pause();
    await off.advance(500);
    expect(notices(off)).toEqual([]);
    expect(off.llm.requests).toHaveLength(0);

    const on = await createLiveHarness({ config: { turn: { speculate: 'on' } } });
    await on.speechStart();
    await on.sttPartial(COMPLETE_COMMAND);
    await on.pause();
    await on.advance(140);
    expect(on.state()).toBe('listening.finalizing');
    expect(notices(on)).toEqual([]);
  });
});
