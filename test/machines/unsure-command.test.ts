/**
 * A command the recognizer was unsure of does not move the robot unasked: an action declared with
 * `confirm.belowConfidence` is held for a yes when the final that led to it was heard below that
 * confidence (above the `minConfidence` floor, where it would be re-prompted instead). Typed commands and
 * engines without a confidence are not asked about; a sure command goes out at once.
 */
import { describe, expect, it } from 'vitest';
import type { ActionDeclarationInput } from '../../adapters/actions/declaration.js';
import { noticeCodes, requests, TEST_ACTIONS } from '../support/actions.js';
import { createLiveHarness, type LiveHarness } from '../support/live-session.js';

const ACTIONS: ActionDeclarationInput[] = TEST_ACTIONS.map((a) =>
  a.name === 'turn'
    ? { ...a, confirm: { belowConfidence: 0.5 }, say: { ...a.say, confirm: 'Should I turn {direction}?' } }
    : a,
);
const CONFIG = { declaredActions: ACTIONS, minConfidence: 0.2, notUnderstoodText: 'Sorry?' };

async function say(h: LiveHarness, text: string, confidence?: number) {
  await h.speechStart();
  await h.advance(600);
  await h.speechEnd();
  await h.sttFinal(text, confidence);
}

describe('an unsure command that would move the robot', () => {
  it('is asked about first, and goes out on a yes', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await say(h, 'turn left', 0.31);
    await h.llmToolCall('turn', { direction: 'left' });
    expect(requests(h)).toEqual([]);
    expect(h.state()).toMatch(/\+actions\.confirming$/);
    expect(h.context()).toMatchObject({ replyKind: 'say', sayText: 'Should I turn left?' });
    expect(noticeCodes(h)).toContain('action_confirming');
    for (let i = 0; i < 4 && h.activeTts().length > 0; i++) await h.ttsAudio(400, true);
    await h.advance(5_000);
    await say(h, 'yes', 0.6);
    expect(requests(h)).toMatchObject([{ name: 'turn', arguments: { direction: 'left' }, turnId: 'u1' }]);
    await h.end();
  });

  it('a yes a learned head spotted answers when the recognizer is unsure of the answer', async () => {
    const ask = async () => {
      const h = await createLiveHarness({ config: CONFIG });
      await say(h, 'turn left', 0.31);
      await h.llmToolCall('turn', { direction: 'left' });
      for (let i = 0; i < 4 && h.activeTts().length > 0; i++) await h.ttsAudio(400, true);
      await h.advance(5_000);
      await h.speechStart();
      return h;
    };
    const answer = async (h: LiveHarness, spotted: string[], confidence = 0.05) => {
      const turnId = h.context().userTurnId!;
      for (const phrase of spotted)
        await h.publish({ type: 'stt.keyword', sessionId: 'live', turnId, phrase, score: 0.9 });
      await h.advance(600);
      await h.speechEnd();
      await h.sttFinal('yes', confidence);
    };
    const learnedYes = await ask();
    await answer(learnedYes, ['yes']);
    expect(requests(learnedYes)).toMatchObject([{ name: 'turn', arguments: { direction: 'left' } }]);
    await learnedYes.end();
    // A learned no declines; so does "both" (neither counts) once the question times out; no spotting: re-prompted.
    for (const spotted of [['no'], ['yes', 'no'], []]) {
      const h = await ask();
      await answer(h, spotted);
      await h.advance(9_000);
      expect({ spotted, requests: requests(h) }).toEqual({ spotted, requests: [] });
      await h.end();
    }
    // A spotting for another utterance does not answer this one.
    const stale = await ask();
    await stale.publish({ type: 'stt.keyword', sessionId: 'live', turnId: 'u0', phrase: 'yes', score: 0.9 });
    await answer(stale, []);
    expect(requests(stale)).toEqual([]);
    await stale.end();
  });

  it('a no, or silence, never moves it', async () => {
    const no = await createLiveHarness({ config: CONFIG });
    await say(no, 'turn right', 0.25);
    await no.llmToolCall('turn', { direction: 'right' });
    await no.text('no');
    expect(requests(no)).toEqual([]);
    await no.end();

    const silent = await createLiveHarness({ config: CONFIG });
    await say(silent, 'turn right', 0.25);
    await silent.llmToolCall('turn', { direction: 'right' });
    await silent.advance(8_000);
    expect(requests(silent)).toEqual([]);
    expect(silent.state()).not.toMatch(/actions/);
    await silent.end();
  });

  it('a sure command, a typed one and one from an engine without a confidence go out at once', async () => {
    for (const [how, run] of [
      ['sure', (h: LiveHarness) => say(h, 'turn left', 0.5)],
      ['typed', (h: LiveHarness) => h.text('turn left')],
      ['no confidence', (h: LiveHarness) => say(h, 'turn left')],
    ] as const) {
      const h = await createLiveHarness({ config: CONFIG });
      await run(h);
      await h.llmToolCall('turn', { direction: 'left' });
      expect({ how, requests: requests(h).map((r) => r.name) }).toEqual({ how, requests: ['turn'] });
      await h.end();
    }
  });

  it(
    'a guessed reply committed by an unsure final asks too: the confidence comes with the final that ' + 'commits it',
    async () => {
      const h = await createLiveHarness({ config: { ...CONFIG, turn: { speculate: 'on' } } });
      await h.speechStart();
      await h.sttPartial('turn left');
      await h.pause();
      await h.advance(140);
      expect(h.messages.some((m) => m.type === 'session.notice' && m.code === 'speculation_started')).toBe(true);
      await h.speechEnd();
      await h.sttFinal('turn left', 0.3);
      expect(h.messages.some((m) => m.type === 'session.notice' && m.code === 'speculation_committed')).toBe(true);
      await h.llmToolCall('turn', { direction: 'left' });
      expect(requests(h)).toEqual([]);
      expect(h.state()).toMatch(/\+actions\.confirming$/);
      await h.end();
    },
  );

  it('the threshold is the action’s own: an action without one is not asked about, however unsure', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await say(h, 'go to the kitchen', 0.21);
    await h.llmToolCall('navigate', { place: 'kitchen' });
    expect(requests(h)).toMatchObject([{ name: 'navigate', arguments: { place: 'kitchen' } }]);
    await h.end();
  });

  it('a declaration with neither `when` nor `belowConfidence` is refused with how to fix it', async () => {
    await expect(createLiveHarness({ config: { declaredActions: [{ ...ACTIONS[0]!, confirm: {} }] } })).rejects.toThrow(
      /belowConfidence/,
    );
  });
});
