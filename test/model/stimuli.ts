/**
 * The test model's vocabulary. Each stimulus is something the world or a stage does (the user starts
 * talking, the LLM emits its first token, a deadline passes). `propose` says which chart event it
 * produces from a given snapshot — or that it cannot happen there — and `drive` makes the live system
 * actually do it. The model-based walk plans on the chart with `propose`; the live run uses `drive`.
 */
import type { AnyStateNode } from 'xstate';
import type { SessionEvent } from '../../machines/events.js';
import { splitWords } from '../../machines/history.js';
import type { SessionContext } from '../../machines/session.setup.js';
import { stateValueToString } from '../../runtime/state-value.js';
import { COMPLETE_COMMAND, type LiveHarness } from '../support/live-session.js';

export interface ModelSnapshot {
  value: unknown;
  context: SessionContext;
  status: string;
}

export interface Stimulus {
  id: string;
  /** The chart events this stimulus causes, in order. */
  propose(snapshot: ModelSnapshot): SessionEvent | SessionEvent[] | undefined;
  drive(h: LiveHarness): Promise<unknown>;
}

export const FILLER_TEXT = 'Hmm, let me see.';
/** A backchannel the model's config lists in `bargeIn.ignorableWords`. */
export const BACKCHANNEL = 'mm-hm';
export const SAY_TEXT = 'Hello there, I am a robot.';
/** The model's `minConfidence`, and a final's confidence below it. */
export const MIN_CONFIDENCE = 0.5;
const UNSURE_CONFIDENCE = 0.1;
/** Two-word first clause, so a reply cut mid-clause keeps a non-empty heard prefix. */
const REPLY_TOKENS = ' Okay then, here it is.';
/** First segment's audio: 400 ms per word of "Okay then,", so barge-in after 500 ms has heard one word. */
const FIRST_SEGMENT_MS = 800;
/** A client's `audio_end_ms`: half the first segment, so a truncate keeps a shorter, non-empty text. */
const TRUNCATE_AT_MS = 400;

/** The silence after which the live VAD reports a pause (three 20 ms frames of the segmenter's 60 ms). */
const PAUSE_MS = 60;

/** The dialog region's state (`idle.waiting`, `speaking.reply.playing+user.silent`): what most stimuli depend on. */
export const stateOf = (s: ModelSnapshot) => stateValueToString((s.value as { dialog: never }).dialog);
/** The actions region's state (`idle`, `confirming`, `requested`, `running`, `ended`). */
export const actionsStateOf = (s: ModelSnapshot) => String((s.value as { actions: unknown }).actions);
/** The activation region's state (`ungated`, `closed`, `open.window`, `open.held`, `open.pressed`, `ended`). */
export const activationStateOf = (s: ModelSnapshot) =>
  stateValueToString((s.value as { activation: never }).activation);
const gated = (s: ModelSnapshot) => s.context.config.activation.mode !== 'always';
/** Microphone audio may open an utterance: the live VAD's gate is open (always, in `always`). */
const gateOpen = (s: ModelSnapshot) => !gated(s) || activationStateOf(s).startsWith('open');
/** Push-to-talk held: the user's silence does not end the utterance, only the release does. */
const keyHeld = (s: ModelSnapshot) => activationStateOf(s) === 'open.pressed';
export const base = { sessionId: 'live', atMs: 0 } as const;
const isReply = (s: ModelSnapshot) => /^(processing|speaking)/.test(stateOf(s));
/** A guess running while the user may still talk (adaptive end of turn), not yet committed. */
export const guessing = (s: ModelSnapshot) =>
  s.context.speculation !== null && !s.context.speculation.committed && stateOf(s).startsWith('listening');
/** Where the reply being prepared is: the `processing.reply` state, or how far a running guess got. */
export const replyStage = (s: ModelSnapshot): string | undefined =>
  guessing(s) ? s.context.replyProgress : /^processing\.reply\.(\w+)/.exec(stateOf(s))?.[1];
