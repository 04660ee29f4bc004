/**
 * The Realtime conversation's own state as a pure reducer: typed user messages waiting for `response.create`, voice
 * turns committed but not answered yet, the words of guessed replies held until the guess is committed, and the
 * session's actions — above all the function calls the client runs, waiting for its `function_call_output`.
 * `reduce(state, input)` returns the next state and the effects the connection carries out (items to place in the
 * conversation, events to send, errors, bus messages); it never does I/O, so it is tested on its own
 * (test/server/realtime-conversation.test.ts).
 *
 * @example
 * ```ts
 * let state = INITIAL_CONVERSATION;
 * const step = reduce(state, { type: 'user_text', text: 'go to the kitchen' });
 * state = step.state; // step.effects: the user message as an item to add (conversation.item.added and .done)
 * reduce(state, { type: 'response_create', responseActive: false }).effects;
 * // [{ type: 'expect_response', metadata: null, outOfBand: false }, { type: 'send_text', text: 'go to the kitchen' }]
 * ```
 */
import type { ActionRunner } from '../../bus/messages.js';
import { actionStatusOf, isFinalStatus, type ActionMessage } from './action-events.js';
import type { ResponseRequest } from './protocol.js';
import type { ServerEvent, ServerEventOf } from './server-events.js';

/** Why 32: messages waiting for response.create are per-connection memory; a real client sends one or two. */
export const MAX_PENDING_TEXTS = 32;
/** Why 64: a session runs one action at a time; older entries only name late messages, and are dropped. */
const REMEMBERED_ACTIONS = 64;

export interface TrackedAction {
  readonly actionId: string;
  readonly name: string;
  readonly turnId: string;
  readonly callId: string;
  readonly runsOn: ActionRunner;
  /** `open`: no outcome yet; `answered`: the client sent its output; `ended`: an outcome or cancel arrived. */
  readonly phase: 'open' | 'answered' | 'ended';
}

export interface ConversationState {
  readonly pendingTexts: ReadonlyArray<{ readonly id: string; readonly text: string }>;
  /** Voice turns committed whose reply has not started yet (response.create is then a no-op). */
  readonly awaitingReply: readonly string[];
  /** Tokens of guessed replies not yet committed, by turn. */
  readonly guessed: Readonly<Record<string, readonly string[]>>;
  /** Items the client created without an id: `item_c<n>`. */
  readonly createdItems: number;
  readonly emptyResponses: number;
  readonly actions: readonly TrackedAction[];
  /** Function outputs the client sent since its last `response.create`: the next one is answered from them. */
  readonly outputsToAnswer: number;
  /** A `response.create` after function outputs came while a reply was still playing: answered when it ends. */
  readonly respondWhenIdle: boolean;
}

export const INITIAL_CONVERSATION: ConversationState = {
  pendingTexts: [],
  awaitingReply: [],
  guessed: {},
  createdItems: 0,
  emptyResponses: 0,
  actions: [],
  outputsToAnswer: 0,
  respondWhenIdle: false,
};

export type ConversationInput =
  /** `after`: the client's `previous_item_id` (`undefined`: at the end). */
  | { type: 'user_text'; id?: string | undefined; text: string; after?: string | null | undefined }
  | {
      type: 'function_output';
      id?: string | undefined;
      callId: string;
      output: string;
      after?: string | null | undefined;
    }
  /** `dialogIdle`: the chart is idle, so a reply from the history can start (absent: idle). */
  | { type: 'response_create'; responseActive: boolean; dialogIdle?: boolean; request?: ResponseRequest | undefined }
  /** The last open response ended. */
  | { type: 'responses_idle' }
  /** The VAD ended a user utterance (or the client committed it). */
  | { type: 'voice_committed'; turnId: string }
  /** The chart took the user's words into the history: its reply starts. */
  | { type: 'user_entry'; turnId: string; replyTurnId: string }
  | { type: 'utterance_dropped'; turnId: string }
  | { type: 'guess_started'; turnId: string }
  | { type: 'guess_discarded'; turnId: string }
  | { type: 'token'; turnId: string; text: string }
  | { type: 'action'; message: ActionMessage };

