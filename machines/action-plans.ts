/**
 * The actions region's vocabulary — actions, guards and delays — and the dialog's share of it (speaking
 * a refusal, a confirmation question, a follow-up). `session.setup.ts` adds them to the dialog's setup.
 * Pure: outbound action messages are emitted (`publish`) for the host to put on the bus.
 */
import { assertEvent } from 'xstate';
import type { CancelTrigger } from '../adapters/actions/declaration.js';
import type { MessageOf, TurnId } from '../bus/messages.js';
import type { ActionCancelReason } from '../bus/notices.js';
import {
  actionEntry,
  answerOf,
  confirmQuestion,
  decideCall,
  followUpFor,
  isCancelledBy,
  outcomeText,
  refusedEntry,
  withActionEntry,
  type ActiveAction,
  spokenAnswerFor,
  withSpokenAnswer,
} from './action-context.js';
import { eventText, historyWith, isUnsure, NO_UTTERANCE, startingReply, type SessionContext } from './context.js';
import { userEntry } from './history.js';
import type { SessionEvent } from './events.js';
import { isIgnorable } from './resume.js';
import { describeNotice, Notices, noticeEvent } from './notices.js';
import { baseSetup } from './session.base.js';

type Ctx = SessionContext;
const toolCall = (event: SessionEvent) => {
  assertEvent(event, 'llm.tool_call');
  return event;
};
const decision = (context: Ctx, event: SessionEvent) => decideCall(context, toolCall(event));

/** The user's answer to a pending confirmation, or null when this event is no answer. */
function confirmationAnswer(context: Ctx, event: SessionEvent): 'yes' | 'no' | 'other' | null {
  if (context.action?.status !== 'confirming') return null;
  if (event.type === 'stt.final' && event.turnId !== context.userTurnId) return null;
  if (event.type === 'stt.final' && isUnsure(event, context.config.minConfidence)) {
    // The recognizer is unsure; a yes or no the learned heads spotted in this utterance answers instead.
    return spokenAnswerFor(context, event.turnId);
  }
  if (event.type !== 'stt.final' && event.type !== 'user.text') return null;
  const text = eventText(event).trim();
  if (text === '' || isIgnorable(text, context.config.bargeIn.ignorableWords)) return null;
  return answerOf(context.config, text);
}

const requestMessage = (context: Ctx, action: ActiveAction): MessageOf<'action.request'> => ({
  type: 'action.request',
  sessionId: context.sessionId,
  turnId: action.turnId,
  atMs: 0,
  actionId: action.actionId,
  name: action.name,
  arguments: action.arguments,
  callId: action.callId,
  runsOn: action.runsOn,
  timeoutMs: action.timeoutMs,
});
const cancelMessage = (context: Ctx, action: ActiveAction, reason: ActionCancelReason): MessageOf<'action.cancel'> => ({
  type: 'action.cancel',
  sessionId: context.sessionId,
  turnId: action.turnId,
  atMs: 0,
  actionId: action.actionId,
  reason,
});
/** Why an event cancels the running action: named by the event, so one action serves every trigger. */
const cancelReasonOf = (event: SessionEvent): ActionCancelReason => {
  switch (event.type) {
    case 'control.stop':
      return 'stop';
    case 'control.estop':
      return 'estop';
    case 'control.end':
      return 'end';
    case 'actions.barge_in':
      return 'barge_in';
    default:
      return 'new_command';
  }
};

/** Calls within the longest rate window that matters; older ones can never count again. */
const remembered = (context: Ctx, action: ActiveAction, atMs: number) =>
  [...context.recentCalls, { name: action.name, atMs }].slice(-100);

/** The context of a call the chart takes on (held for a yes, or asked for), and its history entry. */
const taking = (context: Ctx, action: ActiveAction, atMs: number) => {
  const entry = actionEntry(action, action.status === 'confirming' ? 'confirming' : 'requested');
  return {
    entry,
    action,
    actionCount: context.actionCount + 1,
    recentCalls: remembered(context, action, atMs),
    history: withActionEntry(context.history, entry),
  };
};

