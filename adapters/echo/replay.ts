/**
 * The echo step's check that its linear filter kept the room across a move of the delay (`stage.ts`).
 * A device that re-buffers shifts the echo in time and leaves the room as it was, so a move between two
 * delays known to the sample keeps the filter's weights. But the filter only holds the reference it was
 * fed at the old alignment: for a tail's length after the move it lacks what played before it, and the
 * echo of that would pass. So the microphone's last half second is run through the filter again with the
 * reference read at the new alignment — the filter's history is then the new one, its weights learn on the
 * echo where it is now — and how much of that half second's echo it cancels says whether the room held.
 *
 * @example
 * ```ts
 * const erleDb = replayEchoErleDb({ canceller, mic: lastHalfSecond, micEnd, reference, alignedSamples, noiseEnergy });
 * if (erleDb < 18) suppressor.relearn();
 * ```
 */
import type { EchoCanceller } from './canceller.js';
import type { EchoReference } from './reference.js';
import { ECHO_TUNING, valuesOf } from './tuning.js';

export interface EchoReplayInput {
  canceller: EchoCanceller;
  /** The microphone's last samples, oldest first, whole blocks of the canceller's, ending at `micEnd`. */
  mic: Int16Array;
  /** Timeline index one past the last sample of `mic`. */
  micEnd: number;
  reference: Pick<EchoReference, 'read'>;
  /** The new alignment: the reference is read this many samples before the microphone. */
  alignedSamples: number;
  /** The room's noise, block energy: only blocks 10 dB above it hold echo worth measuring. */
  noiseEnergy: number;
}

const { AUDIBLE_DB } = valuesOf(ECHO_TUNING.replay);

const energyOf = (block: Int16Array) => {
  let sum = 0;
  for (let i = 0; i < block.length; i++) sum += block[i]! * block[i]!;
  return sum / block.length;
};

/**
 * Runs `mic` through the canceller with the reference at the new alignment (the output goes nowhere) and
 * returns the ERLE (dB) over its blocks that hold sound; undefined when none does.
 */
export function replayEchoErleDb({
  canceller,
  mic,
  micEnd,
  reference,
  alignedSamples,
  noiseEnergy,
}: EchoReplayInput): number | undefined {
  const n = canceller.blockSamples;
  const referenceBlock = new Int16Array(n);
  const lateBlock = new Int16Array(n);
  const out = new Int16Array(n);
  let micSum = 0;
  let outSum = 0;
  for (let at = mic.length % n; at + n <= mic.length; at += n) {
    const block = mic.subarray(at, at + n);
    const start = micEnd - mic.length + at;
    reference.read(start - alignedSamples, referenceBlock);
    if (canceller.lateOffsetSamples !== undefined)
      reference.read(start - alignedSamples - canceller.lateOffsetSamples, lateBlock);
    canceller.cancel(block, referenceBlock, out, lateBlock);
    const energy = energyOf(block);
    if (energy < noiseEnergy * 10 ** (AUDIBLE_DB / 10)) continue;
    micSum += energy;
    outSum += energyOf(out);
  }
  return micSum > 0 ? 10 * Math.log10((micSum + 1) / (outSum + 1)) : undefined;
}