export type ConversationEffect =
  | { type: 'event'; event: ServerEvent }
  /**
   * An item enters the conversation after `after` (`undefined`: at the end): `conversation.item.added`,
   * and `.done` when it is complete already; a voice item is announced by `input_audio_buffer.committed` first.
   */
  | { type: 'add_item'; item: Item; after?: string | null | undefined; done: boolean; committed?: boolean }
  | { type: 'error'; code: string; message: string; param: string | null }
  /** The pending user text, as one typed turn. */
  | { type: 'send_text'; text: string }
  /**
   * Answer from the history (`control.respond`): the client gave function outputs, or instructions alone,
   * or asked for an out-of-band response (`outOfBand`: said, and kept out of the conversation).
   */
  | { type: 'respond'; instructions?: string | undefined; outOfBand?: boolean }
  /**
   * The next response the client sees is this `response.create`'s: it carries its `metadata`, and is out of band or
   * not.
   */
  | { type: 'expect_response'; metadata: Readonly<Record<string, string>> | null; outOfBand: boolean }
  | { type: 'empty_response'; key: string }
  | { type: 'start_response'; turnId: string }
  | { type: 'token'; turnId: string; text: string }
  /** Stream a function call to the client, then accept the action (`action.accepted`). */
  | { type: 'stream_call'; turnId: string; actionId: string; callId: string; name: string; arguments: string }
  /** The client's output is the action's result (`action.result`). */
  | { type: 'action_result'; turnId: string; actionId: string; output: string }
  /**
   * The session cancelled a call the client runs: acknowledged for it (`action.cancelled`); the client sees
   * `voice_agent.action` cancelled.
   */
  | { type: 'ack_cancel'; turnId: string; actionId: string };

export interface Step {
  state: ConversationState;
  effects: ConversationEffect[];
}

export type Item = ServerEventOf<'conversation.item.added'>['item'];
const userItem = (id: string, content: NonNullable<Item['content']>): Item => ({
  id,
  object: 'realtime.item',
  type: 'message',
  role: 'user',
  status: 'completed',
  content,
});
const error = (code: string, message: string, param: string | null = null): Step['effects'] => [
  { type: 'error', code, message, param },
];

/** The user item of a voice turn. */
export const voiceItemId = (turnId: string): string => `item_${turnId}`;

/** One input applied: the next state and what to do. */
export function reduce(state: ConversationState, input: ConversationInput): Step {
  switch (input.type) {
    case 'user_text':
      return userText(state, input);
    case 'function_output':
      return functionOutput(state, input);
    case 'response_create':
      return responseRequested(state, input);
    case 'responses_idle':
      return responsesIdle(state);
    case 'voice_committed':
      return voiceCommitted(state, input.turnId);
    case 'user_entry':
      return userEntry(state, input.turnId, input.replyTurnId);
    case 'utterance_dropped':
      return { state: { ...state, awaitingReply: state.awaitingReply.filter((t) => t !== input.turnId) }, effects: [] };
    case 'guess_started':
      return { state: { ...state, guessed: { ...state.guessed, [input.turnId]: [] } }, effects: [] };
    case 'guess_discarded':
      return guessDiscarded(state, input.turnId);
    case 'token':
      return token(state, input.turnId, input.text);
    case 'action':
      return actionMessage(state, input.message);
  }
}

/** `response.create`: answered from the pending texts, the function outputs or the history, or refused. */
function responseRequested(
  state: ConversationState,
  input: Extract<ConversationInput, { type: 'response_create' }>,
): Step {
  const outOfBand = input.request?.conversation === 'none';
  const step = notWhileBusy(
    input.dialogIdle ?? true,
    outOfBand
      ? outOfBandResponse(state, input.responseActive, input.request?.instructions)
      : responseCreate(state, input.responseActive, input.request?.instructions),
  );
  // Every outcome but an error gives (or is) a response: it is this request's.
  if (step.effects.some((e) => e.type === 'error')) return step;
  return {
    state: step.state,
    effects: [{ type: 'expect_response', metadata: input.request?.metadata ?? null, outOfBand }, ...step.effects],
  };
}

/** The last response ended: a `response.create` held for it is answered now. */
function responsesIdle(state: ConversationState): Step {
  return state.respondWhenIdle
    ? { state: { ...state, respondWhenIdle: false }, effects: [{ type: 'respond' }] }
    : { state, effects: [] };
}

