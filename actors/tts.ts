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
 * What to synthesize when, and with which engine, is decided by a pure reducer (tts-schedule.ts); this
 * actor carries out its effects: engine requests, the bus, the clock.
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
import { activeEngine, initialTts, reduceTts, type SegmentState, type TtsEffect, type TtsInput } from './tts-schedule.js';

type Viseme = { atMs: number; viseme: string };

/** The chain key of the session's own engines; languages with a chain of their own use their tag. */
const MAIN = 'main';

/** What the actor holds per segment beyond the schedule: its request in flight and its chunks' numbering. */
interface SegmentRun {
  controller: AbortController | undefined;
  seq: number;
}

export function createTtsActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<TtsCommand, TtsActorInput>(({ input, receive, system }) => {
    const deps = resolveDeps(source, system);
    const { bus, clock, sink } = deps;
    const { sessionId, turnId } = input;
    const replyLanguage = input.language ?? deps.pipeline.language ?? 'en';
    const enginesByChain: Record<string, readonly TtsEngine[]> = { [MAIN]: deps.tts, ...(deps.ttsByLanguage ?? {}) };
    const chainNames = Object.fromEntries(Object.entries(enginesByChain).map(([key, engines]) => [key, engines.map((e) => e.name)]));
    let state = initialTts(chainNames);
    const runs = new Map<number, SegmentRun>();
    let wakeTimer: unknown;

    const chainFor = (language: string): string => configuredLanguage(language, Object.keys(deps.ttsByLanguage ?? {})) ?? MAIN;
    const voiceFor = (language: string): string | undefined => {
      const configured = configuredLanguage(language, Object.keys(deps.pipeline.voices ?? {}));
      if (configured !== undefined) return deps.pipeline.voices![configured];
      // The session's own voice (control.configure, pipeline.voice) is a voice of its main language.
      return language === replyLanguage ? (input.voice ?? deps.pipeline.voice) : undefined;
    };
    const piece = (text: string) => {
      const language = scriptLanguage(text) ?? replyLanguage;
      return { text, language, chain: chainFor(language) };
    };

    const dispatch = (event: TtsInput) => {
      const step = reduceTts(state, event, { concurrency: deps.pipeline.ttsConcurrency, lookAheadMs: deps.pipeline.ttsLookAheadMs, nowMs: clock.now() });
      state = step.state;
      for (const effect of step.effects) carryOut(effect);
    };

    const carryOut = (effect: TtsEffect) => {
      switch (effect.type) {
        case 'start':
          return start(state.segments[effect.index]!, enginesByChain[effect.chain]![effect.engine]!);
        case 'abort': {
          const controller = runs.get(effect.index)?.controller;
          // Only synthesis still running needs its signal: an Error (and its stack) per finished segment is
          // pure cost, and a thousand sessions stop a turn every few seconds each.
          if (controller && !controller.signal.aborted) controller.abort(new Error(effect.reason === 'stopped' ? `turn ${turnId} cancelled` : effect.message));
          return;
        }
        case 'final_chunk':
          return publishChunk(state.segments[effect.index]!, new Uint8Array(0), true);
        case 'fallback':
          return bus.publish({ type: 'tts.fallback', sessionId, turnId, fromEngine: effect.fromEngine, toEngine: effect.toEngine, reason: effect.reason });
        case 'error': {
          const { message, fatal, errorType: type, retryable } = effect;
          return bus.publish({ type: 'tts.error', sessionId, turnId, message, fatal, ...(type === undefined ? {} : { errorType: type, retryable }) });
        }
        case 'done':
          return bus.publish({ type: 'tts.done', sessionId, turnId, segments: effect.segments });
        case 'wake_after':
          wakeTimer = clock.setTimeout(() => {
            wakeTimer = undefined;
            dispatch({ type: 'wake' });
          }, effect.delayMs);
          return;
        case 'stopped':
          return bus.publish({ type: 'tts.stopped', sessionId, turnId, texts: effect.texts });
      }
    };

    const runOf = (index: number): SegmentRun => {
      let run = runs.get(index);
      if (!run) runs.set(index, (run = { controller: undefined, seq: 0 }));
      return run;
    };

    // An engine's chunks are the pipeline's once yielded (TtsEngine.synthesize): handed over, not copied.
    const publishChunk = (segment: SegmentState, audio: Uint8Array, final: boolean, visemes: Viseme[] = []) => {
      bus.publish(
        {
          type: 'tts.chunk',
          sessionId,
          turnId,
          segmentIndex: segment.index,
          kind: segment.kind,
          seq: runOf(segment.index).seq++,
          text: segment.text,
          sampleRateHz: sink.sampleRateHz,
          audio,
          final,
          ...(visemes.length > 0 ? { visemes } : {}),
        },
        { handOverAudio: true },
      );
    };

    const synthesize = async (segment: SegmentState, controller: AbortController, engine: TtsEngine) => {
      // One internal format: an engine at another rate is resampled here, at the edge.
      const resampler = engine.sampleRateHz === sink.sampleRateHz ? undefined : await createResampler({ fromHz: engine.sampleRateHz, toHz: sink.sampleRateHz });
      const requestedAtMs = clock.now();
      bus.publish({ type: 'tts.requested', sessionId, turnId, segmentIndex: segment.index, kind: segment.kind, engine: engine.name });
      // Lip sync: engines that know their phonemes report them before (or with) the audio that holds them;
      // they ride on the next chunk, as visemes timed from the start of the segment's audio.
      let visemes: Viseme[] = [];
      const onPhoneme = ({ atMs, name }: { atMs: number; name: string }) => {
        const viseme = visemeOf(name);
        if (visemes[visemes.length - 1]?.viseme !== viseme) visemes.push({ atMs, viseme });
      };
      const voice = voiceFor(segment.language);
      try {
        const request = { text: segment.text, language: segment.language, signal: controller.signal, onPhoneme, ...(voice !== undefined ? { voice } : {}) };
        for await (const raw of engine.synthesize(request)) {
          if (controller.signal.aborted || state.phase === 'stopped') return;
          const audio = resampler ? resampler.process(raw) : raw;
          if (audio.byteLength === 0) continue;
          const first = !state.segments[segment.index]!.emittedAudio;
          dispatch({ type: 'audio', index: segment.index, durationMs: pcmDurationMs(audio.byteLength, sink.sampleRateHz) });
          if (first) {
            bus.publish({
              type: 'tts.first_chunk',
              sessionId,
              turnId,
              segmentIndex: segment.index,
              kind: segment.kind,
              engine: engine.name,
              latencyMs: clock.now() - requestedAtMs,
            });
          }
          publishChunk(segment, audio, false, visemes);
          visemes = [];
        }
      } finally {
        resampler?.close();
      }
    };

    const start = (segment: SegmentState, engine: TtsEngine) => {
      const controller = new AbortController();
      runOf(segment.index).controller = controller;
      const settled = () => controller.signal.aborted || state.phase === 'stopped';
      synthesize(segment, controller, engine).then(
        () => {
          if (!settled()) dispatch({ type: 'synthesized', index: segment.index });
        },
        (error: unknown) => {
          if (!settled())
            dispatch({
              type: 'synthesis_failed',
              index: segment.index,
              detail: errorMessage(error),
              retryable: isRetryable(error),
              errorType: errorType(error),
            });
        },
      );
    };

    receive((command) => {
      if (command.type === 'filler') dispatch({ type: 'segment', kind: 'filler', ...piece(command.text) });
      else if (command.type === 'fallback') dispatch({ type: 'fallback', reason: command.reason });
    });

    const onPlaybackStarted = (message: BusMessage) => {
      if (message.turnId === turnId) dispatch({ type: 'playback_started' });
    };

    const onLlm = (message: BusMessage) => {
      if (message.turnId !== turnId) return;
      if (message.type === 'llm.clause') dispatch({ type: 'segment', kind: 'reply', ...piece(message.text) });
      // On an LLM error mid-answer, speak what was already generated.
      else if (message.type === 'llm.done' || message.type === 'llm.error') dispatch({ type: 'input_done' });
    };

    const subs: Array<{ unsubscribe(): void }> = [bus.subscribe(bus.subjects.forEvent(sessionId, 'playback.started'), onPlaybackStarted)];
    if (input.say !== undefined) {
      // A phrase the engine holds in memory plays as one piece (splitting it would miss the cache).
      const whole = piece(input.say);
      const texts = enginesByChain[whole.chain]![activeEngine(state, whole.chain)]?.has?.(input.say)
        ? [input.say]
        : (() => {
            const chunker = createClauseChunker(deps.pipeline.chunker);
            return [...chunker.push(input.say), ...chunker.flush()];
          })();
      dispatch({ type: 'say', segments: texts.map(piece) });
      queueMicrotask(() => dispatch({ type: 'pump' }));
    } else {
      // Only the events TTS needs: every token would otherwise be delivered here too.
      for (const type of ['llm.clause', 'llm.done', 'llm.error'] as const) subs.push(bus.subscribe(bus.subjects.forEvent(sessionId, type), onLlm));
    }

    return () => {
      if (wakeTimer !== undefined) clock.clearTimeout(wakeTimer);
      for (const sub of subs) sub.unsubscribe();
      dispatch({ type: 'stop' });
    };
  });
}
