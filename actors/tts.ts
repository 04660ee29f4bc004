/**
 * TTS actor (one per reply): turns the reply's clauses (or a SAY text) into numbered segments,
 * synthesizes up to `ttsConcurrency` of them at once, and publishes their audio as `tts.chunk`s; the
 * playback actor plays segments strictly in index order, so parallel synthesis never reorders speech.
 *
 * Failover: the engines form a chain. When the active engine errors before a segment has produced
 * audio, or the session raises `fallback` (first-chunk deadline missed), the next engine takes the
 * segments that have no audio yet; errors past the last engine are fatal (`tts.error`). Stopping the
 * actor aborts every request in flight and reports the reply's text (`tts.stopped`).
 *
 * Look-ahead: a segment starts only while the audio synthesized and not yet played is under
 * `ttsLookAheadMs`, so a long reply is synthesized as it plays rather than all at once: a barge-in after
 * a few seconds leaves little synthesized for nothing (CPU with a local engine, money with a cloud one,
 * memory held until the turn ends). What has played is counted from the turn's `playback.started` in
 * real time: playback that stalls waiting for audio counts as played, so a slow engine is never starved.
 *
 * Languages: each segment's language is its script's (a Mandarin clause of a mixed reply is `zh`), else
 * the reply's. A language with its own chain (`languages.<tag>.tts`) is spoken by it, with its own
 * failover; every request carries the language and the language's voice, so one multilingual engine
 * (eSpeak) picks the right voice too.
 *
 * What to synthesize when, with which engine, and what each chunk is, is decided by a pure step function
 * (tts-state.ts); this actor is its shell: it runs the engine requests, publishes, keeps the wake-up timer,
 * and feeds back what the engines report.
 */
import { fromCallback } from 'xstate';
import { visemeOf } from '../adapters/audio/mouth.js';
import { pcmDurationMs } from '../adapters/audio/pcm.js';
import { createResampler } from '../adapters/audio/resample.js';
import { errorMessage, errorType, isRetryable } from '../adapters/engine-error.js';
import type { TtsEngine } from '../adapters/tts/types.js';
import type { BusMessage } from '../bus/messages.js';
import { createClauseChunker } from './clause-chunker.js';
import { resolveDeps, type SessionActorDeps, type SessionDepsResolver } from './deps.js';
import type { TtsActorInput, TtsCommand } from './inputs.js';
import { configuredLanguage, scriptLanguage } from './language.js';
import {
  activeEngine,
  initialTts,
  reduceTts,
  type SegmentState,
  type TtsEffect,
  type TtsInput,
  type Viseme,
} from './tts-state.js';

/** The chain key of the session's own engines; languages with a chain of their own use their tag. */
const MAIN = 'main';

export function createTtsActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<TtsCommand, TtsActorInput>(({ input, receive, system }) => {
    const tts = runTts(resolveDeps(source, system), input);
    receive(tts.command);
    return tts.stop;
  });
}

