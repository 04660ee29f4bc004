/**
 * The actions region of the session chart, parallel to the dialog: the one action the session is
 * confirming, waiting on or running, as ROS 2 actions run — requested, accepted or rejected, feedback,
 * then a result, a failure or a cancel. Barge-in, STOP, a new command, END and the emergency stop
 * cancel it by construction; the timeouts are named delays (`confirmTimeout`, `actionAccept`,
 * `actionTimeout`). Tool calls are checked before anything leaves: a refused call never becomes an action.
 */
import { and, stateIn } from 'xstate';
import { sessionSetup } from './session.setup.js';

const FINALIZING = '#session.dialog.listening.finalizing';

/** A tool call while an action is under way: refused (busy, or for itself), or the new command replaces the action. */
const newCall = {
  'llm.tool_call': [
    { guard: and(['isReplyTurn', 'callIsRefused']), actions: 'refuseCall' },
    {
      guard: and(['isReplyTurn', 'callNeedsConfirmation']),
      target: '#session.actions.confirming',
      actions: ['cancelAction', 'holdForConfirmation'],
    },
    {
      guard: 'isReplyTurn',
      target: '#session.actions.requested',
      reenter: true,
      actions: ['cancelAction', 'requestAction'],
    },
  ],
} as const;

/** What ends an action that left the agent: its executor's last word, STOP, or a barge-in that cancels it. */
const underWay = {
  ...newCall,
  'action.result': { guard: 'isActiveAction', target: '#session.actions.idle', actions: 'endAction' },
  'action.failed': { guard: 'isActiveAction', target: '#session.actions.idle', actions: 'endAction' },
  'control.stop': {
    guard: { type: 'actionCancelledBy', params: { trigger: 'stop' } },
    target: '#session.actions.idle',
    actions: 'cancelAction',
  },
  'actions.barge_in': {
    guard: { type: 'actionCancelledBy', params: { trigger: 'barge_in' } },
    target: '#session.actions.idle',
    actions: 'cancelAction',
  },
} as const;

export const actionsRegion = sessionSetup.createStateConfig({
  initial: 'idle',
  on: {
    'control.estop': { target: '.idle', actions: ['cancelAction', 'publishStop'] },
    'control.end': { target: '.ended', actions: 'cancelAction' },
  },
  states: {
    idle: {
      on: {
        'llm.tool_call': [
          { guard: and(['isReplyTurn', 'callIsRefused']), actions: 'refuseCall' },
          {
            guard: and(['isReplyTurn', 'callNeedsConfirmation']),
            target: 'confirming',
            actions: 'holdForConfirmation',
          },
          { guard: 'isReplyTurn', target: 'requested', actions: 'requestAction' },
        ],
      },
    },
    /** The question is asked; only a yes sends the action. No answer in `confirmTimeout` is a no. */
    confirming: {
      after: { confirmTimeout: { target: 'idle', actions: 'declineAction' } },
      on: {
        'stt.final': [
          { guard: and([stateIn(FINALIZING), 'answersYes']), target: 'requested', actions: 'dispatchConfirmed' },
          { guard: and([stateIn(FINALIZING), 'answersNotYes']), target: 'idle', actions: 'declineAction' },
        ],
        'user.text': [
          { guard: 'answersYes', target: 'requested', actions: 'dispatchConfirmed' },
          { guard: 'answersNotYes', target: 'idle', actions: 'declineAction' },
        ],
        'llm.tool_call': { guard: 'isReplyTurn', actions: 'refuseCall' },
        'stt.keyword': { actions: 'noteSpokenAnswer' },
      },
    },
    /** Sent; an executor must accept it (or reject it) within `actionAccept`. */
    requested: {
      after: { actionAccept: { target: 'idle', actions: 'timeOutAction' } },
      on: {
        ...underWay,
        'action.accepted': { guard: 'isActiveAction', target: 'running', actions: 'markRunning' },
        'action.rejected': { guard: 'isActiveAction', target: 'idle', actions: 'endAction' },
      },
    },
    /** Accepted and running, for at most its declared `timeoutMs`. */
    running: {
      after: { actionTimeout: { target: 'idle', actions: 'timeOutAction' } },
      on: underWay,
    },
    ended: { type: 'final' },
  },
});
