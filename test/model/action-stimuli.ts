/**
 * The actions region's share of the test model: the LLM calling tools (one the chart sends, one it
 * asks about first, one it refuses), the executor's answers, the emergency stop, `control.respond`, and
 * the user's yes or no. With the config below only the actions' timers and the barge-in's run out
 * within a walk, so the timer that fires next is always the one the model expects.
 */
import type { SessionConfigInput } from '../../machines/config.js';
import type { SessionEvent } from '../../machines/events.js';
import type { LiveHarness } from '../support/live-session.js';
import {
  actionsStateOf,
  base,
  replyStage,
  stateOf,
  stimuli,
  type ModelSnapshot,
  type Stimulus,
  type StimulusSet,
} from './stimuli.js';

/**
 * Each timer distinct: the actions' (20-23 s) far beyond the playback a walk's steps let run (a few
 * seconds in all), the dialog's far beyond the actions'; the barge-in is immediate.
 */
export const ACTION_CONFIG: SessionConfigInput = {
  timeouts: {
    noInputMs: 50_000,
    sttFinalMs: 51_000,
    llmFirstTokenMs: 52_000,
    llmGiveUpMs: 53_000,
    ttsFirstChunkMs: 54_000,
  },
  bargeIn: { minSpeechMs: 0, falseInterruptionMs: 55_000 },
  turn: { completePauseMs: 0, speculate: 'off' },
  actions: { acceptTimeoutMs: 20_000, confirmTimeoutMs: 21_000 },
  declaredActions: [
    {
      name: 'turn',
      description: 'Turn in place.',
      parameters: {
        type: 'object',
        properties: { direction: { type: 'string', enum: ['left', 'right'] } },
        required: ['direction'],
      },
      timeoutMs: 22_000,
      say: { result: 'Turned {direction}.' },
    },
    {
      name: 'navigate',
      description: 'Drive to a place.',
      parameters: {
        type: 'object',
        properties: { place: { type: 'string', enum: ['kitchen', 'door'] } },
        required: ['place'],
      },
      confirm: { when: { place: ['door'] } },
      timeoutMs: 23_000,
      cancelOn: ['stop'],
    },
    { name: 'stop', description: 'Stop.', cancelOn: [] },
  ],
};

/** An LLM reply whose model stream is still open: in `processing` before it ends, or speaking. */
const llmReplyOpen = (s: ModelSnapshot) =>
  s.context.replyKind === 'llm' &&
  s.context.replyTurnId !== null &&
  (/^speaking/.test(stateOf(s)) || replyStage(s) !== undefined);

const CALLS = [
  { id: 'call:turn', name: 'turn', args: { direction: 'left' } },
  { id: 'call:door', name: 'navigate', args: { place: 'door' } },
  { id: 'call:kitchen', name: 'navigate', args: { place: 'kitchen' } },
  { id: 'call:bogus', name: 'self_destruct', args: {} },
] as const;

const callStimuli: Stimulus[] = CALLS.map(({ id, name, args }) => ({
  id,
  propose: (s) => {
    if (!llmReplyOpen(s)) return undefined;
    const turnId = s.context.replyTurnId!;
    const call: SessionEvent = {
      ...base,
      type: 'llm.tool_call',
      turnId,
      callId: `call-${name}`,
      name,
      arguments: JSON.stringify(args),
    };
    // A model that starts with a call: the LLM actor reports its first output before the call.
    return ['thinking', 'stalled'].includes(replyStage(s) ?? '')
      ? [{ ...base, type: 'llm.started', turnId, firstTokenMs: 1 }, call]
      : call;
  },
  drive: (h) => h.llmToolCall(name, args, `call-${name}`),
}));

const EXECUTOR_ANSWERS = [
  { type: 'action.accepted', in: ['requested'], fields: {} },
  { type: 'action.rejected', in: ['requested'], fields: { reason: 'busy' } },
  { type: 'action.result', in: ['requested', 'running'], fields: { result: { ok: true } } },
  { type: 'action.failed', in: ['requested', 'running'], fields: { error: 'motor fault' } },
] as const;

