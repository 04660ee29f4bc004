/**
 * A session's learned keyword heads (adapters/keyword) on its microphone, on the stop path's audio (the
 * echo canceller's filtered output where it keeps one, else the conditioned frames): one speech-embedding
 * stream, every head read from it each 80 ms.
 *
 * - A stop phrase is a spotter of the stop path ({@link LearnedListener.stopSpotter}): the stop spotter
 *   decides what it does (once per utterance; the robot's own voice told, not obeyed), as for the phone
 *   loop's spottings.
 * - A wake phrase, in `wake` mode, publishes `control.listen {open: true, phrase}`.
 * - A yes or a no inside an utterance publishes `stt.keyword`: the chart's answer to its question when the
 *   recognizer is unsure of that utterance.
 *
 * In a quiet microphone the heads rest, and hear the quiet before the next sound first (heads-rest.ts).
 *
 * The engine scores on ONNX's thread, so a spotting is told a few milliseconds after the block that
 * completed it, not inside `hear`; {@link LearnedListener.settled} is when every block heard is scored.
 *
 * @example
 * ```ts
 * const learned = createLearnedListener({ bus, sessionId, engine, phrases, mode: 'always', utterance: () => 'u3' });
 * const stops = createStopSpotter({ …, spotters: [keyphraseSpotter(spotter), learned.stopSpotter] });
 * learned.hear(block); // every block, whether or not the stop spotter runs
 * ```
 */
import type { KeywordEngine, KeywordSpotting } from '../../adapters/keyword/index.js';
import type { MessageBus } from '../../bus/message-bus.js';
import type { ActivationMode } from '../activation-settings.js';
import type { HeardBlock, PhraseSpotterFactory, PhraseSpotterListener } from './phrase-spotter.js';
import { createHeadsRest } from './heads-rest.js';
import { ESTOP_TUNING, valuesOf } from './tuning.js';

/** Which of the engine's phrases do what. */
export interface LearnedPhrases {
  stop: readonly string[];
  wake: readonly string[];
  answer: readonly string[];
}

export interface LearnedListenerOptions {
  bus: MessageBus;
  sessionId: string;
  engine: KeywordEngine;
  phrases: LearnedPhrases;
  mode: ActivationMode;
  /** The utterance in progress (the VAD's turn id), or `-`. */
  utterance: () => string;
  /**
   * How much louder a stop phrase must be than the 300 ms before it (dB; `session.activation.stopLeadDb`):
   * said after a pause, as one shouts at a machine, not inside running speech, noise or the robot's voice.
   */
  stopLeadDb: number;
  /**
   * The engine failed: told once, and the heads stop listening (the phone loop and the transcripts still stop the
   * robot).
   */
  onError?: (error: unknown) => void;
}

export interface LearnedListener {
  /** The engine's rate (16 kHz): the stop path's timeline when no phone-loop spotter runs. */
  readonly sampleRateHz: number;
  /** The next microphone block, in order (every block, whether or not a stop spotter runs). */
  hear(block: HeardBlock): void;
  /** The stop phrases' spottings, for the stop spotter's `spotters` (its `hear` is this listener's). */
  readonly stopSpotter: PhraseSpotterFactory;
  /** Resolves once every block heard so far has been scored. */
  settled(): Promise<void>;
  stop(): void;
}

const { PHRASE_MS, BEFORE_MS } = valuesOf(ESTOP_TUNING.learned);
/** Levels are kept per 10 ms, for the last 2 s: a phrase and the quiet before it. */
const LEVEL_MS = 10;
const LEVELS_KEPT = 200;

