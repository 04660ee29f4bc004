/**
 * One microphone block as the input conditioner hands it on, once: the conditioned audio the VAD and the
 * recognizer hear, and beside it what the emergency stop's spotter hears of the same samples where a step
 * keeps it (the echo step's filter output, RNNoise's input). The spotter reads what it needs from the block
 * (`actors/estop/`); nothing is pulled back out of the conditioner afterwards.
 *
 * @example
 * ```ts
 * const block: ConditionedBlock = conditioner.process(micFrame, clock.now());
 * vad.push(block.audio);
 * if (block.filtered) stops.hear(block); // the user over the robot, as the echo filter left it
 * ```
 */
import type { EchoParts } from '../echo/index.js';

/** The audio a second search hears, before speexdsp's residual suppressor, and the levels its lead is read on. */
export interface FilteredLinear {
  audio: Uint8Array;
  levels: Uint8Array;
}

export interface ConditionedBlock {
  /** The conditioned audio that is ready (s16le at the conditioner's rate, in order; lengths may differ per call). */
  audio: Uint8Array;
  /**
   * With the echo step's keep (the built-in canceller): the same call's microphone samples as its filter
   * left them where it is seen to cancel, else as the step passed them on; high-passed as `audio` is.
   * Absent while no such step runs (WebRTC's, or the step switched off).
   */
  filtered?: Uint8Array;
  /**
   * Beside `filtered`: the same samples where it gives the linear filter's output, as that filter left them
   * before speexdsp's residual suppressor, and as the echo step passed them on (its levels), both high-passed.
   */
  filteredLinear?: FilteredLinear;
  /** Beside `filtered`: what the linear filter made of the same samples, before any suppressor (not high-passed). */
  echoParts?: EchoParts;
  /**
   * With `keepLevels`, while RNNoise runs (and always where it can switch on and off): this call's audio as
   * it was before RNNoise (echo-cancelled and high-passed), which a spotter's lead is read on.
   */
  levels?: Uint8Array;
}
