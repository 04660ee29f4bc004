/**
 * What the stage actors of one session run on. The session host builds this once per session; actors
 * reach each other only through `bus`, never through shared objects.
 */
import type { InputConditioner } from '../adapters/audio/input-conditioner.js';
import type { AudioSink } from '../adapters/audio/sink.js';
import type { Clock } from '../adapters/clock.js';
import type { LlmEngine } from '../adapters/llm/types.js';
import type { MemoryLookup } from '../adapters/memory/types.js';
import type { KeywordEngine } from '../adapters/keyword/index.js';
import type { KeywordSpotter } from '../adapters/spotter/index.js';
import type { SttEngine } from '../adapters/stt/types.js';
import type { TtsEngine } from '../adapters/tts/types.js';
import type { TurnCompletion } from '../adapters/turn/turn-completion.js';
import type { VadEngine } from '../adapters/vad/types.js';
// The file itself, not the folder's index: the index's estop actor imports these deps.
import type { LearnedPhrases } from './estop/learned-spotter.js';
import type { OwnVoiceStop } from './estop/stop-spotter.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { ActivationOptions } from './activation-spotter.js';
import type { ClauseChunkerOptions } from './clause-chunker.js';
import type { VadSegmenterOptions } from './vad-segmenter.js';

export interface PipelineOptions {
  /** Playback frame length (ms). */
  frameMs: number;
  /** Audio handed to the sink ahead of what it has played (ms). */
  maxBufferAheadMs: number;
  /**
   * The sink is refilled (up to `maxBufferAheadMs`) once what it holds drops to this (ms); `maxBufferAheadMs` or more:
   * every tick.
   */
  refillBelowMs: number;
  /** TTS requests in flight per reply. */
  ttsConcurrency: number;
  /**
   * A reply's next segment is synthesized only while less than this much of its audio waits unplayed (ms); 0: no bound.
   */
  ttsLookAheadMs: number;
  chunker: Partial<ClauseChunkerOptions>;
  vad: Partial<VadSegmenterOptions>;
  /** The session's main language (a BCP-47-ish tag, `en`): STT hint, and the language of Latin-script replies. */
  language?: string;
  /** The STT's language hint when it differs from `language` (`languages.<language>.sttLanguage`). */
  sttLanguage?: string;
  voice?: string;
  /** A TTS voice per language (`languages.<tag>.voice`): a `zh` clause of a mixed reply gets the `zh` voice. */
  voices?: Readonly<Record<string, string>>;
  /** Send clauses to TTS as they close (`features.streamingTts`); off sends the whole reply at the end. */
  streamingTts: boolean;
  /** How long a memory lookup may delay the LLM request (ms). */
  memoryBudgetMs: number;
  /**
   * `session.activation` as the VAD actor needs it: the mode (in `wake` and `push` its gate starts closed and
   * opens only when the chart says so, `vad.gate`; `push` keeps a pre-roll) and the stop phrases of the
   * spotter. The session host sets it from the chart's config; absent: always.
   */
  activation?: ActivationOptions;
}

/** The pipeline's defaults, each with the reason for its value (the configuration schema refers to these). */
export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = {
  /** Why 20 ms: small enough for an instant stop, large enough to keep timers cheap. */
  frameMs: 20,
  /** Why 200 ms: bounds how much already-written audio a stop must clear at the device. */
  maxBufferAheadMs: 200,
  /**
   * Why 100 ms: frames go out five at a time (a fifth of the messages to a network client), and the device never holds
   * less than 100 ms.
   */
  refillBelowMs: 100,
  /** Why 2: the next clause is ready when the current one ends, without flooding the engine. */
  ttsConcurrency: 2,
  /**
   * Why 2000 ms: a later segment has over twice `timeouts.ttsFirstChunkMs` to deliver, while a barge-in throws away at
   * most ~2 s of audio.
   */
  ttsLookAheadMs: 2000,
  chunker: {},
  vad: {},
  /** Why 150 ms: memory may enrich the prompt but never delays the first token by more. */
  memoryBudgetMs: 150,
  streamingTts: true,
};

/** The engines one session runs on. */
export interface SessionEngines {
  /** Frame classifier for this session (stateful, so one per session). */
  vad: VadEngine;
  stt: SttEngine;
  llm: LlmEngine;
  /** Failover chain: the first engine speaks; the next takes over on error or a missed deadline. */
  tts: readonly TtsEngine[];
  /** Languages with a chain of their own (`languages.<tag>.tts`); the others are spoken by `tts`. */
  ttsByLanguage?: Readonly<Record<string, readonly TtsEngine[]>>;
  /** This session's audio output. */
  sink: AudioSink;
  /** Optional long-term memory, raced against `pipeline.memoryBudgetMs` before each LLM request. */
  memory?: MemoryLookup;
  /** Optional: whether a partial transcript is a complete command (adaptive end of turn, `turn.completePauseMs`). */
  turnCompletion?: TurnCompletion;
  /**
   * Optional microphone conditioning (echo canceller, high-pass, RNNoise, AGC), run by the VAD actor before the VAD.
   */
  inputConditioner?: InputConditioner;
  /**
   * Optional: the wake and stop phrases' spotter (`session.activation` `wake` or `push`), run by the VAD actor on all
   * microphone audio.
   */
  keywordSpotter?: KeywordSpotter;
  /**
   * Optional: the stop phrases' spotter (`session.estop.spotter`), run by the VAD actor on all microphone audio in
   * every mode.
   */
  stopSpotter?: KeywordSpotter;
  /**
   * Optional: the learned keyword heads (`keyword`), run by the VAD actor on all microphone audio: which
   * phrases are stop, wake and answer phrases, and the engine failing (told once; the other paths go on).
   */
  learned?: { engine: KeywordEngine; phrases: LearnedPhrases; stopLeadDb: number; onError?: (error: unknown) => void };
  /**
   * Optional: told of a stop phrase the stop spotter heard in the robot's own voice and did not act on
   * (`estop_own_voice`).
   */
  onOwnVoiceStop?: (heard: OwnVoiceStop) => void;
  /**
   * Optional: a local grammar recognizer whose transcripts the emergency stop also reads
   * (`session.estop.localRecognizer`): beside an `stt` without partials, so the stop does not wait for its
   * final; beside the grammar stack, for its decode at each of the user's pauses only (`stopSttPausesOnly`).
   */
  stopStt?: SttEngine;
  /**
   * `stopStt` beside a recognizer whose own partials the stop reads (the grammar stack): it decodes the
   * audio at each pause only, and `stt`'s partials count for an utterance begun over a reply only.
   */
  stopSttPausesOnly?: boolean;
}

export interface SessionActorDeps extends SessionEngines {
  bus: MessageBus;
  clock: Clock;
  pipeline: PipelineOptions;
}

/**
 * Finds a session's deps from its actor system (one per session chart). Lets every session share one
 * provided machine: a machine per session (`provide` rebuilds the whole state tree) cost ~0.5 ms and
 * ~60 KB per session and made each chart event ~40 % slower at a thousand sessions (caches per copy).
 */
export type SessionDepsResolver = (system: unknown) => SessionActorDeps;

export function resolveDeps(source: SessionActorDeps | SessionDepsResolver, system: unknown): SessionActorDeps {
  return typeof source === 'function' ? source(system) : source;
}