/** The turn id of the reply being prepared (a guess's while guessing). */
const preparingTurn = (s: ModelSnapshot) => (guessing(s) ? s.context.speculation!.turnId : s.context.replyTurnId!);
const replyKind = (s: ModelSnapshot) => (s.context.replyKind === 'say' ? 'say' : 'reply');

/** Oldest active TTS request of the answer; a pending filler is completed first so playback can reach it. */
async function answerTtsRequest(h: LiveHarness) {
  for (const r of h.activeTts()) {
    if (r.text === FILLER_TEXT) {
      r.channel.push(new Uint8Array(640));
      r.channel.close();
    }
  }
  await h.settle();
  return h.activeTts()[0];
}

async function failUntilFatal(h: LiveHarness) {
  const before = h.messages.length;
  for (let i = 0; i < 4; i++) {
    const r = await answerTtsRequest(h);
    if (!r) break;
    r.channel.fail(new Error('controlled TTS failure'));
    await h.settle();
    if (h.messages.slice(before).some((m) => m.type === 'tts.error' && m.fatal)) break;
  }
}

export const stimuli: Stimulus[] = [
  {
    id: 'speechStart',
    // Gated (`wake`, `push`): only while the gate is open, and not over an utterance the chart dropped that the VAD
    // still hears.
    propose: (s) =>
      !s.context.userSpeaking && gateOpen(s) && !(gated(s) && s.context.vadTurnId !== null)
        ? { ...base, type: 'vad.speech_start', turnId: `u${s.context.utterances + 1}` }
        : undefined,
    drive: (h) => h.speechStart(),
  },
  {
    id: 'speechEnd',
    propose: (s) =>
      s.context.userSpeaking && s.context.userTurnId && !keyHeld(s)
        ? { ...base, type: 'vad.speech_end', turnId: s.context.userTurnId, speechMs: 100 }
        : undefined,
    drive: (h) => h.speechEnd(),
  },
  {
    id: 'pause',
    propose: (s) =>
      s.context.userSpeaking && !s.context.userPaused && s.context.userTurnId
        ? { ...base, type: 'vad.pause', turnId: s.context.userTurnId, silentMs: PAUSE_MS }
        : undefined,
    drive: (h) => h.pause(),
  },
  {
    id: 'resume',
    propose: (s) =>
      s.context.userSpeaking && s.context.userPaused && s.context.userTurnId
        ? { ...base, type: 'vad.resume', turnId: s.context.userTurnId }
        : undefined,
    drive: (h) => h.resume(),
  },
  ...(['one', 'one two', COMPLETE_COMMAND] as const).map((text): Stimulus => ({
    id: text === COMPLETE_COMMAND ? 'partial:complete' : `partial:${splitWords(text).length}`,
    propose: (s) =>
      s.context.userTurnId
        ? { ...base, type: 'stt.partial', turnId: s.context.userTurnId, text, complete: text === COMPLETE_COMMAND }
        : undefined,
    drive: (h) => h.sttPartial(text),
  })),
  ...(['hello robot', '', BACKCHANNEL] as const).map((text): Stimulus => ({
    id: `final:${text === BACKCHANNEL ? 'backchannel' : text ? 'text' : 'empty'}`,
    propose: (s) =>
      stateOf(s) === 'listening.finalizing' && s.context.userTurnId
        ? { ...base, type: 'stt.final', turnId: s.context.userTurnId, text }
        : undefined,
    drive: (h) => h.sttFinal(text),
  })),
  {
    // The final is exactly the words a running guess answered: the guess is committed.
    id: 'final:asGuessed',
    propose: (s) =>
      stateOf(s) === 'listening.finalizing' && s.context.userTurnId && s.context.speculation
        ? { ...base, type: 'stt.final', turnId: s.context.userTurnId, text: s.context.speculation.text }
        : undefined,
    drive: (h) => h.sttFinal(h.context().speculation?.text ?? ''),
  },
  {
    // A command forced out of an ordinary phrase: the engine is not sure (below the model's minConfidence).
    id: 'final:unsure',
    propose: (s) =>
      stateOf(s) === 'listening.finalizing' && s.context.userTurnId
        ? {
            ...base,
            type: 'stt.final',
            turnId: s.context.userTurnId,
            text: 'hello robot',
            confidence: UNSURE_CONFIDENCE,
          }
        : undefined,
    drive: (h) => h.sttFinal('hello robot', UNSURE_CONFIDENCE),
  },
  {
    id: 'sttError',
    propose: (s) =>
      stateOf(s) === 'listening.finalizing' && s.context.userTurnId
        ? { ...base, type: 'stt.error', turnId: s.context.userTurnId, message: 'x' }
        : undefined,
    drive: (h) => h.sttFail(),
  },
  {
    id: 'llmFirstToken',
    // The first token is an emoji: it starts the stream but speaks nothing, so clause release is a separate step.
    propose: (s) =>
      ['thinking', 'stalled'].includes(replyStage(s) ?? '')
        ? { ...base, type: 'llm.started', turnId: preparingTurn(s), firstTokenMs: 1 }
        : undefined,
    drive: (h) => h.llmToken('🙂'),
  },
  {
    id: 'llmClause',
    // The chunker closes both clauses of REPLY_TOKENS at once; they go to TTS (not the chart), which starts.
    propose: (s) =>
      replyStage(s) === 'generating' && (s.context.replyKind === 'llm' || guessing(s))
        ? { ...base, type: 'tts.requested', turnId: preparingTurn(s), segmentIndex: 0, kind: 'reply', engine: 'tts-a' }
        : undefined,
    drive: (h) => h.llmToken(REPLY_TOKENS),
  },
  {
    id: 'llmFinishEmpty',
    propose: (s) =>
      /^processing\.reply\.generating/.test(stateOf(s)) && s.context.replyKind === 'llm' && !s.context.usedFiller
        ? { ...base, type: 'playback.finished', turnId: s.context.replyTurnId!, segments: [] }
        : undefined,
    drive: (h) => h.llmFinish(),
  },
  {
    id: 'llmError',
    propose: (s) =>
      (/^processing\.reply\./.test(stateOf(s)) && s.context.replyKind === 'llm') || guessing(s)
        ? { ...base, type: 'llm.error', turnId: preparingTurn(s), message: 'x' }
        : undefined,
    drive: (h) => h.llmFail(),
  },
  {
    id: 'ttsFirstChunk',
    propose: (s) =>
      replyStage(s) === 'synthesizing'
        ? {
            ...base,
            type: 'tts.first_chunk',
            turnId: preparingTurn(s),
            segmentIndex: 0,
            kind: guessing(s) ? 'reply' : replyKind(s),
            engine: 'tts-a',
            latencyMs: 1,
          }
        : undefined,
    // Less than one frame: the TTS has produced audio but playback cannot start yet (state `buffering`).
    drive: async (h) => {
      (await answerTtsRequest(h))?.channel.push(new Uint8Array(320));
      await h.settle();
    },
  },
  {
    id: 'ttsPlay',
    propose: (s) =>
      /^processing\.reply\.buffering/.test(stateOf(s))
        ? { ...base, type: 'playback.started', turnId: s.context.replyTurnId!, kind: replyKind(s) }
        : undefined,
    drive: async (h) => {
      const r = await answerTtsRequest(h);
      r?.channel.push(new Uint8Array(FIRST_SEGMENT_MS * 32));
      r?.channel.close();
      await h.settle();
    },
  },
  {
    id: 'ttsFatal',
    propose: (s) =>
      /^processing\.reply\.synthesizing/.test(stateOf(s)) ||
      /^speaking/.test(stateOf(s)) ||
      (guessing(s) && ['synthesizing', 'buffering'].includes(s.context.replyProgress))
        ? { ...base, type: 'tts.error', turnId: preparingTurn(s), message: 'x', fatal: true }
        : undefined,
    drive: failUntilFatal,
  },
  {
    id: 'finishPlayback',
    propose: (s) =>
      /^speaking\.reply\.playing\+user\.(silent|ignoring|awaitingWords)$/.test(stateOf(s))
        ? {
            ...base,
            type: 'playback.finished',
            turnId: s.context.replyTurnId!,
            segments: [
              { segmentIndex: 0, kind: replyKind(s), text: 'x', playedMs: 20, durationMs: 20, complete: true },
            ],
          }
        : undefined,
    drive: async (h) => {
      await h.llmFinish();
      for (let i = 0; i < 6 && h.activeTts().length > 0; i++) {
        const r = await answerTtsRequest(h);
        r?.channel.push(new Uint8Array(300 * 32));
        r?.channel.close();
        await h.settle();
      }
      await h.advanceUntilChange(60_000);
    },
  },
  {
    id: 'text',
    propose: () => ({ ...base, type: 'user.text', turnId: '-', text: 'what is up' }),
    drive: (h) => h.text('what is up'),
  },
  ...[false, true].map((uninterruptible): Stimulus => ({
    id: uninterruptible ? 'sayFirm' : 'say',
    // The TTS actor's request that follows at once is added by the walk (session-model.test.ts).
    propose: () => ({ ...base, type: 'control.say', turnId: '-', text: SAY_TEXT, uninterruptible }),
    drive: (h) => h.say(SAY_TEXT, uninterruptible),
  })),
  {
    id: 'stop',
    propose: (s) => (isReply(s) ? { ...base, type: 'control.stop', turnId: '-' } : undefined),
    drive: (h) => h.stop(),
  },
  { id: 'end', propose: () => ({ ...base, type: 'control.end', turnId: '-' }), drive: (h) => h.end() },
  // `session.activation` `wake` and `push`: a wake phrase or a client's key opens listening, the release closes it.
  ...[true, false].map((open): Stimulus => ({
    id: open ? 'listen:open' : 'listen:close',
    propose: (s) => (gated(s) ? { ...base, type: 'control.listen', turnId: '-', open } : undefined),
    drive: (h) => h.publish({ type: 'control.listen', sessionId: 'live', turnId: '-', open }),
  })),
  {
    id: 'configure',
    propose: () => ({ ...base, type: 'control.configure', turnId: '-', systemPrompt: 'Be brief.', voice: 'voice-b' }),
    drive: (h) =>
      h.publish({
        type: 'control.configure',
        sessionId: 'live',
        turnId: '-',
        systemPrompt: 'Be brief.',
        voice: 'voice-b',
      }),
  },
  {
    // A client that heard only 400 ms of the last reply (one word of its first clause). Proposed with no
    // reply yet as well: the chart must ignore a truncate of a turn it has no report for.
    id: 'truncate',
    propose: (s) => ({
      ...base,
      type: 'control.truncate',
      turnId: s.context.lastHeard?.turnId ?? 'u0',
      audioEndMs: TRUNCATE_AT_MS,
    }),
    drive: (h) =>
      h.publish({
        type: 'control.truncate',
        sessionId: 'live',
        turnId: h.context().lastHeard?.turnId ?? 'u0',
        audioEndMs: TRUNCATE_AT_MS,
      }),
  },
];

