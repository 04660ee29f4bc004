/**
 * The actions region on a live session (host, chart, actors, bus, controlled fakes, simulated clock):
 * a tool call becomes an `action.request` only when declared and valid; the executor's answers move it
 * through accepted, running and result; what it came to is spoken once the dialog is free.
 */
import { describe, expect, it } from 'vitest';
import { actionMessages, answer, noticeCodes, requests, TEST_ACTIONS } from '../support/actions.js';
import { createLiveHarness } from '../support/live-session.js';

const CONFIG = { declaredActions: TEST_ACTIONS };

describe('actions: lifecycle', () => {
  it('a declared call is requested, accepted, run and answered; the template is spoken after the reply', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await h.text('turn left');
    expect(h.llm.requests[0]!.tools?.map((t) => t.name)).toEqual(['turn', 'navigate', 'stop']);
    await h.llmToolCall('turn', { direction: 'left' });
    expect(requests(h)).toMatchObject([
      {
        actionId: 'a1',
        turnId: 't1',
        name: 'turn',
        arguments: { direction: 'left' },
        runsOn: 'controller',
        timeoutMs: 5_000,
      },
    ]);
    expect(h.matches({ actions: 'requested' })).toBe(true);
    await answer(h, 'action.accepted');
    expect([h.matches({ actions: 'requested' }), h.matches({ actions: 'running' })]).toEqual([false, true]);
    await answer(h, 'action.result', { result: { heading: 90 } });
    expect(h.matches({ actions: 'idle' })).toBe(true);
    const entry = h.context().history.find((e) => e.role === 'action');
    expect(entry?.action).toMatchObject({ actionId: 'a1', status: 'succeeded', outcome: '{"heading":90}' });
    // The reply is still being made: the follow-up waits for the dialog to be free.
    expect(h.context().pendingFollowUp).toEqual({ text: 'Turned left.' });
    await h.llmToken(' Turning left.');
    await h.llmFinish();
    await h.ttsAudio(400, true);
    await h.advanceUntilChange(5_000);
    expect(h.context()).toMatchObject({ replyTurnId: 'f1', replyKind: 'say', sayText: 'Turned left.' });
    h.checkInvariants();
    await h.end();
  });

  it('an undeclared tool or invalid arguments never leave the agent: refused, said and recorded', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await h.text('blow up');
    await h.llmToolCall('self_destruct', {});
    expect(requests(h)).toEqual([]);
    expect(noticeCodes(h)).toContain('action_refused');
    expect(h.context()).toMatchObject({ replyTurnId: 'f1', replyKind: 'say', sayText: "Sorry, I can't do that." });
    expect(h.context().history.find((e) => e.role === 'action')?.action).toMatchObject({
      name: 'self_destruct',
      status: 'refused',
    });

    await h.text('turn up');
    await h.llmToolCall('turn', { direction: 'up' });
    await h.text('turn');
    await h.llmToolCall('turn', '{not json');
    expect(requests(h)).toEqual([]);
    expect(
      h.messages.flatMap((m) => (m.type === 'session.notice' && m.code === 'action_refused' ? [m.reason] : [])),
    ).toEqual(['unknown_action', 'invalid_arguments', 'invalid_arguments']);
    await h.end();
  });

  it(
    'without a template the LLM speaks the outcome from the history: the call and its result as tool ' + 'messages',
    async () => {
      const h = await createLiveHarness({ config: CONFIG });
      await h.text('go to the kitchen');
      await h.llmToolCall('navigate', { place: 'kitchen' }, 'call_7');
      await h.llmFinish();
      await answer(h, 'action.accepted');
      await answer(h, 'action.failed', { error: 'blocked by a chair' });
      await h.advanceUntilChange(5_000);
      expect(h.context()).toMatchObject({ replyTurnId: 'f1', replyKind: 'llm' });
      const messages = h.llm.requests.at(-1)!.messages;
      expect(messages.slice(-2)).toEqual([
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_7', name: 'navigate', arguments: '{"place":"kitchen"}' }],
        },
        { role: 'tool', toolCallId: 'call_7', content: '{"status":"failed","outcome":"blocked by a chair"}' },
      ]);
      expect(noticeCodes(h)).toContain('action_ended');
      await h.end();
    },
  );

  it('an executor that never answers, or an action past its timeout, is cancelled and failed', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await h.text('turn left');
    await h.llmToolCall('turn', { direction: 'left' });
    await h.advance(2_000);
    expect(actionMessages(h).map((m) => m.type)).toEqual(['action.request', 'action.cancel']);
    expect(h.context().history.find((e) => e.role === 'action')?.action?.outcome).toMatch(
      /no executor accepted it within 2000 ms/,
    );

    await h.text('turn right');
    await h.llmToolCall('turn', { direction: 'right' });
    await answer(h, 'action.accepted');
    await h.advance(5_000);
    expect(actionMessages(h).at(-1)).toMatchObject({ type: 'action.cancel', actionId: 'a2', reason: 'timeout' });
    expect(h.state()).not.toMatch(/actions/);
    await h.end();
  });

  it(
    'a client tool is offered to the LLM, its call goes to the client, and its result waits for the ' + 'client to ask',
    async () => {
      const h = await createLiveHarness({ config: CONFIG });
      const wave = { name: 'wave', description: 'Wave a hand.', parameters: { type: 'object', properties: {} } };
      await h.publish({
        type: 'control.configure',
        sessionId: 'live',
        turnId: '-',
        clientTools: [wave],
        toolChoice: 'auto',
      });
      await h.text('wave');
      expect(h.llm.requests[0]).toMatchObject({ toolChoice: 'auto' });
      expect(h.llm.requests[0]!.tools?.map((t) => t.name)).toEqual(['turn', 'navigate', 'stop', 'wave']);
      await h.llmToolCall('wave', {});
      await h.llmFinish();
      expect(requests(h)).toMatchObject([{ name: 'wave', runsOn: 'client' }]);
      await answer(h, 'action.accepted');
      await answer(h, 'action.result', { result: 'waved' });
      await h.advanceUntilChange(5_000);
      expect(h.context().replyTurnId).toBeNull();
      await h.publish({ type: 'control.respond', sessionId: 'live', turnId: '-' });
      expect(h.context()).toMatchObject({ replyTurnId: 'f1', replyKind: 'llm' });
      expect(h.llm.requests.at(-1)!.messages.at(-1)).toMatchObject({
        role: 'tool',
        content: '{"status":"succeeded","outcome":"waved"}',
      });
      await h.end();
    },
  );
});
