/**
 * The session chart's guards: pure predicates over the context and the event, wired by name in
 * `session.machine.ts` (through `session.base.ts`).
 */
import { assertEvent } from 'xstate';
import type { SessionEvent } from './events.js';
import { splitWords } from './history.js';
import { isIgnorable, resumePoint } from './resume.js';
import { spokenAnswerFor } from './action-context.js';
import { eventText, finalLanguage, isUnsure, sameWords, type ReplyProgress, type SessionContext } from './context.js';

/**
 * The words a barge-in needs: `bargeIn.minWords`, and at least one once the reply has resumed as often as
 * it may — noise that keeps cutting a reply must not loop it.
 */
const minWordsNow = (context: SessionContext) =>
  Math.max(
    context.config.bargeIn.minWords,
    context.resumesInReply > 0 && context.resumesInReply >= context.config.maxResumes ? 1 : 0,
  );

/**
 * A barge-in's transcript with no words (empty or a configured backchannel) while the cut reply can go on.
 * A transcript with words is never one: below the confidence gate it gets the re-prompt.
 */
const wouldResume = (context: SessionContext, event: SessionEvent) =>
  context.interrupted !== null &&
  (eventText(event).trim() === '' || isIgnorable(eventText(event), context.config.bargeIn.ignorableWords)) &&
  resumePoint(context.interrupted) !== null;

interface GuardArgs {
  context: SessionContext;
  event: SessionEvent;
}

export const sessionGuards = {
  isUserTurn: ({ context, event }: GuardArgs) => event.turnId === context.userTurnId,
  isReplyTurn: ({ context, event }: GuardArgs) => event.turnId === context.replyTurnId,
  isPendingHeard: ({ context, event }: GuardArgs) => context.pendingHeard.includes(event.turnId),
  hasPartialText: ({ context }: GuardArgs) => context.partialText.trim().length > 0,
  eventHasText: ({ event }: GuardArgs) => eventText(event).trim().length > 0,
  canFallBack: ({ context }: GuardArgs) => context.ttsFallbacks < context.config.tts.maxFallbacks,
  isSayReply: ({ context }: GuardArgs) => context.replyKind === 'say',
  isInterruptible: ({ context }: GuardArgs) => context.config.bargeIn.enabled && !context.replyUninterruptible,
  userIsSpeaking: ({ context }: GuardArgs) => context.userSpeaking,
  /** `bargeIn.minVoiceMs` above 0: speech over a reply that falls quiet within its onset does not interrupt. */
  checksOnset: ({ context }: GuardArgs) => context.config.bargeIn.minVoiceMs > 0,
  quietSinceOnset: ({ context }: GuardArgs) => context.quietSinceOnset,
  overReply: ({ context }: GuardArgs) => context.overReply,
  wordsSatisfied: ({ context }: GuardArgs) =>
    minWordsNow(context) === 0 || splitWords(context.partialText).length >= minWordsNow(context),
  partialSatisfiesWords: ({ context, event }: GuardArgs) => splitWords(eventText(event)).length >= minWordsNow(context),
  /** Filler audio never counts as the answer's first audio. */
  isAboutFiller: ({ event }: GuardArgs) => 'kind' in event && event.kind === 'filler',
  isLastHeardTurn: ({ context, event }: GuardArgs) => context.lastHeard?.turnId === event.turnId,
  isFatalTtsError: ({ event }: GuardArgs) => {
    assertEvent(event, 'tts.error');
    return event.fatal === true;
  },
  isIgnorableText: ({ context, event }: GuardArgs) =>
    isIgnorable(eventText(event), context.config.bargeIn.ignorableWords),
  /** The utterance after a barge-in had no words (silence, noise or a backchannel), and the cut reply can go on. */
  isFalseInterruption: ({ context, event }: GuardArgs) =>
    wouldResume(context, event) && context.resumesInReply < context.config.maxResumes,
  /** A false interruption of a reply that has resumed as often as it may: it stays cut. */
  resumeLimitReached: ({ context, event }: GuardArgs) =>
    wouldResume(context, event) && context.resumesInReply >= context.config.maxResumes,
  /** Words were heard, but the engine's confidence is below `minConfidence`: not a command. */
  // An unsure answer to the question that a learned head heard as a yes or a no is understood (the answer).
  isNotUnderstood: ({ context, event }: GuardArgs) =>
    eventText(event).trim().length > 0 &&
    isUnsure(event, context.config.minConfidence) &&
    spokenAnswerFor(context, event.turnId) === null,
  hasInterruptedReply: ({ context }: GuardArgs) => context.interrupted !== null,
  isInterruptedTurn: ({ context, event }: GuardArgs) => context.interrupted?.turnId === event.turnId,
  adaptiveEndOfTurn: ({ context }: GuardArgs) => context.config.turn.completePauseMs > 0,
  userIsPaused: ({ context }: GuardArgs) => context.userPaused,
  partialIsComplete: ({ context }: GuardArgs) => context.partialComplete,
  eventIsComplete: ({ event }: GuardArgs) => event.type === 'stt.partial' && event.complete === true,
  canSpeculate: ({ context }: GuardArgs) =>
    context.config.turn.speculate === 'on' &&
    context.speculation === null &&
    context.partialText.trim() !== '' &&
    !isIgnorable(context.partialText, context.config.bargeIn.ignorableWords),
  isSpeculationTurn: ({ context, event }: GuardArgs) =>
    context.speculation !== null && !context.speculation.committed && event.turnId === context.speculation.turnId,
  finalMatchesSpeculation: ({ context, event }: GuardArgs) =>
    context.speculation !== null &&
    sameWords(eventText(event), context.speculation.text) &&
    finalLanguage(context, event) === context.speculation.language,
  replyProgressIs: ({ context }: GuardArgs, params: { progress: ReplyProgress }) =>
    context.replyProgress === params.progress,
};
