/**
 * What the emergency stop asks of a phrase spotter: hear each microphone block, say which stop phrase it
 * spotted and where it ended. The stop spotter (stop-spotter.ts) decides what a spotted phrase does (one
 * stop per utterance, the robot's own voice not acted on); the spotters only listen. Today's is the
 * pocketsphinx keyphrase search (keyphrase-spotter.ts); a learned engine's scores join it as another
 * {@link PhraseSpotterFactory} in `StopSpotterOptions.spotters`, each hearing the same blocks.
 *
 * Times are on the stop path's timeline: samples of the microphone heard since the spotter began, where
 * each block adds its `filtered` audio if it has one, else its frames ({@link heardSamplesOf}).
 *
 * @example
 * ```ts
 * const listen: PhraseSpotterFactory = ({ onSpotted }) => ({
 *   hear: (block) =>
 *     void (scoreOf(block) > 0.5 && onSpotted({ phrase: 'stop', startSample, endSample, heardSamples })),
 *   close: () => undefined,
 * });
 * ```
 */
import type { ConditionedBlock } from '../../adapters/audio/conditioned-block.js';

/** A microphone block as the stop path hears it: the conditioner's block, and its audio cut into the VAD's frames. */
export interface HeardBlock extends ConditionedBlock {
  /** `audio` in the VAD's whole frames, in order: what a spotter hears where the block has no `filtered` audio. */
  frames: readonly Uint8Array[];
}

/** A stop phrase a spotter heard, on the stop path's timeline (samples since it began). */
export interface SpottedStop {
  phrase: string;
  /** Where the phrase began and ended (samples; end exclusive). */
  startSample: number;
  endSample: number;
  /** All the samples the spotter had heard when it told (the end of the push that showed the phrase). */
  heardSamples: number;
}

/** One session's phrase spotter on the stop path. */
export interface PhraseSpotter {
  /** The next microphone block, in order; a spotted phrase is told synchronously, before this returns. */
  hear(block: HeardBlock): void;
  /** Frees its streams; later blocks are ignored. */
  close(): void;
}

export interface PhraseSpotterListener {
  /** Whether the phrases' relaxed threshold applies now (the utterance in progress began over a reply). */
  relaxed: () => boolean;
  /** A stop phrase spotted. */
  onSpotted: (spotted: SpottedStop) => void;
}

/** Starts one session's spotter (a stream of a process-wide engine). */
export type PhraseSpotterFactory = (listener: PhraseSpotterListener) => PhraseSpotter;

/** The samples a block adds to the stop path's timeline: its `filtered` audio where it has one, else its frames. */
export function heardSamplesOf(block: HeardBlock): number {
  if (block.filtered) return block.filtered.byteLength / 2;
  return block.frames.reduce((sum, frame) => sum + frame.byteLength / 2, 0);
}
