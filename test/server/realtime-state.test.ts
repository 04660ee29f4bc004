/**
 * The Realtime connection's own state, on its own (no socket, no session): the conversation reducer
 * (pending texts, awaited replies, guessed words, the client's function calls and their outputs), the
 * audio budget and the session settings.
 */
import { describe, expect, it } from 'vitest';
import type { MessageOf } from '../../bus/messages.js';
import {
  appendAudio,
  AUDIO_BURST_SECONDS,
  bufferEmptied,
  initialInputAudio,
} from '../../server/realtime/audio-budget.js';
import {
  INITIAL_CONVERSATION,
  MAX_PENDING_TEXTS,
  reduce,
  type ConversationInput,
  type ConversationState,
} from '../../server/realtime/conversation.js';
import { NO_SPEECH_HELD, stepFloor, type FloorInput } from '../../server/realtime/floor.js';
import { applySessionUpdate, INITIAL_SETTINGS, sessionObject } from '../../server/realtime/session-settings.js';
import { checkServerEvent } from '../../server/realtime/server-events.js';

/** Applies inputs in order; returns the last state and every effect. */
function run(inputs: ConversationInput[], from: ConversationState = INITIAL_CONVERSATION) {
  let state = from;
  const effects = [];
  for (const input of inputs) {
    const step = reduce(state, input);
    state = step.state;
    effects.push(...step.effects.filter((e) => e.type !== 'expect_response'));
  }
  return { state, effects };
}
const request = (over: Partial<MessageOf<'action.request'>> = {}): MessageOf<'action.request'> => ({
  type: 'action.request',
  sessionId: 's1',
  turnId: 'u1',
  atMs: 0,
  actionId: 'a1',
  name: 'navigate',
  arguments: { place: 'kitchen' },
  callId: 'call_1',
  runsOn: 'client',
  timeoutMs: 30_000,
  ...over,
});
/** A `response.create` reduced, without the `expect_response` every answered one begins with (tested on its own). */
const answer = (state: ConversationState, input: ConversationInput) => {
  const step = reduce(state, input);
  return { ...step, effects: step.effects.filter((e) => e.type !== 'expect_response') };
};
const eventsOf = (effects: ReturnType<typeof run>['effects']) =>
  effects.flatMap((e) => (e.type === 'event' ? [e.event] : []));

