/**
 * The session chart: all turn-taking lives here. Top-level states are `idle`, `listening`,
 * `processing` and `speaking` (plus final `ended`). `processing` and `speaking` are parallel: the
 * `reply` region follows the answer, the `user` region applies the interruption policy to speech that
 * arrives meanwhile. Barge-in is the transition `user.candidate → #session.dialog.listening`; it runs
 * `cancelReply`, which stops the reply's children, and `listening`'s entry stops any that are left, so no
 * reply child is alive outside `processing`/`speaking` by construction.
 *
 * Parallel to the dialog: the `actions` region (`actions.region.ts`: the action under way) and the
 * `activation` region (`activation.region.ts`: when microphone audio may open a turn, told to the VAD
 * actor with `vad.gate`).
 *
 * Events are bus messages (see `events.ts`); guards drop every message whose `turnId` is not the
 * current user utterance or reply, which is how late messages of a cancelled turn are ignored.
 *
 * @example
 * ```ts
 * import { createActor } from 'xstate';
 * import { resolveSessionConfig } from './config.js';
 * import { sessionMachine } from './session.machine.js';
 * const actor = createActor(sessionMachine, { input: { sessionId: 's1', config: resolveSessionConfig() } });
 * actor.start();
 * actor.send({ type: 'user.text', sessionId: 's1', turnId: '-', atMs: 0, text: 'hello' });
 * actor.getSnapshot().value; // { processing: { reply: 'thinking', user: 'silent' } }
 * ```
 */
import { INITIAL_ACTIONS_CONTEXT } from './action-context.js';
import { actionsRegion } from './actions.region.js';
import { activationRegion } from './activation.region.js';
import { replyControl, userRegion } from './reply-regions.js';
import { and, not, sessionSetup } from './session.setup.js';

