/**
 * A session's learned keyword heads on its conditioned microphone (the echo canceller's output where it
 * runs), every block, gate open or closed, whatever `stt.engine` is:
 *
 * - a stop phrase publishes `control.estop {source: 'spotter', phrase}` at once (once per utterance, as
 *   the phone-loop spotter does; a stop the robot's own voice explains is told, not obeyed);
 * - a wake phrase, in `wake` mode, publishes `control.listen {open: true, phrase}`;
 * - a yes or no inside an utterance publishes `stt.keyword`: the chart's answer to its question when the
 *   recognizer is unsure of that utterance.
 *
 * @example
 * ```ts
 * const listener = createKeywordListener({ bus, sessionId, engine, phrases, mode: 'always', utterance: () => 'u3' });
 * listener.hear(block); // 16 kHz s16le, any length
 * ```
 */
import type { KeywordEngine, KeywordSpotting } from '../adapters/keyword/engine.js';
import type { BusMessage } from '../bus/messages.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { ActivationMode } from './activation-settings.js';

export interface KeywordPhrases {
  stop: readonly string[];
  wake: readonly string[];
  answer: readonly string[];
}

export interface KeywordListenerOptions {
  bus: MessageBus;
  sessionId: string;
  engine: KeywordEngine;
  phrases: KeywordPhrases;
  mode: ActivationMode;
  /** The utterance in progress (`-` when none). */
  utterance: () => string;
  /**
   * How much of the heard audio between two sample positions the robot's own voice explains (0..1);
   * absent: no echo step runs.
   */
  ownVoiceShare?: (fromSample: number, toSample: number) => number;
  onOwnVoice?: (heard: { phrase: string; explainedShare: number }) => void;
  /** A failure of the engine: reported once; the phone-loop spotter and the transcripts still stop the robot. */
  onError?: (error: unknown) => void;
}

export interface KeywordListener {
  /** A conditioned block at 16 kHz (s16le). */
  hear(block: Uint8Array): void;
  /** Every block heard so far has been scored (tests, the simulated clock's harnesses). */
  settled(): Promise<void>;
  stop(): void;
}

/** Why 1 s: one "stop" stays above the threshold for several hops; a second stop within a second is the same one. */
const REPEAT_MS = 1_000;
/** Why 0.6: as the phone-loop spotter's own-voice rule: most of the phrase is the robot's voice, heard back. */
const OWN_VOICE_SHARE = 0.6;
/** Why 600 ms: a stop phrase lasts up to about that; its span is checked against the robot's voice. */
const PHRASE_SPAN_MS = 600;

export function createKeywordListener(options: KeywordListenerOptions): KeywordListener {
  const { bus, sessionId, engine, phrases } = options;
  const stream = engine.open();
  const stop = new Set(phrases.stop);
  const wake = new Set(phrases.wake);
  const answer = new Set(phrases.answer);
  const state = { closed: false, failed: false, lastStopMs: -Infinity, stopped: new Set<string>(), pending: Promise.resolve() };
  const remember = (turnId: string) => {
    if (turnId === '-') return;
    // Why 64: utterances in flight at once are a handful; the set only has to outlive them.
    if (state.stopped.size >= 64) state.stopped.clear();
    state.stopped.add(turnId);
  };
  const subscription = bus.subscribe(bus.subjects.forEvent(sessionId, 'control.estop'), (message: BusMessage) => {
    if (message.type === 'control.estop') remember(message.turnId);
  });
  const onSpotted = (spotted: KeywordSpotting) => {
    const turnId = options.utterance();
    if (stop.has(spotted.phrase)) {
      if (state.stopped.has(turnId) || (turnId === '-' && spotted.endMs - state.lastStopMs < REPEAT_MS)) return;
      const toSample = spotted.endMs * 16;
      const explainedShare = options.ownVoiceShare?.(Math.max(0, toSample - PHRASE_SPAN_MS * 16), toSample) ?? 0;
      if (explainedShare >= OWN_VOICE_SHARE) {
        options.onOwnVoice?.({ phrase: spotted.phrase, explainedShare });
        return;
      }
      remember(turnId);
      state.lastStopMs = spotted.endMs;
      bus.publish({ type: 'control.estop', sessionId, turnId, source: 'spotter', phrase: spotted.phrase });
    } else if (wake.has(spotted.phrase)) {
      if (options.mode === 'wake') bus.publish({ type: 'control.listen', sessionId, turnId: '-', open: true, phrase: spotted.phrase });
    } else if (answer.has(spotted.phrase) && turnId !== '-') {
      bus.publish({ type: 'stt.keyword', sessionId, turnId, phrase: spotted.phrase, score: spotted.score });
    }
  };
  return {
    hear(block) {
      if (state.closed || state.failed) return;
      const samples = new Int16Array(block.buffer.slice(block.byteOffset, block.byteOffset + (block.byteLength & ~1)));
      state.pending = stream.push(samples).then(
        ({ spotted }) => {
          if (!state.closed) for (const s of spotted) onSpotted(s);
        },
        (error: unknown) => {
          state.failed = true;
          options.onError?.(error);
        },
      );
    },
    settled: () => state.pending,
    stop() {
      state.closed = true;
      subscription.unsubscribe();
    },
  };
}
