/**
 * The dialog's vocabulary: actions, delays and the child actor slots, with the context (`context.ts`)
 * and the guards (`guards.ts`); `session.setup.ts` adds the actions region's. The chart itself
 * (`session.machine.ts`) only wires these by name. Everything here is pure: time only via named delays,
 * no I/O (children are placeholders until the session host provides the real actors).
 */
import { and, assertEvent, emit, enqueueActions, fromCallback, not, setup } from 'xstate';
import { toolsOf } from '../adapters/actions/catalog.js';
import type { EstopActorInput } from '../actors/estop/index.js';
import { catalogOf } from './action-context.js';
import { isTurnId, type TurnId } from '../bus/ids.js';
import type { ReplyCancelReason, SpeculationDiscardReason, UtteranceDropReason } from '../bus/notices.js';
import type {
  CommitCommand,
  LlmActorInput,
  PlaybackActorInput,
  SttActorInput,
  TtsActorInput,
  VadActorInput,
  VadCommand,
} from '../actors/inputs.js';
import type { HistoryEntry, SessionEmitted, SessionEvent, SttCommand, TtsCommand } from './events.js';
import { describeNotice, Notices, noticeEvent } from './notices.js';
import { capPlayed, heardText, toChatMessages, userEntry } from './history.js';
import { joinText, resumePoint } from './resume.js';
import { sessionGuards } from './guards.js';
import {
  eventText,
  finalLanguage,
  freshReplyId,
  historyWith,
  NO_UTTERANCE,
  PROGRESS_ORDER,
  startingReply,
  systemPromptFor,
  type ReplyProgress,
  type SessionContext,
  type SessionInput,
} from './context.js';

export type { ReplyProgress, SessionContext, SessionInput, Speculation } from './context.js';

export const REPLY_CHILDREN = ['llm', 'tts', 'playback'] as const;

/** The tools the LLM is offered (declared actions and the client's), and how it may use them. */
const toolsFor = (context: SessionContext) => {
  const tools = toolsOf(catalogOf(context));
  return tools.length > 0 ? { tools, ...(context.toolChoice !== null ? { toolChoice: context.toolChoice } : {}) } : {};
};