/** One reply's TTS: the step function's state, fed by the LLM's clauses (or a SAY), the chart and the engines. */
function runTts(deps: SessionActorDeps, input: TtsActorInput) {
  const { bus, clock } = deps;
  const { sessionId, turnId } = input;
  const enginesByChain: Record<string, readonly TtsEngine[]> = { [MAIN]: deps.tts, ...(deps.ttsByLanguage ?? {}) };
  const chainNames = Object.fromEntries(
    Object.entries(enginesByChain).map(([key, engines]) => [key, engines.map((e) => e.name)]),
  );
  let state = initialTts(chainNames);
  /** Requests in flight, by segment: what an `abort` effect aborts. */
  const controllers = new Map<number, AbortController>();
  let wakeTimer: unknown;
  const piece = pieceOf(deps, input);
  const voiceFor = voiceOf(deps, input);
  const publish = publisherFor(deps, sessionId, turnId);

  const feed = (event: TtsInput) => {
    const step = reduceTts(state, event, {
      concurrency: deps.pipeline.ttsConcurrency,
      lookAheadMs: deps.pipeline.ttsLookAheadMs,
      nowMs: clock.now(),
    });
    state = step.state;
    for (const effect of step.effects) carryOut(effect);
  };

  const carryOut = (effect: TtsEffect) => {
    if (effect.type === 'start') {
      const segment = state.segments[effect.index]!;
      const controller = new AbortController();
      controllers.set(effect.index, controller);
      const request = { segment, attempt: effect.attempt, controller, voice: voiceFor(segment.language) };
      return runRequest(deps, enginesByChain[effect.chain]![effect.engine]!, request, feed);
    }
    if (effect.type === 'abort') {
      const controller = controllers.get(effect.index);
      // Only synthesis still running needs its signal: an Error (and its stack) per finished segment is
      // pure cost, and a thousand sessions stop a turn every few seconds each.
      if (controller && !controller.signal.aborted)
        controller.abort(new Error(effect.reason === 'stopped' ? `turn ${turnId} cancelled` : effect.message));
      return;
    }
    if (effect.type === 'wake_after') {
      wakeTimer = clock.setTimeout(() => {
        wakeTimer = undefined;
        feed({ type: 'wake' });
      }, effect.delayMs);
      return;
    }
    publish(effect);
  };

  const onLlm = (message: BusMessage) => {
    if (message.turnId !== turnId) return;
    if (message.type === 'llm.clause') feed({ type: 'segment', kind: 'reply', ...piece(message.text) });
    // On an LLM error mid-answer, speak what was already generated.
    else if (message.type === 'llm.done' || message.type === 'llm.error') feed({ type: 'input_done' });
  };
  const subs = [
    bus.subscribe(bus.subjects.forEvent(sessionId, 'playback.started'), (message) => {
      if (message.turnId === turnId) feed({ type: 'playback_started' });
    }),
  ];
  if (input.say !== undefined) {
    const whole = piece(input.say);
    feed({
      type: 'say',
      segments: sayPieces(deps, input.say, enginesByChain[whole.chain]![activeEngine(state, whole.chain)]).map(piece),
    });
    queueMicrotask(() => feed({ type: 'pump' }));
  } else {
    // Only the events TTS needs: every token would otherwise be delivered here too.
    for (const type of ['llm.clause', 'llm.done', 'llm.error'] as const)
      subs.push(bus.subscribe(bus.subjects.forEvent(sessionId, type), onLlm));
  }

  return {
    command: (command: TtsCommand) => {
      if (command.type === 'filler') feed({ type: 'segment', kind: 'filler', ...piece(command.text) });
      else if (command.type === 'fallback') feed({ type: 'fallback', reason: command.reason });
    },
    stop: () => {
      if (wakeTimer !== undefined) clock.clearTimeout(wakeTimer);
      for (const sub of subs) sub.unsubscribe();
      feed({ type: 'stop' });
    },
  };
}

/** A SAY's pieces: a phrase the engine holds in memory plays as one piece (splitting it would miss the cache). */
function sayPieces(deps: SessionActorDeps, say: string, engine: TtsEngine | undefined): string[] {
  if (engine?.has?.(say)) return [say];
  const chunker = createClauseChunker(deps.pipeline.chunker);
  return [...chunker.push(say), ...chunker.flush()];
}

/** A text's language (its script's, else the reply's) and the chain that speaks it. */
function pieceOf(deps: SessionActorDeps, input: TtsActorInput) {
  const replyLanguage = input.language ?? deps.pipeline.language ?? 'en';
  const chainFor = (language: string): string =>
    configuredLanguage(language, Object.keys(deps.ttsByLanguage ?? {})) ?? MAIN;
  return (text: string) => {
    const language = scriptLanguage(text) ?? replyLanguage;
    return { text, language, chain: chainFor(language) };
  };
}

/** The voice of a language: configured for it, or the session's own for the reply's language. */
function voiceOf(deps: SessionActorDeps, input: TtsActorInput) {
  const replyLanguage = input.language ?? deps.pipeline.language ?? 'en';
  return (language: string): string | undefined => {
    const configured = configuredLanguage(language, Object.keys(deps.pipeline.voices ?? {}));
    if (configured !== undefined) return deps.pipeline.voices![configured];
    // The session's own voice (control.configure, pipeline.voice) is a voice of its main language.
    return language === replyLanguage ? (input.voice ?? deps.pipeline.voice) : undefined;
  };
}

/** The effects of a step that are messages to publish. */
type PublishedEffect = Exclude<TtsEffect, { type: 'start' | 'abort' | 'wake_after' }>;