/** A voice turn committed: its user item enters the conversation, transcript to come, and awaits its reply. */
function voiceCommitted(state: ConversationState, turnId: string): Step {
  const item = userItem(voiceItemId(turnId), [{ type: 'input_audio', transcript: null }]);
  const effects: ConversationEffect[] = [{ type: 'add_item', item, done: false, committed: true }];
  return { state: { ...state, awaitingReply: [...state.awaitingReply, turnId] }, effects };
}

/** The chart took the user's words: the reply's response starts, with a guessed reply's held words. */
function userEntry(state: ConversationState, turnId: string, replyTurnId: string): Step {
  const { [replyTurnId]: held, ...guessed } = state.guessed;
  const effects: ConversationEffect[] = [{ type: 'start_response', turnId: replyTurnId }];
  // A guessed reply's words, held until the guess was committed (this entry is its commit).
  for (const text of held ?? []) effects.push({ type: 'token', turnId: replyTurnId, text });
  return {
    state: { ...state, guessed, awaitingReply: state.awaitingReply.filter((t) => t !== turnId) },
    effects,
  };
}

/** A guessed reply dropped: its held words with it, never seen. */
function guessDiscarded(state: ConversationState, turnId: string): Step {
  const { [turnId]: _discarded, ...guessed } = state.guessed;
  return { state: { ...state, guessed }, effects: [] };
}

/** A reply's word: passed on, or held while its reply is a guess (adaptive end of turn) that may be discarded. */
function token(state: ConversationState, turnId: string, text: string): Step {
  const held = state.guessed[turnId];
  if (held) return { state: { ...state, guessed: { ...state.guessed, [turnId]: [...held, text] } }, effects: [] };
  return { state, effects: [{ type: 'token', turnId, text }] };
}

function userText(
  state: ConversationState,
  input: { id?: string | undefined; text: string; after?: string | null | undefined },
): Step {
  if (state.pendingTexts.length >= MAX_PENDING_TEXTS) {
    return {
      state,
      effects: error(
        'too_many_pending_items',
        `${MAX_PENDING_TEXTS} user messages wait for a response.create already: send response.create (or fewer ` +
          `messages)`,
      ),
    };
  }
  const createdItems = input.id === undefined ? state.createdItems + 1 : state.createdItems;
  const id = input.id ?? `item_c${createdItems}`;
  const effects: ConversationEffect[] = [
    {
      type: 'add_item',
      item: userItem(id, [{ type: 'input_text', text: input.text }]),
      after: input.after,
      done: true,
    },
  ];
  return {
    state: { ...state, createdItems, pendingTexts: [...state.pendingTexts, { id, text: input.text }] },
    effects,
  };
}

function functionOutput(
  state: ConversationState,
  input: { id?: string | undefined; callId: string; output: string; after?: string | null | undefined },
): Step {
  const action = state.actions.find((a) => a.callId === input.callId && a.runsOn === 'client');
  const named = `"${input.callId.slice(0, 64)}"`;
  if (!action)
    return {
      state,
      effects: error(
        'invalid_call_id',
        `no function call ${named} was sent on this connection: answer the call_id of a ` + `function_call item`,
        'item.call_id',
      ),
    };
  if (action.phase === 'answered')
    return {
      state,
      effects: error('invalid_call_id', `the function call ${named} has its output already`, 'item.call_id'),
    };
  if (action.phase === 'ended')
    return {
      state,
      effects: error(
        'invalid_call_id',
        `the function call ${named} was cancelled: its output is not used`,
        'item.call_id',
      ),
    };
  const createdItems = input.id === undefined ? state.createdItems + 1 : state.createdItems;
  const item: Item = {
    id: input.id ?? `item_c${createdItems}`,
    object: 'realtime.item',
    type: 'function_call_output',
    status: 'completed',
    call_id: input.callId,
    output: input.output,
  };
  const effects: ConversationEffect[] = [
    { type: 'add_item', item, after: input.after, done: true },
    { type: 'action_result', turnId: action.turnId, actionId: action.actionId, output: input.output },
  ];
  const actions = state.actions.map((a) => (a === action ? { ...a, phase: 'answered' as const } : a));
  return { state: { ...state, createdItems, actions, outputsToAnswer: state.outputsToAnswer + 1 }, effects };
}

