/**
 * Making and telling notices: one constructor per code ({@link Notices}), typed by that code's fields
 * (bus/notice-schema.ts), and {@link describeNotice}, the text people and logs read (`session.notice`'s
 * and `voice_agent.notice`'s `detail`, a recording's notice). Every emit site uses a constructor; every
 * consumer switches on `code` and reads fields, never the described text.
 *
 * @example
 * ```ts
 * const n = Notices.reply_cancelled(ReplyCancelReason.barge_in);
 * describeNotice(n); // 'barge_in'
 * describeNotice(
 *   Notices.action_ended({ actionId: 'a1', name: 'turn', outcome: 'timed_out', waitingFor: 'result', afterMs: 5000 }),
 * );
 * // 'a1 turn timed out after 5000 ms'
 * ```
 */
import type { Notice, NoticeOf } from '../bus/notice-schema.js';
import type {
  ActionRefusalReason,
  EstopSource,
  NoticeCode,
  ReplyCancelReason,
  SpeculationDiscardReason,
  UtteranceDropReason,
} from '../bus/notices.js';
import type { TurnId } from '../bus/ids.js';

export type { Notice, NoticeOf };

/** The fields of an `action_ended` notice past its code. */
type ActionEnd = NoticeOf<'action_ended'> extends infer N ? (N extends unknown ? Omit<N, 'code'> : never) : never;

/** One constructor per notice code: the only way the chart and the engines make a notice. */
export const Notices = {
  early_end_of_turn: (text: string) => ({ code: 'early_end_of_turn', text }),
  utterance_dropped: (reason: UtteranceDropReason) => ({ code: 'utterance_dropped', reason }),
  not_understood: (text: string, confidence: number | null, minConfidence: number) => ({
    code: 'not_understood',
    text,
    confidence,
    minConfidence,
  }),
  reply_cancelled: (reason: ReplyCancelReason) => ({ code: 'reply_cancelled', reason }),
  reply_resumed: (resumes: TurnId, remaining: string) => ({ code: 'reply_resumed', resumes, remaining }),
  speculation_started: (text: string) => ({ code: 'speculation_started', text }),
  speculation_committed: (text: string) => ({ code: 'speculation_committed', text }),
  speculation_discarded: (reason: SpeculationDiscardReason) => ({ code: 'speculation_discarded', reason }),
  stt_final_timeout: () => ({ code: 'stt_final_timeout' }),
  tts_first_chunk_deadline: (waitedMs: number) => ({ code: 'tts_first_chunk_deadline', waitedMs }),
  llm_slow: () => ({ code: 'llm_slow' }),
  llm_slow_filler: (text: string) => ({ code: 'llm_slow_filler', text }),
  no_input: (waitedMs: number) => ({ code: 'no_input', waitedMs }),
  action_refused: (name: string, reason: ActionRefusalReason, explanation: string) => ({
    code: 'action_refused',
    name,
    reason,
    explanation,
  }),
  action_confirming: (actionId: string, name: string) => ({ code: 'action_confirming', actionId, name }),
  action_ended: (end: ActionEnd): NoticeOf<'action_ended'> => ({ code: 'action_ended', ...end }),
  estop: (source: EstopSource, phrase?: string) => ({ code: 'estop', source, ...(phrase ? { phrase } : {}) }),
  echo_held_user: (span: { fromMs: number; heldMs: number }) => ({
    code: 'echo_held_user',
    fromMs: span.fromMs,
    heldMs: span.heldMs,
  }),
  echo_half_duplex: (span: { fromMs: number; durationMs: number }) => ({
    code: 'echo_half_duplex',
    fromMs: span.fromMs,
    durationMs: span.durationMs,
  }),
  estop_recognizer_failed: (error: string) => ({ code: 'estop_recognizer_failed', error: error.slice(0, 500) }),
  keyword_failed: (error: string) => ({ code: 'keyword_failed', error: error.slice(0, 500) }),
  noise_suppression: (room: { on: boolean; floorDbfs: number }) => ({
    code: 'noise_suppression',
    on: room.on,
    floorDbfs: Math.round(Math.min(0, Math.max(-200, room.floorDbfs)) * 10) / 10,
  }),
  estop_own_voice: (heard: { phrase: string; explainedShare: number }) => ({
    code: 'estop_own_voice',
    phrase: heard.phrase.slice(0, 200),
    explainedShare: Math.min(1, Math.max(0, heard.explainedShare)),
  }),
} as const satisfies { [C in NoticeCode]: (...args: never[]) => NoticeOf<C> };

