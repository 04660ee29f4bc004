/**
 * Each notice's typed fields, one variant per code: what a client reads instead of parsing `detail`. The
 * same variants make the `session.notice` bus message (with its envelope and `detail`, the described
 * text) and the chart's emitted notices, so both stay one union the compiler checks on `code`.
 *
 * @example
 * ```ts
 * bus.subscribe(bus.subjects.forEvent('robot-1', 'session.notice'), (m) => {
 *   if (m.type !== 'session.notice') return;
 *   if (m.code === NoticeCode.reply_cancelled && m.reason === ReplyCancelReason.barge_in) {
 *     console.log('the user cut in');
 *   }
 *   if (m.code === NoticeCode.action_ended && m.outcome === 'timed_out') {
 *     console.log(m.actionId, 'ran out after', m.afterMs, 'ms');
 *   }
 * });
 * ```
 */
import { z } from 'zod';
import { ActionIdSchema, ActionNameSchema, OneTurnIdSchema } from './ids.js';
import {
  ACTION_CANCEL_REASONS,
  ACTION_REFUSAL_REASONS,
  ESTOP_SOURCES,
  REPLY_CANCEL_REASONS,
  SPECULATION_DISCARD_REASONS,
  UTTERANCE_DROP_REASONS,
  type NoticeCode,
} from './notices.js';

const ms = z.number().nonnegative();

/**
 * The notice union with `base` in every variant: `{}` for the bare notice, the bus envelope and `detail`
 * for the `session.notice` message. Field names never repeat the envelope's (`turnId`, `atMs`, `detail`).
 */
export function noticeSchemaWith<S extends z.ZodRawShape>(base: S) {
  return z.discriminatedUnion('code', [
    ...turnNotices(base),
    ...replyNotices(base),
    ...actionNotices(base),
    ...safetyNotices(base),
  ]);
}

/** Its arguments as a tuple, each keeping its own type (so spread variants keep theirs in the union). */
const tuple = <T extends unknown[]>(...items: T): T => items;

/** The maker of one code's variant, `base` first and the code's own fields after it. */
function variantOf<S extends z.ZodRawShape>(base: S) {
  return <C extends NoticeCode, F extends z.ZodRawShape>(code: C, fields: F) =>
    z.object({ ...base, code: z.literal(code), ...fields }).strict();
}

/** How a user's turn ended: early, dropped, or not understood. */
function turnNotices<S extends z.ZodRawShape>(base: S) {
  const variant = variantOf(base);
  return tuple(
    /** The transcript so far (`text`) was a whole command and the user paused: the turn ended early. */
    variant('early_end_of_turn', { text: z.string() }),
    variant('utterance_dropped', { reason: z.enum(UTTERANCE_DROP_REASONS) }),
    /**
     * A final transcript below `minConfidence` (`confidence` null: the engine gave none); answered with the
     * re-prompt.
     */
    variant('not_understood', {
      text: z.string(),
      confidence: z.number().min(0).max(1).nullable(),
      minConfidence: z.number().min(0).max(1),
    }),
  );
}

/** What became of a reply: cancelled, resumed, guessed ahead, or late at one of its stages. */
function replyNotices<S extends z.ZodRawShape>(base: S) {
  const variant = variantOf(base);
  return tuple(
    variant('reply_cancelled', { reason: z.enum(REPLY_CANCEL_REASONS) }),
    /**
     * The reply `resumes` (cut by what proved a false interruption) goes on with the words not yet heard
     * (`remaining`).
     */
    variant('reply_resumed', { resumes: OneTurnIdSchema, remaining: z.string() }),
    /** A reply guessed from the transcript so far (`text`). */
    variant('speculation_started', { text: z.string() }),
    /** The final transcript (`text`) is what the guess answered: the guess is the reply. */
    variant('speculation_committed', { text: z.string() }),
    variant('speculation_discarded', { reason: z.enum(SPECULATION_DISCARD_REASONS) }),
    /** No final transcript in time: the last partial one was used. */
    variant('stt_final_timeout', {}),
    /** No audio within `waitedMs`: the TTS was asked to fall back to its next engine. */
    variant('tts_first_chunk_deadline', { waitedMs: ms }),
    /** The LLM was slow and no filler is configured. */
    variant('llm_slow', {}),
    /** The LLM was slow: the filler `text` is spoken meanwhile. */
    variant('llm_slow_filler', { text: z.string() }),
    /** Nothing was heard for `waitedMs`. */
    variant('no_input', { waitedMs: ms }),
  );
}