/**
 * "Let time pass until the next deadline fires", for the pending `after` delay that is shortest by
 * configuration. Time passes only in these steps, so the shortest configured delay is the one due first.
 */
export function delayStimuli(snapshot: ModelSnapshot & { _nodes?: AnyStateNode[] }, set?: StimulusSet): Stimulus[] {
  const delays = new Map<string, number>();
  for (const node of snapshot._nodes ?? []) {
    for (const after of node.after) {
      const name = after.eventType.split('.')[2]!;
      if (!set?.delays || (set.delays.includes(name) && (set.delayAllowed?.(name, snapshot) ?? true)))
        delays.set(after.eventType, delayMs(snapshot.context, name));
    }
  }
  if (delays.size === 0) return [];
  const shortest = Math.min(...delays.values());
  const types = [...delays].filter(([, ms]) => ms === shortest).map(([type]) => type);
  return types.map((type) => ({
    id: `after:${type.split('.')[2]}`,
    propose: () => ({ type }) as unknown as SessionEvent,
    drive: (h: LiveHarness) => h.advanceUntilChange(60_000),
  }));
}

function delayMs(context: SessionContext, name: string): number {
  const t = context.config.timeouts;
  const byName: Record<string, number> = {
    noInput: t.noInputMs,
    sttFinal: t.sttFinalMs,
    llmFirstToken: t.llmFirstTokenMs,
    llmGiveUp: t.llmGiveUpMs,
    ttsFirstChunk: t.ttsFirstChunkMs,
    minInterruption: context.config.bargeIn.minSpeechMs,
    minVoice: context.config.bargeIn.minVoiceMs,
    falseInterruption: context.config.bargeIn.falseInterruptionMs,
    completePause: Math.max(0, context.config.turn.completePauseMs - context.pauseSilentMs),
    confirmTimeout: context.config.actions.confirmTimeoutMs,
    actionAccept: context.config.actions.acceptTimeoutMs,
    actionTimeout: context.action?.timeoutMs ?? Number.NaN,
    activationWindow: context.config.activation.windowMs,
    pushMaxOpen: 60_000,
  };
  const ms = byName[name];
  if (ms === undefined) throw new Error(`unknown delay ${name}: add it to delayMs()`);
  return ms;
}

