/**
 * The inspector's model: a recording stepped back shows each turn's figures only as far as they had come,
 * and the history says what happened to each cut reply — heard and not heard, still waiting for its
 * playback report, or cut by the session's end ("disconnected"), with the words heard when the report came
 * after the chart stopped.
 */
import { describe, expect, it } from 'vitest';
import type { StateValue } from 'xstate';
import { actionsByTurn, describeActionEvent, describeBus } from '../../web/inspect-actions.js';
import {
  describeTransition,
  eventLabel,
  flatten,
  heardHistory,
  replyTexts,
  storyEnded,
  turnsAt,
} from '../../web/inspect-model.js';
import type { HistoryEntry, StateValue as PageStateValue, Step, TurnFigures } from '../../web/inspect-hook.js';
import { stateValueToString } from '../../runtime/state-value.js';

const turn: TurnFigures = {
  id: 's#u1',
  turnId: 'u1',
  words: 'hello robot',
  heard: 'Hello!',
  from: 'voice_end',
  originAtMs: 5000,
  originWallMs: 1_000_000,
  endOfTurnMs: 300,
  transcriptMs: 330,
  firstTokenMs: 340,
  firstClauseMs: 345,
  firstAudioMs: 390,
  endMs: 1500,
  outcome: 'interrupted',
  reason: 'barge_in',
};
const step = (event: Record<string, unknown>): Step => ({
  atMs: 0,
  event: { type: 'x', ...event },
  value: '',
  status: 'active',
  transitions: [],
  history: [],
});
const cut: HistoryEntry = { role: 'assistant', turnId: 'u1', text: 'Hello!', interrupted: true, pending: false };