export const baseSetup = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
    emitted: {} as SessionEmitted,
  },
  actors: {
    vad: fromCallback<VadCommand, VadActorInput>(() => undefined),
    stt: fromCallback<SttCommand, SttActorInput>(() => undefined),
    llm: fromCallback<CommitCommand, LlmActorInput>(() => undefined),
    tts: fromCallback<TtsCommand, TtsActorInput>(() => undefined),
    playback: fromCallback<CommitCommand, PlaybackActorInput>(() => undefined),
    estop: fromCallback<{ type: 'none' }, EstopActorInput>(() => undefined),
  },
  delays: {
    noInput: ({ context }) => context.config.timeouts.noInputMs,
    sttFinal: ({ context }) => context.config.timeouts.sttFinalMs,
    llmFirstToken: ({ context }) => context.config.timeouts.llmFirstTokenMs,
    llmGiveUp: ({ context }) => context.config.timeouts.llmGiveUpMs,
    ttsFirstChunk: ({ context }) => context.config.timeouts.ttsFirstChunkMs,
    minInterruption: ({ context }) => context.config.bargeIn.minSpeechMs,
    minVoice: ({ context }) => context.config.bargeIn.minVoiceMs,
    falseInterruption: ({ context }) => context.config.bargeIn.falseInterruptionMs,
    /** What is left of `turn.completePauseMs` after the silence the VAD needed to call it a pause. */
    completePause: ({ context }) => Math.max(0, context.config.turn.completePauseMs - context.pauseSilentMs),
  },
  guards: sessionGuards,
  actions: {
    beginUtterance: enqueueActions(({ enqueue, context, event }) => {
      // An unfinished older utterance is superseded: tell STT to stop working on it.
      if (context.userTurnId !== null && context.userTurnId !== event.turnId) {
        enqueue.sendTo('stt', { type: 'cancel', turnId: context.userTurnId } satisfies SttCommand);
      }
      enqueue.assign({
        guessedTurnIds: [],
        // The VAD mints `u<n>`; a start under the session's own id (`-`) names no utterance of its own.
        userTurnId: isTurnId(event.turnId) ? event.turnId : null,
        userSpeaking: true,
        userPaused: false,
        quietSinceOnset: false,
        overReply: false,
        partialText: '',
        partialComplete: false,
        finalText: null,
        utterances: context.utterances + 1,
      });
    }),
    endUtterance: enqueueActions(({ enqueue }) =>
      enqueue.assign({ userSpeaking: false, userPaused: false, quietSinceOnset: false }),
    ),
    storePartial: enqueueActions(({ enqueue, event }) =>
      enqueue.assign({
        partialText: eventText(event),
        partialComplete: event.type === 'stt.partial' && event.complete === true,
      }),
    ),
    storePause: enqueueActions(({ enqueue, event }) =>
      enqueue.assign({ userPaused: true, pauseSilentMs: event.type === 'vad.pause' ? event.silentMs : 0 }),
    ),
    storeResume: enqueueActions(({ enqueue }) => enqueue.assign({ userPaused: false, quietSinceOnset: false })),
    /** The pause came within the onset of speech over a reply (`bargeIn.minVoiceMs`); with `storePause`. */
    markQuietOnset: enqueueActions(({ enqueue }) => enqueue.assign({ quietSinceOnset: true })),
    /** The utterance is still open as the reply ends on its own; with `finishReply`. */
    markOverReply: enqueueActions(({ enqueue }) => enqueue.assign({ overReply: true })),
    /**
     * The transcript is a complete command and the user paused: the VAD ends the utterance now, not after its hangover.
     */
    endTurnEarly: enqueueActions(({ enqueue, context }) => {
      enqueue.sendTo('vad', { type: 'end' } satisfies VadCommand);
      enqueue.emit(noticeEvent(context.userTurnId ?? '-', Notices.early_end_of_turn(context.partialText)));
    }),
    storeFinal: enqueueActions(({ enqueue, context, event }) =>
      enqueue.assign({
        finalText: eventText(event),
        finalConfidence: event.type === 'stt.final' ? (event.confidence ?? null) : null,
        language: finalLanguage(context, event),
      }),
    ),
    /** Forget the utterance (noise, a too-short interruption, a failed transcript) and stop its STT. */
    dropUtterance: enqueueActions(({ enqueue, context }, params: { reason: UtteranceDropReason }) => {
      if (context.userTurnId === null) return;
      enqueue.sendTo('stt', { type: 'cancel', turnId: context.userTurnId } satisfies SttCommand);
      enqueue.emit(noticeEvent(context.userTurnId, Notices.utterance_dropped(params.reason)));
      enqueue.assign(NO_UTTERANCE);
    }),
    startVoiceReply: enqueueActions(({ enqueue, context }) => {
      const userTurnId = context.userTurnId ?? 'u0';
      const { turnId, resumes } = freshReplyId(context);
      const text = (context.finalText ?? '').trim() || context.partialText.trim();
      const entry = userEntry(userTurnId, text, turnId);
      enqueue.assign({
        resumes,
        history: historyWith(context, entry),
        ...startingReply(turnId, 'llm'),
        heardConfidence: context.finalConfidence === null ? null : { turnId, confidence: context.finalConfidence },
        ...NO_UTTERANCE,
      });
      enqueue.emit({ type: 'history', entry });
    }),
    /**
     * A transcript below `minConfidence`: the user's turn is answered with the re-prompt, spoken under the
     * utterance's turn id, with no user history entry and no LLM request (so never an action).
     */
    startNotUnderstood: enqueueActions(({ enqueue, context, event }) => {
      const userTurnId = context.userTurnId ?? 'u0';
      // The re-prompt is spoken under the utterance's own id, unless a discarded guess used it.
      const { turnId, resumes } = freshReplyId(context);
      assertEvent(event, 'stt.final');
      const final = event;
      enqueue.emit(
        noticeEvent(
          userTurnId,
          Notices.not_understood(final.text, final.confidence ?? null, context.config.minConfidence),
        ),
      );
      enqueue.assign({ resumes, ...startingReply(turnId, 'say', context.config.notUnderstoodText), ...NO_UTTERANCE });
    }),
    startTextReply: enqueueActions(({ enqueue, context, event }) => {
      const turnId: TurnId = `t${context.textTurns + 1}`;
      const entry = userEntry(turnId, eventText(event));
      enqueue.assign({
        textTurns: context.textTurns + 1,
        history: historyWith(context, entry),
        ...startingReply(turnId, 'llm'),
      });
      enqueue.emit({ type: 'history', entry });
    }),
    startSay: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'control.say');
      const say = event;
      enqueue.assign({
        sayTurns: context.sayTurns + 1,
        ...startingReply(`s${context.sayTurns + 1}`, 'say', say.text, say.uninterruptible),
      });
    }),
    spawnReplyActors: enqueueActions(({ enqueue, context }) => {
      const { sessionId, replyTurnId, speculation } = context;
      if (replyTurnId === null) return;
      // A committed guess is this reply: its children run already.
      if (speculation?.committed && speculation.turnId === replyTurnId) {
        enqueue.assign({ ttsFallbacks: 0, usedFiller: false, speculation: null });
        return;
      }
      if (speculation) {
        for (const id of REPLY_CHILDREN) enqueue.stopChild(id);
        enqueue.emit(noticeEvent(speculation.turnId, Notices.speculation_discarded('replaced')));
      }
      enqueue.assign({
        ttsFallbacks: 0,
        usedFiller: false,
        replyProgress: 'thinking',
        speculation: null,
        guessedTurnIds: speculation ? [...context.guessedTurnIds, speculation.turnId] : context.guessedTurnIds,
      });
      if (context.replyKind === 'llm') {
        const prompt =
          context.replyInstructions === null
            ? systemPromptFor(context)
            : `${systemPromptFor(context)}\n\n${context.replyInstructions}`;
        const messages = toChatMessages(prompt, context.history, context.config.historyTurns);
        enqueue.spawnChild('llm', {
          id: 'llm',
          input: { sessionId, turnId: replyTurnId, messages, ...toolsFor(context) },
        });
      }
      const ttsInput: TtsActorInput = {
        sessionId,
        turnId: replyTurnId,
        ...(context.replyKind === 'say' && context.sayText !== null ? { say: context.sayText } : {}),
        ...(context.voice !== null ? { voice: context.voice } : {}),
        ...(context.language !== null ? { language: context.language } : {}),
      };
      enqueue.spawnChild('tts', { id: 'tts', input: ttsInput });
      enqueue.spawnChild('playback', { id: 'playback', input: { sessionId, turnId: replyTurnId } });
    }),
    /** Idempotent: entry action of every state outside a reply, so no reply child can outlive its turn. */
    stopReplyActors: enqueueActions(({ enqueue }) => {
      for (const id of REPLY_CHILDREN) enqueue.stopChild(id);
    }),
    stopAllActors: enqueueActions(({ enqueue }) => {
      for (const id of [...REPLY_CHILDREN, 'stt', 'vad', 'estop']) enqueue.stopChild(id);
    }),
    /**
     * Cancels the reply: stops its children (playback clears the sink and reports what was played) and
     * keeps a pending assistant entry that `resolveHeard` fills from that report.
     */
    cancelReply: enqueueActions(({ enqueue, context }, params: { reason: ReplyCancelReason }) => {
      const turnId = context.replyTurnId;
      for (const id of REPLY_CHILDREN) enqueue.stopChild(id);
      if (turnId === null) return;
      if (context.replyOutOfBand) {
        // Out of the history: nothing of it is kept, waited for or resumed.
        enqueue.assign({
          replyTurnId: null,
          replyKind: null,
          sayText: null,
          replyUninterruptible: false,
          replyOutOfBand: false,
        });
        enqueue.emit(noticeEvent(turnId, Notices.reply_cancelled(params.reason)));
        return;
      }
      // The placeholder holds what was heard before this reply (a resumed reply's predecessor), if anything.
      const placeholder: HistoryEntry = {
        role: 'assistant',
        turnId,
        text: context.replyPrefix,
        interrupted: true,
        pending: true,
      };
      // A barge-in may turn out to be a cough: keep what is needed to resume the reply, for a while. Its
      // text comes with the TTS actor's stop report (`tts.stopped`), what was heard with playback's.
      const resumable = params.reason === 'barge_in' && context.config.bargeIn.falseInterruptionMs > 0;
      enqueue.assign({
        replyTurnId: null,
        replyKind: null,
        sayText: null,
        replyUninterruptible: false,
        pendingHeard: [...context.pendingHeard, turnId],
        history: historyWith(context, placeholder),
        interrupted: resumable ? { turnId, texts: null, prefix: context.replyPrefix, heard: null } : null,
      });
      enqueue.emit(noticeEvent(turnId, Notices.reply_cancelled(params.reason)));
    }),
    finishReply: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'playback.finished');
      const done = event;
      const ended = {
        replyTurnId: null,
        replyKind: null,
        sayText: null,
        replyUninterruptible: false,
        replyOutOfBand: false,
        resumesInReply: 0,
      };
      // Said out of the history: it is not remembered, and a truncate still names the reply before it.
      if (context.replyOutOfBand) return void enqueue.assign(ended);
      const text = joinText(context.replyPrefix, heardText(done.segments));
      const entry: HistoryEntry = { role: 'assistant', turnId: done.turnId, text, interrupted: false, pending: false };
      enqueue.assign({
        ...ended,
        history: entry.text ? historyWith(context, entry) : context.history,
        lastHeard: { turnId: done.turnId, segments: done.segments, prefix: context.replyPrefix },
      });
      if (entry.text) enqueue.emit({ type: 'history', entry });
    }),
    resolveHeard: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'playback.stopped');
      const report = event;
      const placeholder = context.history.find((h) => h.pending && h.turnId === report.turnId);
      const prefix = placeholder?.text ?? '';
      const text = joinText(prefix, heardText(report.segments));
      const history = context.history.flatMap((h) =>
        h === placeholder ? (text ? [{ ...h, text, pending: false }] : []) : [h],
      );
      const interrupted =
        context.interrupted?.turnId === report.turnId
          ? { ...context.interrupted, heard: report.segments }
          : context.interrupted;
      enqueue.assign({
        history,
        pendingHeard: context.pendingHeard.filter((t) => t !== report.turnId),
        lastHeard: { turnId: report.turnId, segments: report.segments, prefix },
        interrupted,
      });
      if (text)
        enqueue.emit({
          type: 'history',
          entry: { role: 'assistant', turnId: report.turnId, text, interrupted: true, pending: false },
        });
    }),
    /** `control.configure`: a new system prompt applies from the next reply, a new voice from the next TTS actor. */
    configure: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'control.configure');
      const update = event;
      enqueue.assign({
        config:
          update.systemPrompt !== undefined ? { ...context.config, systemPrompt: update.systemPrompt } : context.config,
        voice: update.voice ?? context.voice,
        clientTools: update.clientTools ?? context.clientTools,
        toolChoice: update.toolChoice ?? context.toolChoice,
      });
    }),
    /**
     * `control.truncate`: the client heard only `audioEndMs` of the last reply (its own playback buffer
     * was flushed), so the reply's history entry keeps only the words within that audio. Only ever shortens.
     */
    truncateHeard: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'control.truncate');
      const { audioEndMs, turnId } = event;
      const text = joinText(context.lastHeard!.prefix, heardText(capPlayed(context.lastHeard!.segments, audioEndMs)));
      const entry = context.history.find((h) => h.role === 'assistant' && h.turnId === turnId && !h.pending);
      if (!entry || text.length >= entry.text.length) return;
      const cut: HistoryEntry = { ...entry, text, interrupted: true };
      enqueue.assign({ history: context.history.flatMap((h) => (h === entry ? (text ? [cut] : []) : [h])) });
      enqueue.emit({ type: 'history', entry: cut });
    }),
    /** The cut reply's text, from its TTS actor's stop report. */
    storeInterruptedTexts: enqueueActions(({ enqueue, context, event }) => {
      assertEvent(event, 'tts.stopped');
      enqueue.assign({ interrupted: { ...context.interrupted!, texts: event.texts } });
    }),
    /**
     * The barge-in was a false alarm: the cut reply goes on as a new reply (`r<n>`, spoken, not generated
     * again) from the first part the user did not hear in full. Its history entry replaces the cut one and
     * starts with what was heard, so the reply shows once.
     */
    startResume: enqueueActions(({ enqueue, context }) => {
      const cut = context.interrupted!;
      const point = resumePoint(cut)!;
      const turnId: TurnId = `r${context.resumes + 1}`;
      enqueue.assign({
        resumes: context.resumes + 1,
        resumesInReply: context.resumesInReply + 1,
        replyTurnId: turnId,
        replyKind: 'say',
        sayText: point.remaining,
        replyUninterruptible: false,
        replyPrefix: point.heardPrefix,
        interrupted: null,
        history: context.history.filter((h) => !(h.role === 'assistant' && h.turnId === cut.turnId)),
      });
      enqueue.emit(noticeEvent(turnId, Notices.reply_resumed(cut.turnId, point.remaining)));
    }),
    /** The cut reply will not go on; with it ends its count of resumes. */
    forgetInterruptedReply: enqueueActions(({ enqueue, context }) =>
      enqueue.assign({ interrupted: null, resumesInReply: context.replyTurnId === null ? 0 : context.resumesInReply }),
    ),
    /**
     * The user paused mid-sentence (not a complete command): guess the reply now. It is generated and
     * synthesized while the VAD's hangover runs, but its playback is held and its tool calls wait, so a guess
     * that is later discarded is never heard and never moves the robot.
     */
    startSpeculation: enqueueActions(({ enqueue, context }) => {
      const { turnId, resumes } = freshReplyId(context);
      const text = context.partialText.trim();
      const guess = userEntry(context.userTurnId ?? turnId, text);
      const messages = toChatMessages(
        systemPromptFor(context),
        [...context.history, guess],
        context.config.historyTurns,
      );
      const { sessionId } = context;
      enqueue.spawnChild('llm', {
        id: 'llm',
        input: { sessionId, turnId, messages, speculative: true, ...toolsFor(context) },
      });
      enqueue.spawnChild('tts', {
        id: 'tts',
        input: {
          sessionId,
          turnId,
          ...(context.voice !== null ? { voice: context.voice } : {}),
          ...(context.language !== null ? { language: context.language } : {}),
        },
      });
      enqueue.spawnChild('playback', { id: 'playback', input: { sessionId, turnId, held: true } });
      enqueue.assign({
        resumes,
        speculation: { turnId, text, committed: false, language: context.language },
        replyProgress: 'thinking',
      });
      enqueue.emit(noticeEvent(turnId, Notices.speculation_started(text)));
    }),
    advanceSpeculation: enqueueActions(({ enqueue, context }, params: { progress: ReplyProgress }) => {
      if (PROGRESS_ORDER.indexOf(params.progress) > PROGRESS_ORDER.indexOf(context.replyProgress))
        enqueue.assign({ replyProgress: params.progress });
    }),
    /** The guess is wrong (the user went on, a stage failed, the turn ended): stop it; it was never heard. */
    discardSpeculation: enqueueActions(({ enqueue, context }, params: { reason: SpeculationDiscardReason }) => {
      const guess = context.speculation;
      if (guess === null || guess.committed) return;
      for (const id of REPLY_CHILDREN) enqueue.stopChild(id);
      enqueue.assign({ speculation: null, guessedTurnIds: [...context.guessedTurnIds, guess.turnId] });
      enqueue.emit(noticeEvent(guess.turnId, Notices.speculation_discarded(params.reason)));
    }),
    /**
     * The final transcript is what the guess answered: it becomes the reply, its audio plays, its tool calls go out.
     */
    commitSpeculation: enqueueActions(({ enqueue, context, event }) => {
      const guess = context.speculation!;
      const userTurnId = context.userTurnId ?? guess.turnId;
      const text = eventText(event).trim();
      const entry = userEntry(userTurnId, text, guess.turnId);
      enqueue.sendTo('llm', { type: 'commit' } satisfies CommitCommand);
      enqueue.sendTo('playback', { type: 'commit' } satisfies CommitCommand);
      enqueue.assign({
        speculation: { ...guess, committed: true },
        history: historyWith(context, entry),
        ...startingReply(guess.turnId, 'llm'),
        heardConfidence:
          event.type === 'stt.final' && event.confidence !== undefined
            ? { turnId: guess.turnId, confidence: event.confidence }
            : null,
        ...NO_UTTERANCE,
        finalText: text,
      });
      enqueue.emit({ type: 'history', entry });
      enqueue.emit(noticeEvent(guess.turnId, Notices.speculation_committed(text)));
    }),
    sendFiller: enqueueActions(({ enqueue, context }) => {
      if (!context.config.filler) {
        enqueue.emit(noticeEvent(context.replyTurnId ?? '-', Notices.llm_slow()));
        return;
      }
      enqueue.sendTo('tts', { type: 'filler', text: context.config.fillerText } satisfies TtsCommand);
      enqueue.assign({ usedFiller: true });
      enqueue.emit(noticeEvent(context.replyTurnId ?? '-', Notices.llm_slow_filler(context.config.fillerText)));
    }),
    requestTtsFallback: enqueueActions(({ enqueue, context }) => {
      const notice = Notices.tts_first_chunk_deadline(context.config.timeouts.ttsFirstChunkMs);
      enqueue.sendTo('tts', { type: 'fallback', reason: describeNotice(notice) } satisfies TtsCommand);
      enqueue.assign({ ttsFallbacks: context.ttsFallbacks + 1 });
      enqueue.emit(noticeEvent(context.replyTurnId ?? '-', notice));
    }),
    noticeNoInput: emit(({ context }) => noticeEvent('-', Notices.no_input(context.config.timeouts.noInputMs))),
    noticeUsedPartial: emit(({ context }) => noticeEvent(context.userTurnId ?? '-', Notices.stt_final_timeout())),
  },
});

export { and, not };