describe('conversation reducer', () => {
  it(
    'typed messages wait for response.create, each an item to add (where the client said), then go as one ' + 'turn',
    () => {
      const { state, effects } = run([
        { type: 'user_text', text: 'go to' },
        { type: 'user_text', id: 'mine', text: 'the kitchen' },
      ]);
      expect(effects.map((e) => (e.type === 'add_item' ? [e.item.id, e.after, e.done] : e.type))).toEqual([
        ['item_c1', undefined, true],
        ['mine', undefined, true],
      ]);
      const answered = answer(state, { type: 'response_create', responseActive: false });
      expect(answered.effects).toEqual([{ type: 'send_text', text: 'go to\nthe kitchen' }]);
      expect(answered.state.pendingTexts).toEqual([]);
      for (const e of effects)
        if (e.type === 'add_item')
          expect(
            checkServerEvent({ type: 'conversation.item.added', previous_item_id: null, item: e.item, event_id: 'x' }),
          ).toBeUndefined();
    },
  );

  it(
    "response.create: its metadata goes to the response that answers it, an error's nowhere; instructions " +
      'alone ask for a reply',
    () => {
      const metadata = { client_event_id: 'e1' };
      expect(
        reduce(INITIAL_CONVERSATION, { type: 'response_create', responseActive: false, request: { metadata } }).effects,
      ).toEqual([
        { type: 'expect_response', metadata, outOfBand: false },
        { type: 'empty_response', key: 'r1' },
      ]);
      expect(
        reduce(INITIAL_CONVERSATION, { type: 'response_create', responseActive: true, request: { metadata } }).effects,
      ).toEqual([expect.objectContaining({ type: 'error', code: 'conversation_already_has_active_response' })]);
      expect(
        reduce(INITIAL_CONVERSATION, {
          type: 'response_create',
          responseActive: false,
          request: { instructions: 'Greet the user.' },
        }).effects,
      ).toEqual([
        { type: 'expect_response', metadata: null, outOfBand: false },
        { type: 'respond', instructions: 'Greet the user.' },
      ]);
    },
  );

  it(
    'response.create asking for a reply from the history while the user speaks is refused, its metadata ' +
      'given to no response',
    () => {
      const metadata = { client_event_id: 'e2' };
      for (const request of [
        { instructions: 'Greet the user.', metadata },
        { conversation: 'none' as const, metadata },
      ]) {
        expect(
          reduce(INITIAL_CONVERSATION, { type: 'response_create', responseActive: false, dialogIdle: false, request })
            .effects,
        ).toEqual([expect.objectContaining({ type: 'error', code: 'conversation_busy' })]);
      }
      // A typed message still goes in: typed text replaces an utterance being heard, as it always did.
      const { state } = run([{ type: 'user_text', text: 'turn left' }]);
      expect(reduce(state, { type: 'response_create', responseActive: false, dialogIdle: false }).effects).toEqual([
        { type: 'expect_response', metadata: null, outOfBand: false },
        { type: 'send_text', text: 'turn left' },
      ]);
    },
  );

  it(
    'response.create with conversation "none": a reply kept out of the conversation; messages waiting stay ' +
      'waiting',
    () => {
      const { state } = run([{ type: 'user_text', text: 'go to the kitchen' }]);
      const request = {
        conversation: 'none' as const,
        instructions: 'Classify the request.',
        metadata: { purpose: 'topic' },
      };
      const step = reduce(state, { type: 'response_create', responseActive: false, request });
      expect(step.effects).toEqual([
        { type: 'expect_response', metadata: { purpose: 'topic' }, outOfBand: true },
        { type: 'respond', instructions: 'Classify the request.', outOfBand: true },
      ]);
      // The typed message is still the next default response's input.
      expect(answer(step.state, { type: 'response_create', responseActive: false }).effects).toEqual([
        { type: 'send_text', text: 'go to the kitchen' },
      ]);
      expect(reduce(state, { type: 'response_create', responseActive: true, request }).effects).toEqual([
        expect.objectContaining({ type: 'error', code: 'conversation_already_has_active_response' }),
      ]);
    },
  );

  it(`refuses a message past ${MAX_PENDING_TEXTS} pending`, () => {
    const { state } = run(
      Array.from({ length: MAX_PENDING_TEXTS }, () => ({ type: 'user_text' as const, text: 'hi' })),
    );
    expect(reduce(state, { type: 'user_text', text: 'one more' }).effects).toEqual([
      expect.objectContaining({ type: 'error', code: 'too_many_pending_items' }),
    ]);
  });

  it(
    'response.create: a no-op while a committed voice turn waits, an error during a response, else an empty ' +
      'response',
    () => {
      const committed = run([{ type: 'voice_committed', turnId: 'u1' }]).state;
      expect(answer(committed, { type: 'response_create', responseActive: false }).effects).toEqual([]);
      const answered = run([{ type: 'user_entry', turnId: 'u1', replyTurnId: 'u1' }], committed);
      expect(answered.effects).toEqual([{ type: 'start_response', turnId: 'u1' }]);
      expect(answer(answered.state, { type: 'response_create', responseActive: true }).effects).toEqual([
        expect.objectContaining({ code: 'conversation_already_has_active_response' }),
      ]);
      const empty = run(
        [
          { type: 'response_create', responseActive: false },
          { type: 'response_create', responseActive: false },
        ],
        answered.state,
      );
      expect(empty.effects).toEqual([
        { type: 'empty_response', key: 'r1' },
        { type: 'empty_response', key: 'r2' },
      ]);
    },
  );

  it("a guessed reply's words are held until its user entry commits it, and dropped when discarded", () => {
    const { effects } = run([
      { type: 'guess_started', turnId: 'u2' },
      { type: 'token', turnId: 'u2', text: 'Hel' },
      { type: 'token', turnId: 'u2', text: 'lo' },
      { type: 'user_entry', turnId: 'u2', replyTurnId: 'u2' },
      { type: 'token', turnId: 'u2', text: '!' },
      { type: 'guess_started', turnId: 'u3' },
      { type: 'token', turnId: 'u3', text: 'never' },
      { type: 'guess_discarded', turnId: 'u3' },
    ]);
    expect(effects).toEqual([
      { type: 'start_response', turnId: 'u2' },
      { type: 'token', turnId: 'u2', text: 'Hel' },
      { type: 'token', turnId: 'u2', text: 'lo' },
      { type: 'token', turnId: 'u2', text: '!' },
    ]);
  });

  it(
    'a client action streams as a function call; its output becomes the result, and the next ' +
      'response.create answers from it',
    () => {
      const asked = run([{ type: 'action', message: request() }]);
      expect(asked.effects).toEqual([
        {
          type: 'event',
          event: expect.objectContaining({
            type: 'voice_agent.action',
            action_id: 'a1',
            status: 'requested',
            call_id: 'call_1',
          }),
        },
        {
          type: 'stream_call',
          turnId: 'u1',
          actionId: 'a1',
          callId: 'call_1',
          name: 'navigate',
          arguments: '{"place":"kitchen"}',
        },
      ]);
      const answered = run([{ type: 'function_output', callId: 'call_1', output: 'arrived' }], asked.state);
      expect(answered.effects.map((e) => e.type)).toEqual(['add_item', 'action_result']);
      expect(answered.effects[1]).toEqual({ type: 'action_result', turnId: 'u1', actionId: 'a1', output: 'arrived' });
      expect(answer(answered.state, { type: 'response_create', responseActive: false }).effects).toEqual([
        { type: 'respond' },
      ]);
      // A second output for the same call, and an output for a call never sent: errors naming it.
      expect(reduce(answered.state, { type: 'function_output', callId: 'call_1', output: 'again' }).effects).toEqual([
        expect.objectContaining({ code: 'invalid_call_id', message: expect.stringContaining('"call_1"') }),
      ]);
      expect(reduce(answered.state, { type: 'function_output', callId: 'call_x', output: '?' }).effects).toEqual([
        expect.objectContaining({
          code: 'invalid_call_id',
          param: 'item.call_id',
          message: expect.stringContaining('"call_x"'),
        }),
      ]);
    },
  );

  it('response.create after an output while the reply still plays: answered when the last response ends', () => {
    const answered = run([
      { type: 'action', message: request() },
      { type: 'function_output', callId: 'call_1', output: 'arrived' },
    ]);
    const deferred = answer(answered.state, { type: 'response_create', responseActive: true });
    expect(deferred.effects).toEqual([]);
    expect(reduce(deferred.state, { type: 'responses_idle' }).effects).toEqual([{ type: 'respond' }]);
    expect(run([{ type: 'responses_idle' }, { type: 'responses_idle' }], deferred.state).effects).toEqual([
      { type: 'respond' },
    ]);
  });

  it(
    "actions other clients run are followed (lifecycle events) but never streamed; a cancelled call's " +
      'output is refused',
    () => {
      const { effects, state } = run([
        { type: 'action', message: request({ actionId: 'a2', callId: 'c2', runsOn: 'controller' }) },
        {
          type: 'action',
          message: { type: 'action.accepted', sessionId: 's1', turnId: 'u1', atMs: 1, actionId: 'a2' },
        },
        {
          type: 'action',
          message: {
            type: 'action.feedback',
            sessionId: 's1',
            turnId: 'u1',
            atMs: 2,
            actionId: 'a2',
            feedback: { metres: 1 },
          },
        },
        {
          type: 'action',
          message: {
            type: 'action.cancel',
            sessionId: 's1',
            turnId: 'u1',
            atMs: 3,
            actionId: 'a2',
            reason: 'barge_in',
          },
        },
        {
          type: 'action',
          message: { type: 'action.cancelled', sessionId: 's1', turnId: 'u1', atMs: 4, actionId: 'a2' },
        },
        {
          type: 'action',
          message: { type: 'action.result', sessionId: 's1', turnId: 'u1', atMs: 5, actionId: 'a9', result: 1 },
        },
      ]);
      expect(effects.some((e) => e.type === 'stream_call')).toBe(false);
      expect(
        eventsOf(effects).map((e) => (e.type === 'voice_agent.action' ? [e.status, e.detail, e.call_id] : e.type)),
      ).toEqual([
        ['requested', { place: 'kitchen' }, null],
        ['accepted', null, null],
        ['feedback', { metres: 1 }, null],
        ['cancelled', 'barge_in', null],
      ]);
      const client = run(
        [
          { type: 'action', message: request({ actionId: 'a3', callId: 'c3' }) },
          {
            type: 'action',
            message: { type: 'action.cancel', sessionId: 's1', turnId: 'u1', atMs: 1, actionId: 'a3', reason: 'estop' },
          },
        ],
        state,
      );
      expect(client.effects.at(-1)).toEqual({ type: 'ack_cancel', turnId: 'u1', actionId: 'a3' });
      expect(reduce(client.state, { type: 'function_output', callId: 'c3', output: 'done' }).effects).toEqual([
        expect.objectContaining({ code: 'invalid_call_id', message: expect.stringContaining('cancelled') }),
      ]);
    },
  );
});