function responseCreate(state: ConversationState, responseActive: boolean, instructions: string | undefined): Step {
  if (state.pendingTexts.length > 0) {
    const text = state.pendingTexts.map((p) => p.text).join('\n');
    return { state: { ...state, pendingTexts: [], outputsToAnswer: 0 }, effects: [{ type: 'send_text', text }] };
  }
  // The committed utterance is answered as soon as it is transcribed.
  if (state.awaitingReply.length > 0) return { state, effects: [] };
  // The reply that carried the function call may still be playing: the answer to its output follows it.
  if (responseActive && state.outputsToAnswer > 0)
    return { state: { ...state, outputsToAnswer: 0, respondWhenIdle: true }, effects: [] };
  if (responseActive)
    return {
      state,
      effects: error(
        'conversation_already_has_active_response',
        'a response is in progress: cancel it first or wait for response.done',
      ),
    };
  if (state.outputsToAnswer > 0)
    return { state: { ...state, outputsToAnswer: 0 }, effects: [{ type: 'respond', instructions }] };
  // Instructions and nothing new ("Greet the user."): a reply from the history under them.
  if (instructions !== undefined) return { state, effects: [{ type: 'respond', instructions }] };
  // Nothing new from the user: an empty, completed response, so a client waiting for response.done is answered.
  const emptyResponses = state.emptyResponses + 1;
  return { state: { ...state, emptyResponses }, effects: [{ type: 'empty_response', key: `r${emptyResponses}` }] };
}

/**
 * A reply from the history starts only from an idle dialog: while the user speaks (or their words are
 * being answered) the chart would not take it, and the request's metadata would go with a later response.
 * So the request is refused and the client may send it again once the turn is answered.
 */
function notWhileBusy(dialogIdle: boolean, step: Step): Step {
  if (dialogIdle || !step.effects.some((e) => e.type === 'respond')) return step;
  return {
    state: step.state,
    effects: error(
      'conversation_busy',
      'the user is speaking or being answered: send response.create again after that response.done',
    ),
  };
}

/**
 * `conversation: "none"`: a reply from the conversation as it is, under the request's instructions, that
 * is not added to it. Messages waiting for a `response.create` stay waiting: they are the next default
 * response's input, and the chart has not taken them in yet, so this reply does not see them.
 */
function outOfBandResponse(state: ConversationState, responseActive: boolean, instructions: string | undefined): Step {
  if (responseActive)
    return {
      state,
      effects: error(
        'conversation_already_has_active_response',
        'a response is in progress: cancel it first or wait for response.done',
      ),
    };
  return { state, effects: [{ type: 'respond', instructions, outOfBand: true }] };
}

function actionMessage(state: ConversationState, m: ActionMessage): Step {
  const { status, detail } = actionStatusOf(m);
  if (m.type === 'action.request') {
    const tracked: TrackedAction = {
      actionId: m.actionId,
      name: m.name,
      turnId: m.turnId,
      callId: m.callId,
      runsOn: m.runsOn,
      phase: 'open',
    };
    const actions = [...state.actions.filter((a) => a.actionId !== m.actionId), tracked].slice(-REMEMBERED_ACTIONS);
    const effects: ConversationEffect[] = [lifecycle(tracked, status, detail)];
    if (m.runsOn === 'client')
      effects.push({
        type: 'stream_call',
        turnId: m.turnId,
        actionId: m.actionId,
        callId: m.callId,
        name: m.name,
        arguments: JSON.stringify(m.arguments),
      });
    return { state: { ...state, actions }, effects };
  }
  const action = state.actions.find((a) => a.actionId === m.actionId);
  // An action this connection never saw asked for, or one that said its last word already.
  if (!action || action.phase === 'ended') return { state, effects: [] };
  const ended = isFinalStatus(status);
  const actions = ended
    ? state.actions.map((a) => (a === action ? { ...a, phase: 'ended' as const } : a))
    : state.actions;
  const effects: ConversationEffect[] = [lifecycle(action, status, detail)];
  if (m.type === 'action.cancel' && action.runsOn === 'client')
    effects.push({ type: 'ack_cancel', turnId: action.turnId, actionId: action.actionId });
  return { state: { ...state, actions }, effects };
}

function lifecycle(
  action: TrackedAction,
  status: ReturnType<typeof actionStatusOf>['status'],
  detail: unknown,
): ConversationEffect {
  return {
    type: 'event',
    event: {
      type: 'voice_agent.action',
      action_id: action.actionId,
      name: action.name,
      turn_id: action.turnId,
      status,
      call_id: action.runsOn === 'client' ? action.callId : null,
      detail,
    },
  };
}