/** The mean square per 10 ms of the audio heard, by position: the lead of a spotted stop phrase is read on it. */
function levelRecord(samplesPerMs: number) {
  const per = LEVEL_MS * samplesPerMs;
  const state = { sum: 0, count: 0, levels: [] as number[], first: 0 };
  return {
    push(samples: Int16Array) {
      for (const x of samples) {
        state.sum += x * x;
        state.count += 1;
        if (state.count < per) continue;
        state.levels.push(state.sum / per);
        state.sum = 0;
        state.count = 0;
        if (state.levels.length > LEVELS_KEPT) {
          state.levels.shift();
          state.first += 1;
        }
      }
    },
    /** The loudest 10 ms in `[fromMs, toMs)` over the mean of the `beforeMs` before it, in dB. */
    leadDb(fromMs: number, toMs: number, beforeMs: number): number {
      const at = (ms: number) => Math.max(0, Math.floor(ms / LEVEL_MS) - state.first);
      const span = state.levels.slice(at(fromMs), at(toMs));
      const before = state.levels.slice(at(fromMs - beforeMs), at(fromMs));
      const loud = Math.max(1, ...span);
      const quiet = before.length > 0 ? before.reduce((a, b) => a + b, 0) / before.length : 1;
      return 10 * Math.log10(loud / Math.max(1, quiet));
    },
  };
}

const joinSamples = (pieces: Int16Array[]): Int16Array => {
  const joined = new Int16Array(pieces.reduce((n, p) => n + p.length, 0));
  pieces.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
  return joined;
};

const blockAudio = (block: HeardBlock): Uint8Array => {
  if (block.filtered) return block.filtered;
  if (block.frames.length === 1) return block.frames[0]!;
  return Buffer.concat(block.frames);
};

export function createLearnedListener(options: LearnedListenerOptions): LearnedListener {
  const { bus, sessionId, engine, phrases } = options;
  const stream = engine.open();
  const stop = new Set(phrases.stop);
  const wake = new Set(phrases.wake);
  const answer = new Set(phrases.answer);
  const listeners = new Set<PhraseSpotterListener>();
  const state = { closed: false, failed: false, pending: Promise.resolve() };
  const samplesPerMs = engine.sampleRateHz / 1000;
  const levels = levelRecord(samplesPerMs);
  const rest = createHeadsRest(samplesPerMs);
  const onSpotted = ({ phrase, score, endMs }: KeywordSpotting) => {
    if (stop.has(phrase)) {
      if (levels.leadDb(endMs - PHRASE_MS, endMs, BEFORE_MS) < options.stopLeadDb) return;
      const endSample = Math.round(endMs * samplesPerMs);
      const startSample = Math.max(0, endSample - Math.round(PHRASE_MS * samplesPerMs));
      for (const listener of listeners) listener.onSpotted({ phrase, startSample, endSample, heardSamples: endSample });
    } else if (wake.has(phrase)) {
      if (options.mode === 'wake') bus.publish({ type: 'control.listen', sessionId, turnId: '-', open: true, phrase });
    } else if (answer.has(phrase)) {
      const turnId = options.utterance();
      if (turnId !== '-') bus.publish({ type: 'stt.keyword', sessionId, turnId, phrase, score });
    }
  };
  return {
    sampleRateHz: engine.sampleRateHz,
    hear(block) {
      if (state.closed || state.failed) return;
      const audio = blockAudio(block);
      if (audio.byteLength < 2) return;
      const samples = new Int16Array(audio.buffer.slice(audio.byteOffset, audio.byteOffset + (audio.byteLength & ~1)));
      levels.push(samples);
      const { push, offsetMs } = rest.hear(samples);
      if (push.length === 0) return;
      state.pending = stream.push(push.length === 1 ? push[0]! : joinSamples(push)).then(
        ({ spotted }) => {
          if (!state.closed)
            for (const spotting of spotted) onSpotted({ ...spotting, endMs: spotting.endMs + offsetMs });
        },
        (error: unknown) => {
          if (!state.failed) options.onError?.(error);
          state.failed = true;
        },
      );
    },
    stopSpotter: (listener) => {
      listeners.add(listener);
      return { hear: () => undefined, close: () => listeners.delete(listener) };
    },
    settled: () => state.pending,
    stop() {
      state.closed = true;
      listeners.clear();
      stream.close?.();
    },
  };
}
