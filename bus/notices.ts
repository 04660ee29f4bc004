/**
 * The vocabulary the session chart speaks across its boundary: notice codes and the reasons a reply is
 * cancelled, an utterance dropped, a guess discarded or an action ended. Each is a const tuple and the
 * union type derived from it, so a client compares against an exported name, never a bare string. Each
 * notice's typed fields are in `notice-schema.ts`.
 *
 * @example
 * ```ts
 * import { NoticeCode, isNoticeCode } from 'voice-agent';
 * bus.subscribe(bus.subjects.forEvent('robot-1', 'session.notice'), (m) => {
 *   if (m.type === 'session.notice' && m.code === NoticeCode.estop) console.log('emergency stop by', m.source);
 * });
 * ```
 */

const enumOf = <const T extends readonly string[]>(values: T) =>
  Object.fromEntries(values.map((v) => [v, v])) as { readonly [K in T[number]]: K };

/** Every `session.notice` code. */
export const NOTICE_CODES = [
  'early_end_of_turn',
  'utterance_dropped',
  'not_understood',
  'reply_cancelled',
  'reply_resumed',
  'speculation_started',
  'speculation_committed',
  'speculation_discarded',
  'stt_final_timeout',
  'tts_first_chunk_deadline',
  'llm_slow',
  'llm_slow_filler',
  'no_input',
  /** An action was asked for and refused before it left the agent (unknown, invalid, over its rate). */
  'action_refused',
  /** An action waits for the user's yes or no. */
  'action_confirming',
  /** An action ended without a result: cancelled, failed, rejected, timed out. */
  'action_ended',
  /** A stop phrase, a client's button or a keyword spotter stopped everything at once. */
  'estop',
  /**
   * The echo step held back microphone audio that may have been the user's voice (`fromMs`, `heldMs`,
   * session time): a command lost under the agent's own voice is visible, never silent.
   */
  'echo_held_user',
  /**
   * The agent spoke for `durationMs` from `fromMs` (session time) while the echo step was half duplex (its
   * filter still learning the room): only a user far louder than the echo was heard, anyone quieter was not.
   */
  'echo_half_duplex',
  /**
   * The emergency stop's local recognizer (`session.estop.localRecognizer`) failed on an utterance
   * (`error`): that utterance's stop is left to the spotter and the session's own transcripts. Told once
   * per session.
   */
  'estop_recognizer_failed',
  /**
   * The learned keyword heads (`keyword`) failed (`error`): the session goes on without them; the phone-loop
   * spotter and the transcripts still hear stops. Told once per session.
   */
  'keyword_failed',
  /**
   * The stop spotter heard a stop phrase (`phrase`) in the robot's own voice, let through by an echo
   * canceller lagging a drifting path (`explainedShare` of it was the canceller's own echo estimate), and
   * did not stop the robot.
   */
  'estop_own_voice',
  /**
   * `audio.noiseSuppression: "auto"` switched RNNoise `on` (the room's noise floor rose to `floorDbfs`) or
   * off (it fell): what the VAD and the recognizer hear changed with the room.
   */
  'noise_suppression',
] as const;
export type NoticeCode = (typeof NOTICE_CODES)[number];
export const NoticeCode = enumOf(NOTICE_CODES);

/** Why a reply was cancelled (`reply_cancelled`'s `reason`). */
export const REPLY_CANCEL_REASONS = [
  'barge_in',
  'stop',
  'end',
  'new_text',
  'say',
  'tts_failed',
  'tts_timeout',
  'llm_error',
  'llm_timeout',
  'estop',
  'action_refused',
  'action_confirm',
  'action_answered',
] as const;
export type ReplyCancelReason = (typeof REPLY_CANCEL_REASONS)[number];
export const ReplyCancelReason = enumOf(REPLY_CANCEL_REASONS);

/** The reasons that say a reply failed (a stage broke or ran late) rather than was cut on purpose or by the user. */
export const REPLY_FAILURE_REASONS = [
  'tts_failed',
  'tts_timeout',
  'llm_error',
  'llm_timeout',
] as const satisfies readonly ReplyCancelReason[];
const REPLY_FAILURES: ReadonlySet<ReplyCancelReason> = new Set(REPLY_FAILURE_REASONS);
/** Whether a reply cancelled for `reason` failed (see {@link REPLY_FAILURE_REASONS}). */
export const isReplyFailure = (reason: ReplyCancelReason): boolean => REPLY_FAILURES.has(reason);

/** Why an utterance was dropped (`utterance_dropped`'s `reason`). */
export const UTTERANCE_DROP_REASONS = [
  'too_short_to_interrupt',
  'too_few_words_to_interrupt',
  'spoke_over_uninterruptible',
  'false_interruption',
  'ignorable',
  'empty_transcript',
  'stt_final_timeout',
  'stt_error',
  'replaced_by_text',
  'replaced_by_say',
  'reply_failed',
  'estop',
  'resume_limited',
  'not_understood_over_reply',
] as const;
export type UtteranceDropReason = (typeof UTTERANCE_DROP_REASONS)[number];
export const UtteranceDropReason = enumOf(UTTERANCE_DROP_REASONS);

/** Why a speculative reply was thrown away (`speculation_discarded`'s `reason`). */
export const SPECULATION_DISCARD_REASONS = [
  'replaced',
  'turn_ended',
  'user_went_on',
  'new_utterance',
  'llm_error',
  'tts_failed',
] as const;
export type SpeculationDiscardReason = (typeof SPECULATION_DISCARD_REASONS)[number];
export const SpeculationDiscardReason = enumOf(SPECULATION_DISCARD_REASONS);

/** Why an action was cancelled (`action.cancel`'s reason), following what declared it cancellable. */
export const ACTION_CANCEL_REASONS = [
  'barge_in',
  'stop',
  'new_command',
  'estop',
  'end',
  'timeout',
  'declined',
  'confirm_timeout',
  'client',
] as const;
export type ActionCancelReason = (typeof ACTION_CANCEL_REASONS)[number];
export const ActionCancelReason = enumOf(ACTION_CANCEL_REASONS);

/** Why an action was refused before it left the agent (`action.rejected`'s reason when the agent refuses). */
export const ACTION_REFUSAL_REASONS = [
  'unknown_action',
  'invalid_arguments',
  'rate_limited',
  'busy',
  'executor_rejected',
  'no_executor',
] as const;
export type ActionRefusalReason = (typeof ACTION_REFUSAL_REASONS)[number];

/**
 * What stopped everything at once (`control.estop`'s and the `estop` notice's `source`): a stop phrase, a client, a
 * keyword spotter.
 */
export const ESTOP_SOURCES = ['phrase', 'client', 'spotter'] as const;
export type EstopSource = (typeof ESTOP_SOURCES)[number];

/** How an action ended without a result (`action_ended`'s `outcome`). */
export const ACTION_END_OUTCOMES = ['cancelled', 'failed', 'rejected', 'timed_out'] as const;
export type ActionEndOutcome = (typeof ACTION_END_OUTCOMES)[number];

export const isNoticeCode = (value: string): value is NoticeCode => (NOTICE_CODES as readonly string[]).includes(value);
