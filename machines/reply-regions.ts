/**
 * What `processing` and `speaking` share: the user region (speech over a reply is a barge-in candidate
 * until it passes the interruption policy) and the events that replace or end a running reply (a new
 * text, a SAY, STOP, a tool call the chart answers itself, the emergency stop, a fatal TTS error).
 */
import { and } from './session.setup.js';

/** Picks up an utterance that began while the reply was still being prepared. */
const routingState = {
  // An utterance begun before the reply is past its onset: how soon it went quiet says nothing about it here.
  always: [
    { guard: and(['userIsSpeaking', 'isInterruptible']), target: 'candidate.sustained' },
    { guard: 'userIsSpeaking', target: 'ignoring' },
    { target: 'silent' },
  ],
} as const;

/**
 * The user region of `processing` and `speaking`: speech here is a barge-in candidate. Both may start
 * mid-utterance (`speaking` when the reply's audio starts, `processing` when a tool call replaces the
 * reply while the user talks), so both start at `routing`.
 */
export const userRegion = (replyState: 'processing' | 'speaking') =>
  ({
    initial: 'routing',
    states: {
      routing: routingState,
      silent: {
        on: {
          'vad.speech_start': [
            { guard: 'isInterruptible', target: 'candidate', actions: 'beginUtterance' },
            { target: 'ignoring', actions: 'beginUtterance' },
          ],
        },
      },
      /**
       * Speech that has not yet passed the interruption policy; the agent keeps talking. It opens with its
       * onset: speech that falls quiet within `bargeIn.minVoiceMs` of its start is a click, a cough or a
       * burst of the agent's own echo, not yet an interruption (the VAD's hangover would otherwise carry
       * it past `minSpeechMs`).
       */
      candidate: {
        initial: 'onset',
        states: {
          onset: {
            after: { minVoice: 'sustained' },
            on: {
              'vad.pause': {
                guard: and(['isUserTurn', 'checksOnset']),
                target: `#session.dialog.${replyState}.user.quietAfterOnset`,
                actions: ['storePause', 'markQuietOnset'],
              },
            },
          },
          sustained: {},
        },
        after: {
          minInterruption: [
            {
              guard: 'wordsSatisfied',
              target: '#session.dialog.listening',
              actions: [{ type: 'cancelReply', params: { reason: 'barge_in' } }, 'raiseBargeIn'],
            },
            { target: 'awaitingWords' },
          ],
        },
        on: {
          'stt.partial': { guard: 'isUserTurn', actions: 'storePartial' },
          'vad.speech_end': {
            guard: 'isUserTurn',
            target: 'silent',
            actions: { type: 'dropUtterance', params: { reason: 'too_short_to_interrupt' } },
          },
        },
      },
      /**
       * Speech over the reply fell quiet within its onset: no interruption unless the voice comes back (then
       * it must be kept up for `minSpeechMs` from there, pauses and all: a user quieter than the echo reaches
       * the VAD in pieces); the utterance's end drops it.
       */
      quietAfterOnset: {
        on: {
          'vad.resume': { guard: 'isUserTurn', target: 'candidate.sustained', actions: 'storeResume' },
          'stt.partial': { guard: 'isUserTurn', actions: 'storePartial' },
          'vad.speech_end': {
            guard: 'isUserTurn',
            target: 'silent',
            actions: { type: 'dropUtterance', params: { reason: 'too_short_to_interrupt' } },
          },
        },
      },
      /** Long enough, but the partial transcript has fewer words than `bargeIn.minWords`. */
      awaitingWords: {
        on: {
          'stt.partial': [
            {
              guard: and(['isUserTurn', 'partialSatisfiesWords']),
              target: '#session.dialog.listening',
              actions: ['storePartial', { type: 'cancelReply', params: { reason: 'barge_in' } }, 'raiseBargeIn'],
            },
            { guard: 'isUserTurn', actions: 'storePartial' },
          ],
          'vad.speech_end': {
            guard: 'isUserTurn',
            target: 'silent',
            actions: { type: 'dropUtterance', params: { reason: 'too_few_words_to_interrupt' } },
          },
        },
      },
      /** Uninterruptible reply (or barge-in disabled): the utterance is kept only if it outlasts the reply. */
      ignoring: {
        on: {
          'vad.speech_end': {
            guard: 'isUserTurn',
            target: 'silent',
            actions: { type: 'dropUtterance', params: { reason: 'spoke_over_uninterruptible' } },
          },
        },
      },
    },
  }) as const;

/** New requests while a reply runs replace it; STOP silences it. Shared by `processing` and `speaking`. */
export const replyControl = {
  'control.stop': [
    {
      guard: 'userIsSpeaking',
      target: '#session.dialog.listening',
      actions: { type: 'cancelReply', params: { reason: 'stop' } },
    },
    { target: '#session.dialog.idle', actions: { type: 'cancelReply', params: { reason: 'stop' } } },
  ],
  'user.text': [
    {
      guard: 'answersYesOrNo',
      target: '#session.dialog.processing',
      reenter: true,
      actions: [
        { type: 'cancelReply', params: { reason: 'new_text' } },
        { type: 'dropUtterance', params: { reason: 'replaced_by_text' } },
        'answerConfirmation',
      ],
    },
    {
      target: '#session.dialog.processing',
      reenter: true,
      actions: [
        { type: 'cancelReply', params: { reason: 'new_text' } },
        { type: 'dropUtterance', params: { reason: 'replaced_by_text' } },
        'startTextReply',
      ],
    },
  ],
  // A refused call, or one that needs a yes first: the reply is replaced by what the agent says of it.
  'llm.tool_call': [
    {
      guard: and(['isReplyTurn', 'callIsRefused']),
      target: '#session.dialog.processing',
      reenter: true,
      actions: [{ type: 'cancelReply', params: { reason: 'action_refused' } }, 'sayForAction'],
    },
    {
      guard: and(['isReplyTurn', 'callNeedsConfirmation']),
      target: '#session.dialog.processing',
      reenter: true,
      actions: [{ type: 'cancelReply', params: { reason: 'action_confirm' } }, 'sayForAction'],
    },
  ],
  // The emergency stop: silence now, and the utterance that said "stop" is not answered.
  'control.estop': {
    target: '#session.dialog.idle',
    actions: [
      { type: 'cancelReply', params: { reason: 'estop' } },
      { type: 'dropUtterance', params: { reason: 'estop' } },
    ],
  },
  'control.say': {
    target: '#session.dialog.processing',
    reenter: true,
    actions: [
      { type: 'cancelReply', params: { reason: 'say' } },
      { type: 'dropUtterance', params: { reason: 'replaced_by_say' } },
      'startSay',
    ],
  },
  'tts.error': {
    guard: and(['isReplyTurn', 'isFatalTtsError']),
    target: '#session.dialog.idle',
    actions: [
      { type: 'cancelReply', params: { reason: 'tts_failed' } },
      { type: 'dropUtterance', params: { reason: 'reply_failed' } },
    ],
  },
} as const;