/** What a walk may do: its stimuli and the delays it lets run out (all, unless listed). */
export interface StimulusSet {
  stimuli: readonly Stimulus[];
  delays?: readonly string[];
  /** Whether a listed delay may run out now (a walk keeps time still while audio plays, for one). */
  delayAllowed?: (name: string, snapshot: ModelSnapshot) => boolean;
}

/** Everything that can happen next from this snapshot, with the chart event each produces. */
export function proposals(
  snapshot: ModelSnapshot,
  set: StimulusSet = { stimuli },
): Array<{ stimulus: Stimulus; events: SessionEvent[] }> {
  if (snapshot.status !== 'active') return [];
  return [...set.stimuli, ...delayStimuli(snapshot, set)].flatMap((stimulus) => {
    const events = stimulus.propose(snapshot);
    if (!events) return [];
    return [{ stimulus, events: Array.isArray(events) ? events : [events] }];
  });
}

/** The abstraction the walk plans on: state plus the context that guards read. */
export function abstractKey(s: ModelSnapshot): string {
  const c = s.context;
  return JSON.stringify([
    stateOf(s),
    c.userSpeaking,
    c.userPaused,
    c.quietSinceOnset,
    // Read only in `listening.finalizing`, and set afresh by every utterance that gets there: elsewhere it
    // would split states the walk need not tell apart (a fifth more of them, and a longer plan).
    stateOf(s).startsWith('listening') && c.overReply,
    c.userTurnId !== null,
    c.partialComplete,
    c.speculation !== null && !c.speculation.committed ? c.replyProgress : null,
    Math.min(2, splitWords(c.partialText).length),
    c.replyKind,
    c.replyUninterruptible,
    c.usedFiller,
    c.ttsFallbacks,
    // A reply cut by a barge-in that a wordless utterance could still resume.
    c.interrupted !== null && c.interrupted.heard !== null,
    // At the resume limit a barge-in needs words, and a wordless one leaves the reply cut.
    Math.min(c.resumesInReply, c.config.maxResumes),
    actionsStateOf(s),
    c.action?.name ?? null,
    // A learned yes or no heard in the utterance answering the question (read when the recognizer is unsure).
    actionsStateOf(s) === 'confirming' && c.spokenAnswer !== null && c.spokenAnswer.turnId === c.userTurnId,
    c.pendingFollowUp === null ? null : c.pendingFollowUp.text === null ? 'llm' : 'say',
    // The activation region, and who it sees talking while the session lives (in `always` it gates nothing: left out).
    gated(s) ? [activationStateOf(s), ...(s.status === 'active' ? [c.vadTurnId !== null, c.agentPlaying] : [])] : null,
  ]);
}