/** The `tts.*` messages a step asks for. */
function publisherFor({ bus, sink }: SessionActorDeps, sessionId: string, turnId: string) {
  return (effect: PublishedEffect) => {
    switch (effect.type) {
      case 'requested':
        return bus.publish({
          type: 'tts.requested',
          sessionId,
          turnId,
          segmentIndex: effect.index,
          kind: effect.kind,
          engine: effect.engine,
        });
      case 'first_chunk': {
        const { index, kind, engine, latencyMs } = effect;
        return bus.publish({
          type: 'tts.first_chunk',
          sessionId,
          turnId,
          segmentIndex: index,
          kind,
          engine,
          latencyMs,
        });
      }
      case 'chunk':
        return publishChunk({ bus, sink }, sessionId, turnId, effect);
      case 'fallback':
        return bus.publish({
          type: 'tts.fallback',
          sessionId,
          turnId,
          fromEngine: effect.fromEngine,
          toEngine: effect.toEngine,
          reason: effect.reason,
        });
      case 'error':
        return publishError(bus, sessionId, turnId, effect);
      case 'done':
        return bus.publish({ type: 'tts.done', sessionId, turnId, segments: effect.segments });
      case 'stopped':
        return bus.publish({ type: 'tts.stopped', sessionId, turnId, texts: effect.texts });
    }
  };
}

/** A segment's audio as a `tts.chunk`, at the sink's rate, with its visemes when it has any. */
function publishChunk(
  { bus, sink }: Pick<SessionActorDeps, 'bus' | 'sink'>,
  sessionId: string,
  turnId: string,
  effect: Extract<PublishedEffect, { type: 'chunk' }>,
) {
  const { index, kind, seq, text, audio, final, visemes } = effect;
  const message = {
    type: 'tts.chunk',
    sessionId,
    turnId,
    segmentIndex: index,
    kind,
    seq,
    text,
    sampleRateHz: sink.sampleRateHz,
    audio,
    final,
  } as const;
  // An engine's chunks are the pipeline's once yielded (TtsEngine.synthesize): handed over, not copied.
  return bus.publish(visemes.length > 0 ? { ...message, visemes: [...visemes] } : message, {
    handOverAudio: true,
  });
}

/** An engine's failure as a `tts.error`, with its type and whether a retry may help when the engine says. */
function publishError(
  bus: SessionActorDeps['bus'],
  sessionId: string,
  turnId: string,
  effect: Extract<PublishedEffect, { type: 'error' }>,
) {
  const { message, fatal, errorType: type, retryable } = effect;
  return bus.publish({
    type: 'tts.error',
    sessionId,
    turnId,
    message,
    fatal,
    ...(type === undefined ? {} : { errorType: type, retryable }),
  });
}

interface SynthesisRequest {
  segment: SegmentState;
  attempt: number;
  controller: AbortController;
  voice: string | undefined;
}

/** One attempt at a segment: the engine's audio (at the sink's rate) and its end or failure, fed back as inputs. */
function runRequest(
  deps: SessionActorDeps,
  engine: TtsEngine,
  request: SynthesisRequest,
  feed: (event: TtsInput) => void,
): void {
  const { index } = request.segment;
  const { attempt } = request;
  synthesize(deps, engine, request, feed).then(
    () => feed({ type: 'synthesized', index, attempt }),
    (error: unknown) =>
      feed({
        type: 'synthesis_failed',
        index,
        attempt,
        detail: errorMessage(error),
        retryable: isRetryable(error),
        errorType: errorType(error),
      }),
  );
}

async function synthesize(
  deps: SessionActorDeps,
  engine: TtsEngine,
  request: SynthesisRequest,
  feed: (event: TtsInput) => void,
): Promise<void> {
  const { sink } = deps;
  const { segment, attempt, controller, voice } = request;
  const { index } = segment;
  // One internal format: an engine at another rate is resampled here, at the edge.
  const resampler =
    engine.sampleRateHz === sink.sampleRateHz
      ? undefined
      : await createResampler({ fromHz: engine.sampleRateHz, toHz: sink.sampleRateHz });
  feed({ type: 'requested', index, attempt });
  // Lip sync: engines that know their phonemes report them before (or with) the audio that holds them;
  // they ride on the next chunk, as visemes timed from the start of the segment's audio.
  let visemes: Viseme[] = [];
  const onPhoneme = ({ atMs, name }: { atMs: number; name: string }) => {
    const viseme = visemeOf(name);
    if (visemes[visemes.length - 1]?.viseme !== viseme) visemes.push({ atMs, viseme });
  };
  try {
    const { signal } = controller;
    for await (const raw of engine.synthesize({
      text: segment.text,
      language: segment.language,
      signal,
      onPhoneme,
      ...(voice !== undefined ? { voice } : {}),
    })) {
      // An aborted request is no longer read; the step function drops what it reports anyway.
      if (signal.aborted) return;
      const audio = resampler ? resampler.process(raw) : raw;
      if (audio.byteLength === 0) continue;
      feed({
        type: 'audio',
        index,
        attempt,
        audio,
        durationMs: pcmDurationMs(audio.byteLength, sink.sampleRateHz),
        visemes,
      });
      visemes = [];
    }
  } finally {
    resampler?.close();
  }
}