const executorStimuli: Stimulus[] = EXECUTOR_ANSWERS.map((answer) => ({
  id: `executor:${answer.type.split('.')[1]}`,
  propose: (s) => {
    const action = s.context.action;
    if (!action || !(answer.in as readonly string[]).includes(actionsStateOf(s))) return undefined;
    return {
      ...base,
      type: answer.type,
      turnId: action.turnId,
      actionId: action.actionId,
      ...answer.fields,
    } as SessionEvent;
  },
  drive: (h: LiveHarness) => {
    const action = h.context().action!;
    return h.publish({
      type: answer.type,
      sessionId: 'live',
      turnId: action.turnId,
      actionId: action.actionId,
      ...answer.fields,
    } as never);
  },
}));

const answerStimuli: Stimulus[] = (['yes', 'no'] as const).flatMap((text): Stimulus[] => [
  {
    id: `final:${text}`,
    propose: (s) =>
      stateOf(s) === 'listening.finalizing' && s.context.userTurnId
        ? { ...base, type: 'stt.final', turnId: s.context.userTurnId, text }
        : undefined,
    drive: (h) => h.sttFinal(text),
  },
  {
    id: `text:${text}`,
    propose: () => ({ ...base, type: 'user.text', turnId: '-', text }),
    drive: (h) => h.text(text),
  },
]);

/** A learned head's yes in the utterance that answers the question, then the recognizer unsure of it. */
const spokenAnswerStimuli: Stimulus[] = [
  {
    id: 'keyword:yes',
    propose: (s) =>
      actionsStateOf(s) === 'confirming' && s.context.userTurnId
        ? { ...base, type: 'stt.keyword', turnId: s.context.userTurnId, phrase: 'yes', score: 0.9 }
        : undefined,
    drive: (h) =>
      h.publish({ type: 'stt.keyword', sessionId: 'live', turnId: h.context().userTurnId!, phrase: 'yes', score: 0.9 }),
  },
  {
    id: 'final:unsure-yes',
    propose: (s) =>
      stateOf(s) === 'listening.finalizing' && s.context.userTurnId
        ? { ...base, type: 'stt.final', turnId: s.context.userTurnId, text: 'yes', confidence: 0.05 }
        : undefined,
    drive: (h) => h.sttFinal('yes', 0.05),
  },
];

const controlStimuli: Stimulus[] = [
  {
    id: 'estop',
    propose: () => ({ ...base, type: 'control.estop', turnId: '-', source: 'client' }),
    drive: (h) => h.publish({ type: 'control.estop', sessionId: 'live', turnId: '-', source: 'client' }),
  },
  {
    id: 'respond',
    propose: () => ({ ...base, type: 'control.respond', turnId: '-' }),
    drive: (h) => h.publish({ type: 'control.respond', sessionId: 'live', turnId: '-' }),
  },
];

/**
 * The dialog stimuli an action walk (and an activation walk) needs: speech and its transcript, a reply's stages, text,
 * STOP, END.
 */
export const DIALOG_SUBSET = [
  'speechStart',
  'speechEnd',
  'final:text',
  'final:empty',
  'llmFirstToken',
  'llmClause',
  'ttsFirstChunk',
  'ttsPlay',
  'finishPlayback',
  'text',
  'stop',
  'end',
];

export const ACTION_STIMULI: StimulusSet = {
  stimuli: [
    ...stimuli.filter((s) => DIALOG_SUBSET.includes(s.id)),
    ...callStimuli,
    ...executorStimuli,
    ...answerStimuli,
    ...spokenAnswerStimuli,
    ...controlStimuli,
  ],
  delays: ['minVoice', 'minInterruption', 'confirmTimeout', 'actionAccept', 'actionTimeout'],
  // An action's timer runs out only while no audio plays: playback would end first in the live session.
  delayAllowed: (name, s) => name === 'minVoice' || name === 'minInterruption' || /^(idle|listening)/.test(stateOf(s)),
};

/** For the random interleavings: every dialog stimulus and every action stimulus. */
export const ALL_STIMULI: StimulusSet = {
  stimuli: [
    ...stimuli,
    ...callStimuli,
    ...executorStimuli,
    ...answerStimuli,
    ...spokenAnswerStimuli,
    ...controlStimuli,
  ],
};
