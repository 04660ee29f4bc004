/**
 * What keeps a robot safe, on a live session: confirmation before a dangerous action (yes sends it; no,
 * anything else or silence does not), cancellation by barge-in, STOP and a newer command, and the
 * emergency stop — a stop phrase in a partial transcript, in any state — that never waits.
 */
import { describe, expect, it } from 'vitest';
import { answer, cancels, noticeCodes, requests, TEST_ACTIONS } from '../support/actions.js';
import { createLiveHarness, type LiveHarness } from '../support/live-session.js';

const CONFIG = { declaredActions: TEST_ACTIONS };

async function askForTheDoor(h: LiveHarness) {
  await h.text('go to the door');
  await h.llmToolCall('navigate', { place: 'door' });
  expect(requests(h)).toEqual([]);
  expect(h.state()).toMatch(/\+actions\.confirming$/);
  expect(h.context()).toMatchObject({ replyKind: 'say', sayText: 'Should I navigate door? Say yes or no.' });
}

/** Speaks the reply in progress to its end, so the dialog is free. */
async function finishReply(h: LiveHarness) {
  for (let i = 0; i < 4 && h.activeTts().length > 0; i++) await h.ttsAudio(400, true);
  await h.advance(5_000);
}

describe('actions: confirmation', () => {
  it('a spoken yes sends the action; a no, or anything else, does not', async () => {
    const yes = await createLiveHarness({ config: CONFIG });
    await askForTheDoor(yes);
    await finishReply(yes);
    await yes.speechStart();
    await yes.speechEnd();
    await yes.sttFinal('Yes.');
    expect(requests(yes)).toMatchObject([{ name: 'navigate', arguments: { place: 'door' } }]);
    expect(yes.context()).toMatchObject({ replyKind: 'say', sayText: 'Okay.' });
    expect(yes.llm.requests).toHaveLength(1);
    await yes.end();

    const no = await createLiveHarness({ config: CONFIG });
    await askForTheDoor(no);
    await no.text('no');
    expect(requests(no)).toEqual([]);
    expect(no.context()).toMatchObject({ sayText: 'Cancelled.' });
    expect(no.state()).not.toMatch(/actions/);
    await no.end();

    const other = await createLiveHarness({ config: CONFIG });
    await askForTheDoor(other);
    await other.text('what time is it');
    expect(requests(other)).toEqual([]);
    expect(other.context()).toMatchObject({ replyKind: 'llm', replyTurnId: 't2' });
    expect(other.context().history.find((e) => e.role === 'action')?.action).toMatchObject({
      status: 'cancelled',
      outcome: 'declined',
    });
    await other.end();
  });

  it('silence past the confirmation timeout declines, and says so', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await askForTheDoor(h);
    await h.advance(8_000);
    expect(requests(h)).toEqual([]);
    expect(h.context()).toMatchObject({ replyKind: 'say', sayText: 'Cancelled.' });
    expect(noticeCodes(h)).toContain('action_ended');
    await h.end();
  });
});