/** A tool call's course: refused, awaiting confirmation, or ended (one variant per `outcome`). */
function actionNotices<S extends z.ZodRawShape>(base: S) {
  const variant = variantOf(base);
  const actionEnd = <O extends string, F extends z.ZodRawShape>(outcome: O, fields: F) =>
    variant('action_ended', {
      actionId: ActionIdSchema,
      name: ActionNameSchema,
      outcome: z.literal(outcome),
      ...fields,
    });
  return tuple(
    /** A tool call `name` refused before it left the agent; `explanation` says what was wrong with it. */
    variant('action_refused', {
      name: ActionNameSchema,
      reason: z.enum(ACTION_REFUSAL_REASONS),
      explanation: z.string(),
    }),
    variant('action_confirming', { actionId: ActionIdSchema, name: ActionNameSchema }),
    z.discriminatedUnion('outcome', [
      actionEnd('cancelled', { reason: z.enum(ACTION_CANCEL_REASONS) }),
      /** `action.failed`: the executor's `error`. */
      actionEnd('failed', { error: z.string() }),
      /** `action.rejected`: the executor's `reason`. */
      actionEnd('rejected', { reason: z.string() }),
      /** No executor accepted it (`acceptance`), or it ran past its time (`result`), after `afterMs`. */
      actionEnd('timed_out', { waitingFor: z.enum(['acceptance', 'result']), afterMs: ms }),
    ]),
  );
}

/** The emergency stop, and the microphone's steps that decide what the agent hears: echo, keywords, noise. */
function safetyNotices<S extends z.ZodRawShape>(base: S) {
  const variant = variantOf(base);
  return tuple(
    variant('estop', { source: z.enum(ESTOP_SOURCES), phrase: z.string().max(200).optional() }),
    /**
     * The echo step held back `heldMs` of microphone audio from `fromMs` (session time) that may have been
     * the user.
     */
    variant('echo_held_user', { fromMs: ms, heldMs: ms }),
    /**
     * The agent spoke `durationMs` from `fromMs` (session time) while the echo step heard only a user far
     * louder than its echo.
     */
    variant('echo_half_duplex', { fromMs: ms, durationMs: ms }),
    /**
     * The emergency stop's local recognizer failed (`error`); the spotter and the session's transcripts still
     * hear stops.
     */
    variant('estop_recognizer_failed', { error: z.string().max(500) }),
    /** The learned keyword heads failed (`error`); the phone-loop spotter and the transcripts still hear stops. */
    variant('keyword_failed', { error: z.string().max(500) }),
    /**
     * A stop phrase heard in the robot's own voice (`explainedShare` of it the echo canceller's estimate), not
     * acted on.
     */
    variant('estop_own_voice', { phrase: z.string().max(200), explainedShare: z.number().min(0).max(1) }),
    /**
     * RNNoise switched `on` or off by the room's noise floor (`floorDbfs`, the quietest 20 ms of the last
     * second).
     */
    variant('noise_suppression', { on: z.boolean(), floorDbfs: z.number().min(-200).max(0) }),
  );
}

/** A notice alone: its `code` and that code's fields. */
export const NoticeSchema = noticeSchemaWith({});
/** A notice alone, one variant per {@link NoticeCode}. */
export type Notice = z.infer<typeof NoticeSchema>;
/** The notice of one code. */
export type NoticeOf<C extends NoticeCode> = Extract<Notice, { code: C }>;