const clip = (text: string) => text.slice(0, 80);

/** The end of an action as text: `a1 turn cancelled: barge_in`, `a1 turn no executor accepted it within 2000 ms`. */
function describeActionEnd(n: NoticeOf<'action_ended'>): string {
  const what = `${n.actionId} ${n.name}`;
  switch (n.outcome) {
    case 'cancelled':
      return `${what} cancelled: ${n.reason}`;
    case 'failed':
      return `${what} ${n.error}`;
    case 'rejected':
      return `${what} rejected: ${n.reason}`;
    case 'timed_out':
      return n.waitingFor === 'acceptance'
        ? `${what} no executor accepted it within ${n.afterMs} ms`
        : `${what} timed out after ${n.afterMs} ms`;
  }
}

/**
 * A notice as text, for people and logs: the reason alone where there is one (`barge_in`), what was said
 * or heard where that is the news. The texts are those recordings hold, so a replay compares them as they are.
 */
export function describeNotice(n: Notice): string {
  switch (n.code) {
    case 'early_end_of_turn':
    case 'speculation_started':
    case 'speculation_committed':
    case 'llm_slow_filler':
      return n.text;
    case 'utterance_dropped':
    case 'reply_cancelled':
    case 'speculation_discarded':
      return n.reason;
    case 'not_understood':
      return `"${clip(n.text)}" confidence ${(n.confidence ?? 0).toFixed(2)} < ${n.minConfidence}`;
    case 'reply_resumed':
      return `${n.resumes} from "${clip(n.remaining)}"`;
    case 'stt_final_timeout':
      return 'used the last partial transcript';
    case 'tts_first_chunk_deadline':
      return `no audio within ${n.waitedMs} ms`;
    case 'llm_slow':
      return 'filler disabled';
    case 'no_input':
      return `${n.waitedMs} ms`;
    case 'action_refused':
      return `${n.reason}: ${n.explanation}`;
    case 'action_confirming':
      return `${n.actionId} ${n.name}`;
    case 'action_ended':
      return describeActionEnd(n);
    case 'estop':
      return `${n.source}${n.phrase ? `: ${n.phrase}` : ''}`;
    case 'echo_held_user':
      return `${Math.round(n.heldMs)} ms held from ${Math.round(n.fromMs)} ms`;
    case 'echo_half_duplex':
      return `${Math.round(n.durationMs)} ms from ${Math.round(n.fromMs)} ms: only a user louder than the echo heard`;
    case 'estop_recognizer_failed':
      return (
        `the emergency stop's local recognizer failed (${clip(n.error)}): stops are left to the spotter and the ` +
        `session's transcripts`
      );
    case 'keyword_failed':
      return `the learned keyword heads failed (${clip(n.error)}): stops are left to the spotter and the transcripts`;
    case 'estop_own_voice':
      return (
        `"${clip(n.phrase)}" heard in the robot's own voice (${Math.round(n.explainedShare * 100)} % its echo): ` +
        `not stopped`
      );
    case 'noise_suppression':
      return `RNNoise ${n.on ? 'on' : 'off'}: the room's noise floor ${Math.round(n.floorDbfs)} dBFS`;
  }
}

/** What the chart emits for a notice: the turn it concerns (`-`: the session) and the notice. */
export interface NoticeEmitted {
  type: 'notice';
  turnId: string;
  notice: Notice;
}

/** The chart's emitted event for `notice` about `turnId`. */
export const noticeEvent = (turnId: string, notice: Notice): NoticeEmitted => ({ type: 'notice', turnId, notice });