export const actionGuards = {
  callIsRefused: ({ context, event }: { context: Ctx; event: SessionEvent }) =>
    event.type === 'llm.tool_call' && decision(context, event).kind === 'refuse',
  callNeedsConfirmation: ({ context, event }: { context: Ctx; event: SessionEvent }) =>
    event.type === 'llm.tool_call' && decision(context, event).kind === 'confirm',
  isActiveAction: ({ context, event }: { context: Ctx; event: SessionEvent }) =>
    'actionId' in event && event.actionId === context.action?.actionId,
  answersYes: ({ context, event }: { context: Ctx; event: SessionEvent }) =>
    confirmationAnswer(context, event) === 'yes',
  answersNo: ({ context, event }: { context: Ctx; event: SessionEvent }) => confirmationAnswer(context, event) === 'no',
  answersOther: ({ context, event }: { context: Ctx; event: SessionEvent }) =>
    confirmationAnswer(context, event) === 'other',
  answersNotYes: ({ context, event }: { context: Ctx; event: SessionEvent }) =>
    ['no', 'other'].includes(confirmationAnswer(context, event) ?? ''),
  answersYesOrNo: ({ context, event }: { context: Ctx; event: SessionEvent }) =>
    ['yes', 'no'].includes(confirmationAnswer(context, event) ?? ''),
  actionCancelledBy: ({ context }: { context: Ctx }, params: { trigger: CancelTrigger }) =>
    isCancelledBy(context.action, params.trigger),
  hasPendingFollowUp: ({ context }: { context: Ctx }) => context.pendingFollowUp !== null,
};

export const actionDelays = {
  confirmTimeout: ({ context }: { context: Ctx }) => context.config.actions.confirmTimeoutMs,
  actionAccept: ({ context }: { context: Ctx }) => context.config.actions.acceptTimeoutMs,
  actionTimeout: ({ context }: { context: Ctx }) => context.action?.timeoutMs ?? context.config.actions.acceptTimeoutMs,
};

const { enqueueActions } = baseSetup;

/** Starts a reply that speaks `text` under a follow-up turn id (`f<n>`). */
const sayFollowUp = (context: Ctx, text: string | null) => {
  const turnId: TurnId = `f${context.followUps + 1}`;
  return {
    followUps: context.followUps + 1,
    pendingFollowUp: null,
    ...startingReply(turnId, text === null ? 'llm' : 'say', text),
  };
};