describe('audio budget', () => {
  it('takes audio up to the burst, refills at the allowed rate, and reports a flood once', () => {
    let state = initialInputAudio(0);
    const take = (nowMs: number, seconds: number) => {
      const taken = appendAudio(state, { nowMs, bytes: seconds * 48_000, seconds, maxAudioSecondsPerSecond: 2 });
      state = taken.state;
      return taken.verdict;
    };
    expect(take(0, AUDIO_BURST_SECONDS)).toBe('accepted');
    expect(take(0, 1)).toBe('dropped_first');
    expect(take(100, 1)).toBe('dropped');
    expect(take(500, 1)).toBe('accepted'); // 0.5 s × 2 refilled
    expect(take(500, 1)).toBe('dropped_first');
    expect(state.appendedMs).toBe((AUDIO_BURST_SECONDS + 1) * 1000);
    expect(state.sinceCommitBytes).toBe((AUDIO_BURST_SECONDS + 1) * 48_000);
    expect(bufferEmptied(state).sinceCommitBytes).toBe(0);
  });
});

describe('session settings', () => {
  it('applies a session.update: what the session must hear about, and the session object clients see', () => {
    const applied = applySessionUpdate(INITIAL_SETTINGS, {
      instructions: 'You are a robot.',
      audio: { input: { turn_detection: null }, output: { format: { type: 'audio/pcmu' } } },
      tools: [
        {
          type: 'function',
          name: 'navigate',
          description: 'Drive somewhere',
          parameters: { type: 'object', properties: { place: { type: 'string' } } },
        },
      ],
      tool_choice: 'required',
    });
    expect(applied.configure).toEqual({
      systemPrompt: 'You are a robot.',
      turnDetection: { mode: 'manual' },
      clientTools: [
        {
          name: 'navigate',
          description: 'Drive somewhere',
          parameters: { type: 'object', properties: { place: { type: 'string' } } },
        },
      ],
      toolChoice: 'required',
    });
    expect(applied.outputFormatChanged).toBe(true);
    const session = sessionObject('s1', applied.settings);
    expect(session.tools.map((t) => t.name)).toEqual(['navigate']);
    expect(session.audio.input.turn_detection).toBeNull();
    expect(checkServerEvent({ type: 'session.updated', event_id: 'e', session })).toBeUndefined();
    // Nothing for the session to change: no control.configure at all.
    expect(applySessionUpdate(applied.settings, { voice_agent: { lip_sync: true } }).configure).toBeUndefined();
  });
});