export const sessionMachine = sessionSetup.createMachine({
  id: 'session',
  context: ({ input }) => ({
    sessionId: input.sessionId,
    config: input.config,
    userTurnId: null,
    userSpeaking: false,
    userPaused: false,
    quietSinceOnset: false,
    overReply: false,
    pauseSilentMs: 0,
    partialText: '',
    partialComplete: false,
    finalText: null,
    finalConfidence: null,
    replyTurnId: null,
    replyKind: null,
    heardConfidence: null,
    sayText: null,
    replyInstructions: null,
    replyOutOfBand: false,
    replyUninterruptible: false,
    pendingHeard: [],
    history: [],
    usedFiller: false,
    ttsFallbacks: 0,
    utterances: 0,
    textTurns: 0,
    sayTurns: 0,
    voice: null,
    lastHeard: null,
    replyPrefix: '',
    interrupted: null,
    resumes: 0,
    speculation: null,
    guessedTurnIds: [],
    replyProgress: 'thinking',
    language: null,
    resumesInReply: 0,
    vadTurnId: null,
    agentPlaying: false,
    ...INITIAL_ACTIONS_CONTEXT,
  }),
  // VAD, STT and the stop-phrase watcher live as long as the session: speech can start in any state.
  invoke: [
    { id: 'vad', src: 'vad', input: ({ context }) => ({ sessionId: context.sessionId }) },
    { id: 'stt', src: 'stt', input: ({ context }) => ({ sessionId: context.sessionId }) },
    { id: 'estop', src: 'estop', input: ({ context }) => ({ sessionId: context.sessionId, ...context.config.estop }) },
  ],
  type: 'parallel',
  // The root's own transitions apply only to events no region takes (XState's parallel rule): the
  // activation region takes the `vad.speech_*` and `playback.*` reports, so those are handled by regions.
  on: {
    // A cancelled turn's TTS report arrives after the cancel: the late message kept (its playback report: `dialog`).
    'tts.stopped': { guard: 'isInterruptedTurn', actions: 'storeInterruptedTexts' },
    'control.configure': { actions: 'configure' },
    'control.truncate': { guard: 'isLastHeardTurn', actions: 'truncateHeard' },
    // Pauses inside an utterance matter only while listening (below); elsewhere they are only tracked.
    'vad.pause': { guard: 'isUserTurn', actions: 'storePause' },
    'vad.resume': { guard: 'isUserTurn', actions: 'storeResume' },
  },
  states: {
    dialog: {
      initial: 'idle',
      on: {
        'control.end': { target: '.ended', actions: { type: 'cancelReply', params: { reason: 'end' } } },
        // A cancelled turn's playback report arrives after the cancel: what was heard is kept.
        'playback.stopped': { guard: 'isPendingHeard', actions: 'resolveHeard' },
      },
      states: {
        idle: {
          // Outside a reply nothing is resumed any more: the false-interruption window ends here too.
          entry: [
            { type: 'discardSpeculation', params: { reason: 'turn_ended' } },
            'stopReplyActors',
            'forgetInterruptedReply',
          ],
          initial: 'waiting',
          states: {
            waiting: { after: { noInput: 'noInputNoticed' } },
            noInputNoticed: { entry: 'noticeNoInput' },
          },
          // What an action came to is said as soon as the dialog is free.
          always: { guard: 'hasPendingFollowUp', target: 'processing', actions: 'startFollowUp' },
          on: {
            'vad.speech_start': { target: 'listening', actions: 'beginUtterance' },
            'user.text': [
              { guard: 'answersYesOrNo', target: 'processing', actions: 'answerConfirmation' },
              { target: 'processing', actions: 'startTextReply' },
            ],
            'control.say': { target: 'processing', actions: 'startSay' },
            'control.respond': { target: 'processing', actions: 'startRespond' },
          },
        },
        listening: {
          entry: 'stopReplyActors',
          // The false-interruption window, from the barge-in that led here: after it, the cut reply stays cut.
          after: { falseInterruption: { guard: 'hasInterruptedReply', actions: 'forgetInterruptedReply' } },
          initial: 'hearing',
          states: {
            /**
             * The user is talking. Adaptive end of turn: in a pause, a complete command ends the utterance after
             * `turn.completePauseMs` of silence; anything else waits for the VAD's full hangover (`vad.speech_end`).
             */
            hearing: {
              initial: 'routing',
              states: {
                // A barge-in may arrive here while the VAD already reports a pause.
                routing: {
                  always: [
                    { guard: and(['userIsPaused', 'adaptiveEndOfTurn']), target: 'paused' },
                    { target: 'voiced' },
                  ],
                },
                voiced: {
                  on: {
                    'vad.pause': {
                      guard: and(['isUserTurn', 'adaptiveEndOfTurn']),
                      target: 'paused',
                      actions: 'storePause',
                    },
                  },
                },
                paused: {
                  initial: 'short',
                  states: {
                    short: {
                      after: {
                        completePause: [
                          { guard: 'partialIsComplete', target: 'ending', actions: 'endTurnEarly' },
                          { guard: 'canSpeculate', target: 'long', actions: 'startSpeculation' },
                          { target: 'long' },
                        ],
                      },
                    },
                    /**
                     * Past the short pause with an incomplete transcript: a complete one arriving now ends the turn.
                     */
                    long: {
                      on: {
                        'stt.partial': {
                          guard: and(['isUserTurn', 'eventIsComplete']),
                          target: 'ending',
                          actions: ['storePartial', 'endTurnEarly'],
                        },
                      },
                    },
                    /** The VAD was told to end the utterance; its `vad.speech_end` follows. */
                    ending: {},
                  },
                  on: {
                    'vad.resume': {
                      guard: 'isUserTurn',
                      target: 'voiced',
                      actions: ['storeResume', { type: 'discardSpeculation', params: { reason: 'user_went_on' } }],
                    },
                  },
                },
              },
              on: {
                'stt.partial': { guard: 'isUserTurn', actions: 'storePartial' },
                'vad.speech_end': [
                  // Speech begun over the reply that never got past its onset: a sound, not a turn.
                  {
                    guard: and(['isUserTurn', 'quietSinceOnset']),
                    target: '#session.dialog.idle',
                    actions: { type: 'dropUtterance', params: { reason: 'too_short_to_interrupt' } },
                  },
                  { guard: 'isUserTurn', target: 'finalizing', actions: 'endUtterance' },
                ],
              },
            },
            /** Speech ended; waiting for the STT final. */
            finalizing: {
              after: {
                sttFinal: [
                  {
                    guard: 'hasPartialText',
                    target: '#session.dialog.processing',
                    actions: ['noticeUsedPartial', 'startVoiceReply'],
                  },
                  {
                    target: '#session.dialog.idle',
                    actions: { type: 'dropUtterance', params: { reason: 'stt_final_timeout' } },
                  },
                ],
              },
              on: {
                'stt.final': [
                  {
                    guard: and(['isUserTurn', 'isFalseInterruption']),
                    target: '#session.dialog.processing',
                    actions: [{ type: 'dropUtterance', params: { reason: 'false_interruption' } }, 'startResume'],
                  },
                  // It resumed as often as it may: the reply stays cut rather than loop.
                  {
                    guard: and(['isUserTurn', 'resumeLimitReached']),
                    target: '#session.dialog.idle',
                    actions: { type: 'dropUtterance', params: { reason: 'resume_limited' } },
                  },
                  {
                    guard: and(['isUserTurn', 'isIgnorableText']),
                    target: '#session.dialog.idle',
                    actions: { type: 'dropUtterance', params: { reason: 'ignorable' } },
                  },
                  // Not understood, and open as a reply ended on its own: the reply's echo, likelier than the user.
                  {
                    guard: and(['isUserTurn', 'overReply', 'isNotUnderstood']),
                    target: '#session.dialog.idle',
                    actions: { type: 'dropUtterance', params: { reason: 'not_understood_over_reply' } },
                  },
                  // Out of grammar (or mumbled): a re-prompt, never an intent.
                  {
                    guard: and(['isUserTurn', 'isNotUnderstood']),
                    target: '#session.dialog.processing',
                    actions: 'startNotUnderstood',
                  },
                  // A yes or a no to the agent's question: acknowledged, not sent to the LLM.
                  {
                    guard: and(['isUserTurn', 'answersYesOrNo']),
                    target: '#session.dialog.processing',
                    actions: 'answerConfirmation',
                  },
                  {
                    guard: and(['isUserTurn', 'eventHasText', 'finalMatchesSpeculation']),
                    target: '#session.dialog.processing',
                    actions: 'commitSpeculation',
                  },
                  {
                    guard: and(['isUserTurn', 'eventHasText']),
                    target: '#session.dialog.processing',
                    actions: ['storeFinal', 'startVoiceReply'],
                  },
                  {
                    guard: 'isUserTurn',
                    target: '#session.dialog.idle',
                    actions: { type: 'dropUtterance', params: { reason: 'empty_transcript' } },
                  },
                ],
                'stt.partial': { guard: 'isUserTurn', actions: 'storePartial' },
                // A new utterance before the last one was transcribed: the newer one wins.
                'vad.speech_start': {
                  target: 'hearing',
                  actions: [{ type: 'discardSpeculation', params: { reason: 'new_utterance' } }, 'beginUtterance'],
                },
              },
            },
          },
          on: {
            // A guess's progress, so the reply picks up where it is when the guess is committed.
            'llm.started': {
              guard: 'isSpeculationTurn',
              actions: { type: 'advanceSpeculation', params: { progress: 'generating' } },
            },
            'tts.requested': {
              guard: and(['isSpeculationTurn', not('isAboutFiller')]),
              actions: { type: 'advanceSpeculation', params: { progress: 'synthesizing' } },
            },
            'tts.first_chunk': {
              guard: and(['isSpeculationTurn', not('isAboutFiller')]),
              actions: { type: 'advanceSpeculation', params: { progress: 'buffering' } },
            },
            'llm.error': {
              guard: 'isSpeculationTurn',
              actions: { type: 'discardSpeculation', params: { reason: 'llm_error' } },
            },
            'tts.error': {
              guard: and(['isSpeculationTurn', 'isFatalTtsError']),
              actions: { type: 'discardSpeculation', params: { reason: 'tts_failed' } },
            },
            'stt.error': {
              guard: 'isUserTurn',
              target: 'idle',
              actions: { type: 'dropUtterance', params: { reason: 'stt_error' } },
            },
            'user.text': [
              {
                guard: 'answersYesOrNo',
                target: 'processing',
                actions: [{ type: 'dropUtterance', params: { reason: 'replaced_by_text' } }, 'answerConfirmation'],
              },
              {
                target: 'processing',
                actions: [{ type: 'dropUtterance', params: { reason: 'replaced_by_text' } }, 'startTextReply'],
              },
            ],
            'control.say': {
              target: 'processing',
              actions: [{ type: 'dropUtterance', params: { reason: 'replaced_by_say' } }, 'startSay'],
            },
            'control.estop': {
              target: 'idle',
              actions: [
                { type: 'discardSpeculation', params: { reason: 'turn_ended' } },
                { type: 'dropUtterance', params: { reason: 'estop' } },
              ],
            },
          },
        },
        processing: {
          type: 'parallel',
          entry: 'spawnReplyActors',
          states: {
            reply: {
              initial: 'routing',
              states: {
                // A SAY has its text; a committed guess may be further along.
                routing: {
                  always: [
                    { guard: 'isSayReply', target: 'generating' },
                    { guard: { type: 'replyProgressIs', params: { progress: 'buffering' } }, target: 'buffering' },
                    {
                      guard: { type: 'replyProgressIs', params: { progress: 'synthesizing' } },
                      target: 'synthesizing',
                    },
                    { guard: { type: 'replyProgressIs', params: { progress: 'generating' } }, target: 'generating' },
                    { target: 'thinking' },
                  ],
                },
                /** Waiting for the LLM's first token. */
                thinking: {
                  after: { llmFirstToken: 'stalled' },
                  on: { 'llm.started': { guard: 'isReplyTurn', target: 'generating' } },
                },
                /** The LLM is slow: a filler plays while we keep waiting, up to `llmGiveUp`. */
                stalled: {
                  entry: 'sendFiller',
                  after: {
                    llmGiveUp: {
                      target: '#session.dialog.idle',
                      actions: [
                        { type: 'cancelReply', params: { reason: 'llm_timeout' } },
                        { type: 'dropUtterance', params: { reason: 'reply_failed' } },
                      ],
                    },
                  },
                  on: { 'llm.started': { guard: 'isReplyTurn', target: 'generating' } },
                },
                /** Tokens flow; waiting for the first clause to reach TTS. */
                generating: {
                  on: {
                    'tts.requested': { guard: and(['isReplyTurn', not('isAboutFiller')]), target: 'synthesizing' },
                  },
                },
                /**
                 * TTS working on the first clause. Each missed deadline asks the TTS actor for the next engine;
                 * after `tts.maxFallbacks` the turn ends rather than wait forever on a dead engine.
                 */
                synthesizing: {
                  after: {
                    ttsFirstChunk: [
                      { guard: 'canFallBack', target: 'synthesizing', reenter: true, actions: 'requestTtsFallback' },
                      {
                        target: '#session.dialog.idle',
                        actions: [
                          { type: 'cancelReply', params: { reason: 'tts_timeout' } },
                          { type: 'dropUtterance', params: { reason: 'reply_failed' } },
                        ],
                      },
                    ],
                  },
                  on: { 'tts.first_chunk': { guard: and(['isReplyTurn', not('isAboutFiller')]), target: 'buffering' } },
                },
                /** Audio exists; the playback actor is handing the first frame to the sink. */
                buffering: {},
              },
              on: {
                'playback.started': {
                  guard: and(['isReplyTurn', not('isAboutFiller')]),
                  target: '#session.dialog.speaking',
                },
                // An empty answer (or one that was only a filler) finishes without ever reaching `speaking`.
                'playback.finished': [
                  {
                    guard: and(['isReplyTurn', 'userIsSpeaking']),
                    target: '#session.dialog.listening',
                    actions: ['finishReply', 'markOverReply'],
                  },
                  { guard: 'isReplyTurn', target: '#session.dialog.idle', actions: 'finishReply' },
                ],
                'llm.error': {
                  guard: 'isReplyTurn',
                  target: '#session.dialog.idle',
                  actions: [
                    { type: 'cancelReply', params: { reason: 'llm_error' } },
                    { type: 'dropUtterance', params: { reason: 'reply_failed' } },
                  ],
                },
              },
            },
            user: userRegion('processing'),
          },
          on: replyControl,
        },
        speaking: {
          type: 'parallel',
          states: {
            reply: {
              initial: 'playing',
              states: { playing: {} },
              on: {
                'playback.finished': [
                  {
                    guard: and(['isReplyTurn', 'userIsSpeaking']),
                    target: '#session.dialog.listening',
                    actions: ['finishReply', 'markOverReply'],
                  },
                  { guard: 'isReplyTurn', target: '#session.dialog.idle', actions: 'finishReply' },
                ],
              },
            },
            user: userRegion('speaking'),
          },
          on: replyControl,
        },
        ended: { type: 'final', entry: 'stopAllActors' },
      },
    },
    actions: actionsRegion,
    activation: activationRegion,
  },
});

export type SessionMachine = typeof sessionMachine;