export const actionPlans = {
  /** Dialog: the reply is replaced by the refusal, or by the confirmation question. */
  sayForAction: enqueueActions(({ enqueue, context, event }) => {
    const d = decision(context, event);
    enqueue.assign(
      sayFollowUp(context, d.kind === 'confirm' ? confirmQuestion(d.action) : context.config.actions.refusedText),
    );
  }),
  /** Dialog: once free, say what an action came to (a template, or an LLM reply from the history). */
  startFollowUp: enqueueActions(({ enqueue, context }) =>
    enqueue.assign(sayFollowUp(context, context.pendingFollowUp?.text ?? null)),
  ),
  /** Dialog: `control.respond` (Realtime `response.create` after a tool's output): an LLM reply from the history. */
  startRespond: enqueueActions(({ enqueue, context, event }) => {
    assertEvent(event, 'control.respond');
    enqueue.assign({
      ...sayFollowUp(context, null),
      replyInstructions: event.instructions ?? null,
      replyOutOfBand: event.outOfBand === true,
    });
  }),
  /** Dialog: a yes or a no to the question: the user's words go into the history, the agent acknowledges. */
  answerConfirmation: enqueueActions(({ enqueue, context, event }) => {
    const yes = confirmationAnswer(context, event) === 'yes';
    const userTurnId = event.type === 'stt.final' ? event.turnId : `t${context.textTurns + 1}`;
    const entry = userEntry(userTurnId, eventText(event).trim());
    enqueue.assign({
      ...(event.type === 'user.text' ? { textTurns: context.textTurns + 1 } : {}),
      history: historyWith(context, entry),
      ...NO_UTTERANCE,
      ...sayFollowUp(context, yes ? context.config.actions.confirmedText : context.config.actions.declinedText),
    });
    enqueue.emit({ type: 'history', entry });
  }),
  /** Dialog: a barge-in tells the actions region, which cancels what the barge-in cancels. */
  raiseBargeIn: enqueueActions(({ enqueue, context }) =>
    enqueue.raise({ type: 'actions.barge_in', sessionId: context.sessionId, turnId: '-', atMs: 0 }),
  ),

  refuseCall: enqueueActions(({ enqueue, context, event }) => {
    const d = decision(context, event);
    // Runs only where the call is refused: `callIsRefused`, or a held action makes any call `busy`.
    if (d.kind !== 'refuse') return;
    const call = toolCall(event);
    const notice = Notices.action_refused(call.name, d.reason, d.detail);
    const entry = refusedEntry(call, describeNotice(notice));
    enqueue.assign({ history: historyWith(context, entry) });
    enqueue.emit({ type: 'history', entry });
    enqueue.emit(noticeEvent(event.turnId, notice));
  }),
  holdForConfirmation: enqueueActions(({ enqueue, context, event }) => {
    const d = decision(context, event);
    if (d.kind !== 'confirm') return;
    const { entry, ...taken } = taking(context, d.action, event.atMs);
    enqueue.assign({ ...taken, spokenAnswer: null });
    enqueue.emit({ type: 'history', entry });
    enqueue.emit(noticeEvent(d.action.turnId, Notices.action_confirming(d.action.actionId, d.action.name)));
  }),
  /**
   * A learned head spotted a yes or a no while the question waits: kept for an utterance the recognizer is unsure of.
   */
  noteSpokenAnswer: enqueueActions(({ enqueue, context, event }) => {
    assertEvent(event, 'stt.keyword');
    enqueue.assign({
      spokenAnswer: withSpokenAnswer(context.config, context.spokenAnswer, event.turnId, event.phrase),
    });
  }),
  /** A tool call that passed every check: the executor is asked for it. */
  requestAction: enqueueActions(({ enqueue, context, event }) => {
    const d = decision(context, event);
    if (d.kind !== 'dispatch') return;
    const { entry, ...taken } = taking(context, d.action, event.atMs);
    enqueue.assign(taken);
    enqueue.emit({ type: 'history', entry });
    enqueue.emit({ type: 'publish', message: requestMessage(context, d.action) });
  }),
  /** The user said yes: the held action is asked for. */
  dispatchConfirmed: enqueueActions(({ enqueue, context }) => {
    const action: ActiveAction = { ...context.action!, status: 'requested' };
    const entry = actionEntry(action, 'requested');
    enqueue.assign({ action, history: withActionEntry(context.history, entry) });
    enqueue.emit({ type: 'history', entry });
    enqueue.emit({ type: 'publish', message: requestMessage(context, action) });
  }),
  /** No, something else, or no answer: the held action never leaves the agent. */
  declineAction: enqueueActions(({ enqueue, context, event }) => {
    const action = context.action!;
    // No answer came: the question is answered for the user, once the dialog is free.
    const unanswered = event.type !== 'stt.final' && event.type !== 'user.text';
    const reason = unanswered ? 'confirm_timeout' : 'declined';
    const entry = actionEntry(action, 'cancelled', reason);
    enqueue.assign({
      action: null,
      history: withActionEntry(context.history, entry),
      ...(unanswered ? { pendingFollowUp: { text: context.config.actions.declinedText } } : {}),
    });
    enqueue.emit({ type: 'history', entry });
    enqueue.emit(
      noticeEvent(
        action.turnId,
        Notices.action_ended({ actionId: action.actionId, name: action.name, outcome: 'cancelled', reason }),
      ),
    );
  }),
  markRunning: enqueueActions(({ enqueue, context }) => {
    const action: ActiveAction = { ...context.action!, status: 'running' };
    enqueue.assign({ action, history: withActionEntry(context.history, actionEntry(action, 'running')) });
    enqueue.emit({ type: 'history', entry: actionEntry(action, 'running') });
  }),
  /** The executor's last word: a result, a failure or a rejection. */
  endAction: enqueueActions(({ enqueue, context, event }) => {
    assertEvent(event, ['action.result', 'action.failed', 'action.rejected']);
    const action = context.action!;
    const how = event.type === 'action.result' ? 'result' : 'failed';
    const outcome =
      event.type === 'action.result'
        ? outcomeText(event.result)
        : event.type === 'action.failed'
          ? event.error
          : `rejected: ${event.reason}`;
    const entry = actionEntry(
      action,
      event.type === 'action.result' ? 'succeeded' : event.type === 'action.rejected' ? 'rejected' : 'failed',
      outcome,
    );
    enqueue.assign({
      action: null,
      history: withActionEntry(context.history, entry),
      pendingFollowUp: followUpFor(action, how, event.type === 'action.result' ? event.result : undefined),
    });
    enqueue.emit({ type: 'history', entry });
    const what = { actionId: action.actionId, name: action.name };
    if (event.type === 'action.failed')
      enqueue.emit(
        noticeEvent(action.turnId, Notices.action_ended({ ...what, outcome: 'failed', error: event.error })),
      );
    if (event.type === 'action.rejected')
      enqueue.emit(
        noticeEvent(action.turnId, Notices.action_ended({ ...what, outcome: 'rejected', reason: event.reason })),
      );
  }),
  /** No executor accepted it in time, or it ran past its `timeoutMs`: cancelled for good, and said so. */
  timeOutAction: enqueueActions(({ enqueue, context }) => {
    const action = context.action!;
    const accepting = action.status === 'requested';
    const afterMs = accepting ? context.config.actions.acceptTimeoutMs : action.timeoutMs;
    const waitingFor = accepting ? 'acceptance' : 'result';
    const notice = Notices.action_ended({
      actionId: action.actionId,
      name: action.name,
      outcome: 'timed_out',
      waitingFor,
      afterMs,
    });
    const outcome = accepting ? `no executor accepted it within ${afterMs} ms` : `timed out after ${afterMs} ms`;
    const entry = actionEntry(action, 'failed', outcome);
    enqueue.assign({
      action: null,
      history: withActionEntry(context.history, entry),
      pendingFollowUp: followUpFor(action, 'failed'),
    });
    enqueue.emit({ type: 'publish', message: cancelMessage(context, action, 'timeout') });
    enqueue.emit({ type: 'history', entry });
    enqueue.emit(noticeEvent(action.turnId, notice));
  }),
  /** Cancels the action (if any) at once: the executor is told, the chart does not wait for its answer. */
  cancelAction: enqueueActions(({ enqueue, context, event }) => {
    const action = context.action;
    if (!action) return;
    const reason = cancelReasonOf(event);
    // A held action never left the agent: there is nothing to tell an executor.
    if (action.status !== 'confirming')
      enqueue.emit({ type: 'publish', message: cancelMessage(context, action, reason) });
    const entry = actionEntry(action, 'cancelled', reason);
    enqueue.assign({
      action: null,
      history: withActionEntry(context.history, entry),
      pendingFollowUp: reason === 'new_command' ? null : followUpFor(action, 'cancelled'),
    });
    enqueue.emit({ type: 'history', entry });
    enqueue.emit(
      noticeEvent(
        action.turnId,
        Notices.action_ended({ actionId: action.actionId, name: action.name, outcome: 'cancelled', reason }),
      ),
    );
  }),
  /** The emergency stop's share of the actions region: the declared `stop` goes out, nothing is said after. */
  publishStop: enqueueActions(({ enqueue, context, event }) => {
    assertEvent(event, 'control.estop');
    const estop = event;
    const declared = context.config.declaredActions.find((a) => a.name === 'stop');
    enqueue.assign({ pendingFollowUp: null });
    enqueue.emit(noticeEvent(estop.turnId, Notices.estop(estop.source, estop.phrase)));
    if (!declared) return;
    const stop: ActiveAction = {
      actionId: `a${context.actionCount + 1}`,
      callId: `estop-${context.actionCount + 1}`,
      name: 'stop',
      arguments: {},
      runsOn: declared.runsOn,
      turnId: estop.turnId,
      cancelOn: [],
      timeoutMs: declared.timeoutMs,
      say: {},
      status: 'requested',
    };
    enqueue.assign({ actionCount: context.actionCount + 1 });
    enqueue.emit({ type: 'publish', message: requestMessage(context, stop) });
  }),
};
