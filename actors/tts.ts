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
import { createTtsChain, type ChainMove, type TtsChain } from './tts-chain.js';

type Viseme = { atMs: number; viseme: string };

interface Segment {
  index: number;
  kind: 'reply' | 'filler' | 'say';
  text: string;
  language: string;
  chain: TtsChain;
  status: 'queued' | 'running' | 'done';
  controller: AbortController | undefined;
  emittedAudio: boolean;
  seq: number;
}

export function createTtsActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<TtsCommand, TtsActorInput>(({ input, receive, system }) => {
    const deps = resolveDeps(source, system);
    const { bus, clock, sink } = deps;
    const { sessionId, turnId } = input;
    const segments: Segment[] = [];
    let inputDone = false;
    let finished = false;
    let stopped = false;
    /** The look-ahead's measure: audio synthesized this turn, and when its playback started. */
    let synthesizedMs = 0;
    let playbackStartedAtMs: number | undefined;
    /** Set while queued segments wait for playback to catch up with the look-ahead. */
    let lookAheadTimer: unknown;

    const replyLanguage = input.language ?? deps.pipeline.language ?? 'en';
    const mainChain = createTtsChain(deps.tts);
    /** Languages with a chain of their own, made when a segment first needs one (most replies need none). */
    const chains = new Map<string, TtsChain>();
    const ownChains = Object.keys(deps.ttsByLanguage ?? {});
    const chainFor = (language: string): TtsChain => {
      const own = configuredLanguage(language, ownChains);
      if (own === undefined) return mainChain;
      let chain = chains.get(own);
      if (!chain) chains.set(own, (chain = createTtsChain(deps.ttsByLanguage![own]!)));
      return chain;
    };
    const voiceFor = (language: string): string | undefined => {
      const configured = configuredLanguage(language, Object.keys(deps.pipeline.voices ?? {}));
      if (configured !== undefined) return deps.pipeline.voices![configured];
      // The session's own voice (control.configure, pipeline.voice) is a voice of its main language.
      return language === replyLanguage ? (input.voice ?? deps.pipeline.voice) : undefined;
    };

    const fail = (message: string, cause?: unknown) => {
      if (stopped || finished) return;
      finished = true;
      // The turn is over for TTS: nothing may keep synthesizing (or publishing) for it.
      for (const s of segments) s.controller?.abort(new Error(message));
      bus.publish({
        type: 'tts.error',
        sessionId,
        turnId,
        message,
        fatal: true,
        ...(cause === undefined ? {} : { errorType: errorType(cause), retryable: isRetryable(cause) }),
      });
    };

    const add = (kind: Segment['kind'], text: string) => {
      const language = scriptLanguage(text) ?? replyLanguage;
      segments.push({
        index: segments.length,
        kind,
        text,
        language,
        chain: chainFor(language),
        status: 'queued',
        controller: undefined,
        emittedAudio: false,
        seq: 0,
      });
    };

    const announce = (move: ChainMove, reason: string) => bus.publish({ type: 'tts.fallback', sessionId, turnId, ...move, reason });

    /** Moves a chain to its next live engine; false when it is exhausted. */
    const failover = (chain: TtsChain, reason: string): boolean => {
      const move = chain.advance();
      if (move) announce(move, reason);
      return move !== undefined;
    };

    /** The chain moved on: its segments that have no audio yet start over on the new engine. */
    const requeueSilentSegments = (chain: TtsChain) => {
      for (const s of segments) {
        if (s.chain === chain && s.status === 'running' && !s.emittedAudio) {
          s.controller?.abort(new Error('failover'));
          s.status = 'queued';
        }
      }
    };

    const checkDone = () => {
      if (finished || stopped || !inputDone || segments.some((s) => s.status !== 'done')) return;
      finished = true;
      bus.publish({ type: 'tts.done', sessionId, turnId, segments: segments.length });
    };

    const synthesize = async (segment: Segment, controller: AbortController, engine: TtsEngine) => {
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
          if (controller.signal.aborted || stopped) return;
          const audio = resampler ? resampler.process(raw) : raw;
          if (audio.byteLength === 0) continue;
          if (!segment.emittedAudio) {
            segment.emittedAudio = true;
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

    // An engine's chunks are the pipeline's once yielded (TtsEngine.synthesize): handed over, not copied.
    const publishChunk = (segment: Segment, audio: Uint8Array, final: boolean, visemes: Viseme[] = []) => {
      synthesizedMs += pcmDurationMs(audio.byteLength, sink.sampleRateHz);
      bus.publish(
        {
          type: 'tts.chunk',
          sessionId,
          turnId,
          segmentIndex: segment.index,
          kind: segment.kind,
          seq: segment.seq++,
          text: segment.text,
          sampleRateHz: sink.sampleRateHz,
          audio,
          final,
          ...(visemes.length > 0 ? { visemes } : {}),
        },
        { handOverAudio: true },
      );
    };

    const start = (segment: Segment) => {
      const controller = new AbortController();
      const { chain } = segment;
      const engineUsed = chain.active!;
      segment.status = 'running';
      segment.controller = controller;
      synthesize(segment, controller, engineUsed).then(
        () => {
          if (controller.signal.aborted || stopped) return;
          segment.status = 'done';
          publishChunk(segment, new Uint8Array(0), true);
          pump();
        },
        (error: unknown) => {
          if (controller.signal.aborted || stopped) return;
          const detail = errorMessage(error);
          chain.failed(engineUsed, error);
          if (segment.emittedAudio) {
            // Audio of this segment is already playing: end it here rather than repeat it on another
            // voice, and let the next engine (if any) speak the segments that follow.
            segment.status = 'done';
            publishChunk(segment, new Uint8Array(0), true);
            bus.publish({
              type: 'tts.error',
              sessionId,
              turnId,
              message: `segment ${segment.index} cut short: ${detail}`,
              fatal: false,
              errorType: errorType(error),
              retryable: isRetryable(error),
            });
            if (chain.active === engineUsed && failover(chain, `${engineUsed.name} failed mid-segment: ${detail}`)) requeueSilentSegments(chain);
            pump();
            return;
          }
          segment.status = 'queued';
          // Another segment may already have moved the chain on; only the active engine's failure advances it.
          if (chain.active !== engineUsed) return pump();
          if (!failover(chain, `${engineUsed.name} failed${isRetryable(error) ? '' : ' for good'}: ${detail}`))
            return fail(`all TTS engines failed; last error: ${detail}`, error);
          requeueSilentSegments(chain);
          pump();
        },
      );
    };

    /**
     * Whether queued segments must wait for playback (the look-ahead is full); if so, wakes `pump` when it
     * will not be. Until playback starts, only its start can free room (a held, speculative reply waits).
     */
    const lookAheadFull = (): boolean => {
      const { ttsLookAheadMs } = deps.pipeline;
      if (ttsLookAheadMs === 0) return false;
      const playedMs = playbackStartedAtMs === undefined ? 0 : clock.now() - playbackStartedAtMs;
      const aheadMs = synthesizedMs - playedMs;
      if (aheadMs < ttsLookAheadMs) return false;
      if (playbackStartedAtMs !== undefined && lookAheadTimer === undefined) {
        lookAheadTimer = clock.setTimeout(
          () => {
            lookAheadTimer = undefined;
            pump();
          },
          Math.max(1, aheadMs - ttsLookAheadMs + 1),
        );
      }
      return true;
    };

    const pump = () => {
      if (stopped || finished) return;
      let running = segments.filter((s) => s.status === 'running').length;
      // A queued segment before one that has audio (requeued by a failover) starts regardless: playback
      // cannot reach the audio counted as ahead without it.
      let lastWithAudio = -1;
      for (const s of segments) if (s.emittedAudio) lastWithAudio = s.index;
      for (const s of segments) {
        if (running >= deps.pipeline.ttsConcurrency) break;
        if (s.status === 'queued') {
          if (s.index > lastWithAudio && lookAheadFull()) break;
          start(s);
          running++;
        }
      }
      checkDone();
    };

    receive((command) => {
      if (stopped || finished) return;
      if (command.type === 'filler') {
        // A filler only makes sense before the answer starts; it takes the next index so it plays first.
        if (segments.some((s) => s.kind === 'reply')) return;
        add('filler', command.text);
        pump();
      } else if (command.type === 'fallback') {
        // The deadline is about the first segment still without audio: its chain moves on. The session
        // bounds how often it asks (tts.maxFallbacks); past the last engine, the chain starts over with
        // the first engine still alive: a retry beats silence when the whole chain was only slow.
        const chain = segments.find((s) => !s.emittedAudio && s.status !== 'done')?.chain ?? mainChain;
        if (!failover(chain, command.reason)) {
          const move = chain.restart();
          if (!move) return fail(`every TTS engine failed for good; the last deadline: ${command.reason}`);
          announce(move, `${command.reason}; retrying the chain`);
        }
        requeueSilentSegments(chain);
        pump();
      }
    });

    const onPlaybackStarted = (message: BusMessage) => {
      if (message.turnId !== turnId || stopped || playbackStartedAtMs !== undefined) return;
      playbackStartedAtMs = clock.now();
      pump();
    };

    const onLlm = (message: BusMessage) => {
      if (message.turnId !== turnId || stopped) return;
      if (message.type === 'llm.clause') {
        add('reply', message.text);
        pump();
      } else if (message.type === 'llm.done' || message.type === 'llm.error') {
        // On an LLM error mid-answer, speak what was already generated.
        inputDone = true;
        pump();
      }
    };

    const subs: Array<{ unsubscribe(): void }> = [bus.subscribe(bus.subjects.forEvent(sessionId, 'playback.started'), onPlaybackStarted)];
    if (input.say !== undefined) {
      // A phrase the engine holds in memory plays as one piece (splitting it would miss the cache).
      if (chainFor(scriptLanguage(input.say) ?? replyLanguage).active?.has?.(input.say)) add('say', input.say);
      else {
        const chunker = createClauseChunker(deps.pipeline.chunker);
        for (const text of [...chunker.push(input.say), ...chunker.flush()]) add('say', text);
      }
      inputDone = true;
      queueMicrotask(pump);
    } else {
      // Only the events TTS needs: every token would otherwise be delivered here too.
      for (const type of ['llm.clause', 'llm.done', 'llm.error'] as const) subs.push(bus.subscribe(bus.subjects.forEvent(sessionId, type), onLlm));
    }

    return () => {
      stopped = true;
      if (lookAheadTimer !== undefined) clock.clearTimeout(lookAheadTimer);
      for (const sub of subs) sub.unsubscribe();
      // The reply's text as it was to be spoken: the session keeps it for a reply cut by a barge-in.
      const texts = segments.filter((s) => s.kind !== 'filler').map((s) => s.text);
      bus.publish({ type: 'tts.stopped', sessionId, turnId, texts });
      // Only synthesis still running needs its signal: an Error (and its stack) per finished segment is
      // pure cost, and a thousand sessions stop a turn every few seconds each.
      const running = segments.filter((s) => s.status === 'running' && s.controller);
      if (running.length === 0) return;
      const reason = new Error(`turn ${turnId} cancelled`);
      for (const s of running) s.controller!.abort(reason);
    };
  });
}
