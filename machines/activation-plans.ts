/**
 * The activation region's vocabulary — guards, actions and delays (`activation.region.ts`). Pure: the
 * gate's state goes to the VAD actor as a `vad.gate` message the chart emits (`publish`) for its host to
 * put on the bus; time passes only through the named delays `activationWindow` and `pushMaxOpen`.
 */
import { assertEvent } from 'xstate';
import type { MessageOf } from '../bus/messages.js';
import type { SessionContext } from './context.js';
import type { SessionEvent } from './events.js';
import { baseSetup } from './session.base.js';

type Ctx = SessionContext;

/**
 * Why 60 s: a push-to-talk key held longer is a client that forgot to release (as the manual buffer's
 * bound); listening closes by itself and the utterance ends.
 */
export const MAX_PUSH_OPEN_MS = 60_000;

/** The events that say who is talking: the VAD's utterance, the agent's audio. */
const VOICE_EVENTS = [
  'vad.speech_start',
  'vad.speech_end',
  'playback.started',
  'playback.finished',
  'playback.stopped',
] as const;

const gateMessage = (context: Ctx, open: boolean): MessageOf<'vad.gate'> => ({
  type: 'vad.gate',
  sessionId: context.sessionId,
  turnId: '-',
  atMs: 0,
  open,
  holdsEnd: open && context.config.activation.mode === 'push',
});

const listenOpen = (event: SessionEvent): boolean => {
  assertEvent(event, 'control.listen');
  return event.open;
};

export const activationGuards = {
  /** `wake` or `push`: microphone audio opens a turn only while the gate is open. */
  activationIsGated: ({ context }: { context: Ctx }) => context.config.activation.mode !== 'always',
  isPushToTalk: ({ context }: { context: Ctx }) => context.config.activation.mode === 'push',
  listenOpens: ({ event }: { event: SessionEvent }) => listenOpen(event),
  listenCloses: ({ event }: { event: SessionEvent }) => !listenOpen(event),
  /** The user (as the VAD hears it) or the agent is talking: the wake window waits for both to end. */
  someoneTalks: ({ context }: { context: Ctx }) => context.vadTurnId !== null || context.agentPlaying,
};

export const activationDelays = {
  activationWindow: ({ context }: { context: Ctx }) => context.config.activation.windowMs,
  pushMaxOpen: () => MAX_PUSH_OPEN_MS,
};

const { enqueueActions } = baseSetup;

export const activationPlans = {
  /**
   * Who is talking, from the VAD's and the playback actor's reports (any turn: a late reply's audio is still heard).
   */
  noteVoice: enqueueActions(({ enqueue, context, event }) => {
    assertEvent(event, VOICE_EVENTS);
    if (event.type === 'vad.speech_start') enqueue.assign({ vadTurnId: event.turnId });
    // A late end of an older utterance is not the end of the one in progress.
    else if (event.type === 'vad.speech_end')
      enqueue.assign({ vadTurnId: context.vadTurnId === event.turnId ? null : context.vadTurnId });
    else enqueue.assign({ agentPlaying: event.type === 'playback.started' });
  }),
  /** The VAD actor may open utterances now (in `push`, the user's silence does not end one). */
  tellGateOpen: enqueueActions(({ enqueue, context }) =>
    enqueue.emit({ type: 'publish', message: gateMessage(context, true) }),
  ),
  /** The VAD actor opens no utterance now, and ends the one in progress. */
  tellGateClosed: enqueueActions(({ enqueue, context }) =>
    enqueue.emit({ type: 'publish', message: gateMessage(context, false) }),
  ),
  /** The chart closed listening by itself (the window or the push bound ran out): clients see it close. */
  announceListenClosed: enqueueActions(({ enqueue, context }) =>
    enqueue.emit({
      type: 'publish',
      message: { type: 'control.listen', sessionId: context.sessionId, turnId: '-', atMs: 0, open: false },
    }),
  ),
};