describe('inspector model', () => {
  it('shows a turn as it stood at a step: nothing before its origin, each figure once reached', () => {
    expect(turnsAt([turn], 999_999)).toEqual([]);
    const early = turnsAt([turn], 1_000_335)[0]!;
    expect(early).toMatchObject({ turnId: 'u1', endOfTurnMs: 300, transcriptMs: 330 });
    expect(early.firstTokenMs).toBeUndefined();
    expect(early.outcome).toBeUndefined();
    expect(turnsAt([turn], 1_000_400)[0]!.firstAudioMs).toBe(390);
    expect(turnsAt([turn], Infinity)[0]).toEqual(turn);
  });

  it('tells what of a cut reply was heard and what not, from its TTS actor’s text', () => {
    const texts = replyTexts([
      step({ type: 'tts.stopped', turnId: 'u1', texts: ['Hello!', 'What can I do for you?'] }),
    ]);
    const [shown] = heardHistory([cut], { texts, turns: [turn], ended: false });
    expect(shown).toMatchObject({
      text: 'Hello!',
      unheard: 'What can I do for you?',
      badge: 'interrupted: heard / not heard',
    });
  });

  it(
    'a reply still waiting for its playback report waits live, and is told as cut by the end once the ' +
      'session is over',
    () => {
      const pending: HistoryEntry = { ...cut, text: '', pending: true };
      const texts = replyTexts([
        step({ type: 'tts.stopped', turnId: 'u1', texts: ['Hello!', 'What can I do for you?'] }),
      ]);
      expect(heardHistory([pending], { texts, turns: [turn], ended: false })[0]!.badge).toBe(
        'interrupted — waiting for what was heard',
      );
      const [ended] = heardHistory([pending], { texts, turns: [turn], ended: true });
      expect(ended).toMatchObject({
        text: 'Hello!',
        unheard: 'What can I do for you?',
        badge: 'disconnected: cut when the session ended — heard / not heard',
      });
      const { heard: _heard, ...unheard } = turn;
      expect(heardHistory([pending], { texts, turns: [unheard], ended: true })[0]!.badge).toBe(
        'disconnected: cut when the session ended — nothing was heard',
      );
    },
  );

  it(
    'live, the story ends when the feed closes, not when the chart is final: what was heard of the cut ' +
      'reply comes in between',
    () => {
      expect(storyEnded({ live: true, chartStatus: 'done', feedClosed: false })).toBe(false);
      expect(storyEnded({ live: true, chartStatus: 'done', feedClosed: true })).toBe(true);
      expect(storyEnded({ live: false, chartStatus: 'done', feedClosed: false })).toBe(true);
      expect(storyEnded({ live: false, chartStatus: 'active', feedClosed: true })).toBe(false);
    },
  );

  it('names events and transitions as the log shows them', () => {
    expect(eventLabel('xstate.after.minInterruption.session.speaking.user.candidate')).toBe('after minInterruption');
    expect(eventLabel('')).toBe('joined');
    expect(
      describeTransition({
        key: 'session|control.end|0',
        source: 'session',
        targets: ['session.ended'],
        eventType: 'control.end',
      }),
    ).toBe('session → ended');
    expect(
      describeTransition({
        key: 'x',
        source: 'session.actions.requested',
        targets: ['session.actions.running'],
        eventType: 'action.accepted',
      }),
    ).toBe('actions.requested → actions.running');
    expect(
      describeTransition({
        key: 'x',
        source: 'session.dialog.idle',
        targets: ['session.dialog.processing'],
        eventType: 'user.text',
      }),
    ).toBe('idle → processing');
    expect(flatten({ dialog: { idle: 'waiting' }, actions: 'idle' })).toBe('idle.waiting');
    expect(flatten({ dialog: { speaking: { reply: 'playing', user: 'silent' } }, actions: 'running' })).toBe(
      'speaking.reply.playing+user.silent+actions.running',
    );
    // As the server flattens it: the activation region only while a wake or push gate is in use.
    const values: Array<StateValue & PageStateValue> = [
      { dialog: { idle: 'waiting' }, actions: 'idle', activation: 'ungated' },
      { dialog: { idle: 'waiting' }, actions: 'running', activation: { open: 'window' } },
      { dialog: { listening: 'hearing' }, actions: 'idle', activation: 'closed' },
    ];
    for (const value of values) expect(flatten(value)).toBe(stateValueToString(value));
    expect(flatten({ dialog: { idle: 'waiting' }, actions: 'running', activation: { open: 'window' } })).toBe(
      'idle.waiting+actions.running+activation.open.window',
    );
  });

  it('follows an action from its request to its result by the turn that asked, and tells the emergency stop', () => {
    const note = (message: Record<string, unknown>) => ({
      afterStep: 0,
      atMs: 0,
      message: { turnId: 'r1', actionId: 'a1', ...message } as never,
    });
    const notes = [
      note({ type: 'action.request', name: 'turn', arguments: { direction: 'left' } }),
      note({ type: 'action.accepted' }),
      note({ type: 'action.feedback', feedback: { degrees: 45 } }),
      note({ type: 'action.feedback', feedback: { degrees: 90 } }),
    ];
    expect(actionsByTurn([], notes).get('r1')).toEqual([
      {
        actionId: 'a1',
        turnId: 'r1',
        name: 'turn',
        status: 'running',
        feedback: 2,
        lastFeedback: 'degrees: 90',
        outcome: '',
      },
    ]);
    const done: HistoryEntry = {
      role: 'action',
      turnId: 'r1',
      text: '',
      interrupted: false,
      pending: false,
      action: {
        actionId: 'a1',
        callId: 'c1',
        name: 'turn',
        arguments: { direction: 'left' },
        status: 'succeeded',
        outcome: 'turned',
      },
    };
    expect(actionsByTurn([done], notes).get('r1')![0]).toMatchObject({
      status: 'succeeded',
      outcome: 'turned',
      feedback: 2,
    });
    expect(
      actionsByTurn([], [...notes, note({ type: 'action.cancel', reason: 'barge_in' })]).get('r1')![0],
    ).toMatchObject({
      status: 'cancelled',
      outcome: 'barge_in',
    });
    expect(
      describeBus({
        type: 'action.request',
        turnId: 'r1',
        actionId: 'a1',
        name: 'turn',
        arguments: { direction: 'left' },
      }),
    ).toEqual({
      kind: 'action',
      icon: '⚙',
      text: 'requested turn(direction: left) · a1',
    });
    expect(describeBus({ type: 'session.notice', turnId: '-', code: 'estop', detail: 'client' })).toMatchObject({
      kind: 'estop',
      icon: '⚠',
    });
    expect(describeBus({ type: 'session.notice', turnId: '-', code: 'no_input', detail: '' })).toBeNull();
    expect(describeActionEvent({ type: 'control.estop', source: 'phrase', phrase: 'stop' })).toMatchObject({
      kind: 'estop',
      text: 'EMERGENCY STOP (phrase: “stop”)',
    });
  });
});