describe('actions: cancellation', () => {
  async function running(h: LiveHarness, name = 'turn', args: Record<string, unknown> = { direction: 'left' }) {
    await h.text(`${name} now`);
    await h.llmToolCall(name, args);
    await answer(h, 'action.accepted');
    expect(h.state()).toMatch(/\+actions\.running$/);
  }

  it('a barge-in cancels an action that says so; one that does not keeps running', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await running(h);
    await h.llmToken(' Turning left, and then I will tell you all about it.');
    await h.ttsAudio(3_000, false);
    await h.advance(100);
    await h.speechStart();
    await h.advance(500);
    expect(cancels(h)).toMatchObject([{ actionId: 'a1', reason: 'barge_in' }]);
    expect(h.state()).not.toMatch(/actions/);
    await h.end();

    const kept = await createLiveHarness({ config: CONFIG });
    await running(kept, 'navigate', { place: 'kitchen' });
    await kept.llmToken(' On my way to the kitchen, it is a long drive.');
    await kept.ttsAudio(3_000, false);
    await kept.advance(100);
    await kept.speechStart();
    await kept.advance(500);
    expect(kept.state()).toMatch(/^listening.*\+actions\.running$/);
    expect(cancels(kept)).toEqual([]);
    await kept.end();
  });

  it('STOP cancels it; a newer command replaces it; END cancels what runs', async () => {
    const stop = await createLiveHarness({ config: CONFIG });
    await running(stop);
    await stop.stop();
    expect(cancels(stop)).toMatchObject([{ reason: 'stop' }]);
    await stop.end();

    const newer = await createLiveHarness({ config: CONFIG });
    await running(newer);
    await newer.llmToolCall('turn', { direction: 'right' }, 'call-2');
    expect(cancels(newer)).toMatchObject([{ actionId: 'a1', reason: 'new_command' }]);
    expect(requests(newer).map((r) => [r.actionId, r.arguments])).toEqual([
      ['a1', { direction: 'left' }],
      ['a2', { direction: 'right' }],
    ]);
    // A late result of the replaced action is not the new one's.
    await newer.publish({ type: 'action.result', sessionId: 'live', turnId: 't1', actionId: 'a1', result: 'late' });
    expect(newer.state()).toMatch(/\+actions\.requested$/);
    await newer.end();

    const end = await createLiveHarness({ config: CONFIG });
    await running(end, 'navigate', { place: 'kitchen' });
    await end.end();
    expect(cancels(end)).toMatchObject([{ reason: 'end' }]);
  });
});

describe('emergency stop', () => {
  it(
    '"stop" at the end of a partial transcript over a reply: reply cut, action cancelled, stop sent, ' + 'at once',
    async () => {
      const h = await createLiveHarness({ config: CONFIG });
      await h.text('go to the kitchen');
      await h.llmToolCall('navigate', { place: 'kitchen' });
      await answer(h, 'action.accepted');
      await h.llmToken(' On my way to the kitchen, it is a long drive through the hall.');
      await h.ttsAudio(3_000, false);
      await h.advance(100);
      await h.speechStart();
      // Under the 500 ms barge-in minimum, and no confidence at all: the stop does not wait for either.
      await h.sttPartial('please stop');
      expect(h.state()).toMatch(/^idle/);
      expect(cancels(h)).toMatchObject([{ actionId: 'a1', reason: 'estop' }]);
      expect(requests(h).at(-1)).toMatchObject({ name: 'stop', actionId: 'a2' });
      expect(noticeCodes(h)).toEqual(expect.arrayContaining(['reply_cancelled', 'estop']));
      expect(h.messages.find((m) => m.type === 'session.notice' && m.code === 'reply_cancelled')).toMatchObject({
        detail: 'estop',
      });
      // The utterance that said stop is not answered.
      await h.speechEnd();
      await h.sttFinal('please stop');
      expect(h.llm.requests).toHaveLength(1);
      h.checkInvariants();
      await h.end();
    },
  );

  it('a client e-stop while idle sends stop; a phrase inside a sentence is no stop', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    h.session.estop();
    await h.settle();
    expect(requests(h)).toMatchObject([{ name: 'stop' }]);
    await h.speechStart();
    await h.sttPartial('stop the music');
    expect(noticeCodes(h).filter((c) => c === 'estop')).toHaveLength(1);
    await h.end();
  });

  it(
    'a stop phrase the STT is not sure of yet stops when the next partial still holds it ' + '(session.estop)',
    async () => {
      const h = await createLiveHarness({ config: CONFIG });
      await h.speechStart();
      await h.sttPartial('stop', 0.05);
      await h.sttPartial('stop', 0.3);
      expect(noticeCodes(h)).not.toContain('estop');
      await h.sttPartial('stop', 0.3);
      expect(noticeCodes(h).filter((c) => c === 'estop')).toHaveLength(1);
      expect(requests(h)).toMatchObject([{ name: 'stop' }]);
      await h.end();
    },
  );
});
