/**
 * The session chart's context and the pure helpers its guards and actions share: what a session
 * remembers between events (the utterance, the reply, the history, a guessed reply), and how turn ids,
 * prompts and transcripts are derived from it. No I/O, no time.
 */
import type { HeardSegment, TurnId } from '../bus/messages.js';
import type { SessionConfig } from './config.js';
import type { HistoryEntry, SessionEvent } from './events.js';
import { appendHistory, splitWords } from './history.js';
import type { InterruptedReply } from './resume.js';
import type { ActionsContext } from './action-context.js';

export interface SessionInput {
  sessionId: string;
  config: SessionConfig;
}

export interface SessionContext extends ActionsContext {
  sessionId: string;
  config: SessionConfig;
  /** The user utterance in progress or being finalized (`u<n>`, minted by the VAD). */
  userTurnId: TurnId | null;
  userSpeaking: boolean;
  /** The VAD reported a pause in the utterance in progress (`vad.pause`), and no voice since. */
  userPaused: boolean;
  /**
   * The utterance began over a reply and fell quiet within its onset (`bargeIn.minVoiceMs`), with no voice
   * since: if it ends so, it was a sound (a click, a burst of the agent's own echo), not the user.
   */
  quietSinceOnset: boolean;
  /**
   * The utterance was still open when a reply ended on its own (it began over the reply, or before it, and
   * did not cut it): if the recognizer does not understand it, it was more likely the reply's own echo
   * than the user, and it is dropped without a re-prompt.
   */
  overReply: boolean;
  /** Silence the VAD had already seen when it reported the pause; the adaptive end of turn counts from there. */
  pauseSilentMs: number;
  partialText: string;
  /** The last partial transcript is a complete command (`stt.partial.complete`). */
  partialComplete: boolean;
  finalText: string | null;
  /** The STT's confidence in `finalText` (`stt.final.confidence`); null: typed, or an engine that cannot tell. */
  finalConfidence: number | null;
  /** The reply being produced; its children have ids `llm`, `tts`, `playback`. */
  replyTurnId: TurnId | null;
  replyKind: 'llm' | 'say' | null;
  /**
   * The STT's confidence in the final the last voice reply answers, under that reply's turn id (null: no
   * such reply yet, or an engine that cannot tell). A tool call of that turn whose action declares
   * `confirm.belowConfidence` asks first below it; a call of any other turn (typed, a follow-up) has none.
   * Kept past the reply's end: turn ids are never reused, so it cannot match a later call.
   */
  heardConfidence: { turnId: string; confidence: number } | null;
  sayText: string | null;
  /** Instructions for this reply only (`control.respond`), after the system prompt. */
  replyInstructions: string | null;
  /** This reply stays out of the history (`control.respond` `outOfBand`): said, never remembered. */
  replyOutOfBand: boolean;
  replyUninterruptible: boolean;
  /** Cancelled turns whose playback report (what was heard) has not arrived yet. */
  pendingHeard: string[];
  history: HistoryEntry[];
  /** A filler was asked for in the current reply (the LLM was slow). */
  usedFiller: boolean;
  /** First-chunk deadlines missed in the current reply. */
  ttsFallbacks: number;
  /** User utterances heard so far (the VAD numbers them `u1`, `u2`, …). */
  utterances: number;
  textTurns: number;
  sayTurns: number;
  /** Voice for the session's replies (`control.configure`); null: the engine's configured voice. */
  voice: string | null;
  /**
   * The last reply's playback report (and the heard text it continues, for a resumed reply), so a
   * client's `control.truncate` can cut its history entry.
   */
  lastHeard: { turnId: string; segments: HeardSegment[]; prefix: string } | null;
  /** What the user heard of this reply before it was resumed; '' for a reply that is not a resume. */
  replyPrefix: string;
  /** The reply a barge-in just cut, kept until the false-interruption window closes. */
  interrupted: InterruptedReply | null;
  /**
   * Replies with a turn id of their own so far (`r1`, `r2`, …): resumed replies, and replies after a discarded guess.
   */
  resumes: number;
  /** A reply started before the user was surely done (adaptive end of turn), held silent until committed. */
  speculation: Speculation | null;
  /** Reply turn ids a discarded guess used for the current utterance: never reused, so late messages cannot mix. */
  guessedTurnIds: TurnId[];
  /** The language the user last spoke, as the STT detected it (`stt.final.language`); null: not known. */
  language: string | null;
  /** How far the reply got before `processing` (a committed guess may already have audio): where `reply` starts. */
  replyProgress: ReplyProgress;
  /** Times the current reply resumed after false interruptions; at `maxResumes` it takes words to barge in. */
  resumesInReply: number;
  /**
   * The activation region's view of who is talking: the VAD's utterance in progress (from its
   * `vad.speech_start` to that turn's `vad.speech_end`, whatever the dialog made of it; null: none), and
   * whether the agent's audio plays (`playback.started` to `playback.finished`/`stopped`, any turn). The
   * wake window never runs out under either.
   */
  vadTurnId: string | null;
  agentPlaying: boolean;
}