describe('the floor: speech over a reply is told when the chart cuts the reply for it', () => {
  const started = (turnId: string) => ({
    type: 'input_audio_buffer.speech_started' as const,
    audio_start_ms: 0,
    item_id: `item_${turnId}`,
  });
  const stopped = (turnId: string) => ({
    type: 'input_audio_buffer.speech_stopped' as const,
    audio_end_ms: 0,
    item_id: `item_${turnId}`,
  });
  const steps = (inputs: FloorInput[]) => {
    let state = NO_SPEECH_HELD;
    return inputs.flatMap((input) => {
      const step = stepFloor(state, input);
      state = step.state;
      return step.release.map((r) => (r.type === 'event' ? r.event.type : `commit ${r.turnId}`));
    });
  };
  it(
    'at once with no reply; held over one until the cut, its end too; forgotten when dropped, its late end ' +
      'with it',
    () => {
      expect(steps([{ type: 'speech_start', turnId: 'u1', replyInProgress: false, started: started('u1') }])).toEqual([
        'input_audio_buffer.speech_started',
      ]);
      expect(
        steps([
          { type: 'speech_start', turnId: 'u2', replyInProgress: true, started: started('u2') },
          { type: 'speech_end', turnId: 'u2', stopped: stopped('u2') },
          { type: 'floor_taken' },
        ]),
      ).toEqual(['input_audio_buffer.speech_started', 'input_audio_buffer.speech_stopped', 'commit u2']);
      expect(
        steps([
          { type: 'speech_start', turnId: 'u3', replyInProgress: true, started: started('u3') },
          { type: 'utterance_dropped', turnId: 'u3' },
          { type: 'speech_end', turnId: 'u3', stopped: stopped('u3') },
          { type: 'floor_taken' },
        ]),
      ).toEqual([]);
    },
  );
});