export type ReplyProgress = 'thinking' | 'generating' | 'synthesizing' | 'buffering';
export const PROGRESS_ORDER: readonly ReplyProgress[] = ['thinking', 'generating', 'synthesizing', 'buffering'];

export interface Speculation {
  turnId: TurnId;
  /** The partial transcript the guess answers; the final must match it for the guess to be kept. */
  text: string;
  /** The language the guess was made in (the user's last known one); a final in another language discards it. */
  language: string | null;
  committed: boolean;
}

/** The system prompt for the reply: the user's language's own, else the session's. */
export const systemPromptFor = (context: SessionContext) =>
  (context.language !== null ? context.config.languagePrompts[context.language] : undefined) ??
  context.config.systemPrompt;
/** The language a final transcript reports, else the one the user spoke last. */
export const finalLanguage = (context: SessionContext, event: SessionEvent) =>
  event.type === 'stt.final' && event.language ? event.language : context.language;
/** How a guess's transcript and the final are compared: case, punctuation and spacing do not count. */
const wordsOf = (text: string) => splitWords(text.toLowerCase().replace(/[^\p{L}\p{N}\s']/gu, ' ')).join(' ');
export const sameWords = (a: string, b: string) => wordsOf(a) === wordsOf(b);
/** The reply id for the current utterance: its own turn id, unless a discarded guess already used it. */
export const freshReplyId = (context: SessionContext): { turnId: TurnId; resumes: number } => {
  const userTurnId = context.userTurnId ?? 'u0';
  const used = [...context.guessedTurnIds, ...(context.speculation ? [context.speculation.turnId] : [])];
  return used.includes(userTurnId)
    ? { turnId: `r${context.resumes + 1}`, resumes: context.resumes + 1 }
    : { turnId: userTurnId, resumes: context.resumes };
};

/** The session's history with `entry` appended, within `historyLimit` (oldest resolved entries go first). */
export const historyWith = (context: SessionContext, entry: HistoryEntry): HistoryEntry[] =>
  appendHistory(context.history, entry, context.config.historyLimit);

/** The context of an utterance that is over (answered, dropped or replaced): nothing of it is pending. */
export const NO_UTTERANCE = {
  userTurnId: null,
  userSpeaking: false,
  userPaused: false,
  quietSinceOnset: false,
  overReply: false,
  partialText: '',
  partialComplete: false,
  finalText: null,
  finalConfidence: null,
} as const satisfies Partial<SessionContext>;

/** The context of a reply that starts now (LLM or spoken text), with nothing heard before it and nothing to resume. */
export const startingReply = (
  turnId: TurnId,
  kind: 'llm' | 'say',
  sayText: string | null = null,
  uninterruptible = false,
) =>
  ({
    replyTurnId: turnId,
    replyKind: kind,
    sayText,
    replyInstructions: null,
    replyOutOfBand: false,
    replyUninterruptible: uninterruptible,
    replyPrefix: '',
    interrupted: null,
    resumesInReply: 0,
  }) satisfies Partial<SessionContext>;

export type Event<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>;
export const has = <K extends string>(
  event: SessionEvent,
  key: K,
): event is Extract<SessionEvent, Record<K, unknown>> => key in event;
export const eventText = (event: SessionEvent): string => (has(event, 'text') ? String(event.text) : '');
/** A final the engine was not sure of: its confidence is known and below the configured minimum. */
export const isUnsure = (event: SessionEvent, minConfidence: number): boolean =>
  event.type === 'stt.final' && event.confidence !== undefined && event.confidence < minConfidence;
