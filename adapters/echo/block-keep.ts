/**
 * What the built-in echo stage keeps of each block for a listener beside the VAD, and hands on with the
 * audio of the same `process` call. The stage only offers each block's versions (as passed on, as its
 * filter left it, the linear filter's parts); which of them a listener hears is the listener's choice,
 * made by the keep it gives the stage (`keep` in `EchoStageOptions`: the emergency stop's is
 * `createFilteredKeep`, actors/estop/filtered-keep.ts).
 *
 * @example
 * ```ts
 * const stage = createEchoStage({ sampleRateHz: 16_000, reference, tailMs: 250, keep: createFilteredKeep });
 * const { audio, kept } = stage.process(mic, clock.now()); // kept: the same blocks, as the listener hears them
 * ```
 */
import type { EchoParts } from './canceller.js';

/** The blocks of one `process` call as a listener keeps them, sample for sample with each other. */
export interface KeptBlocks {
  /** As the first search hears them. */
  heard: Int16Array;
  /** As the second search hears them (before speexdsp's residual suppressor where the filter cancels). */
  linear: Int16Array;
  /** As the stage passed them on: the levels the second search reads its lead on. */
  levels: Int16Array;
  /** What the linear filter made of them, before any suppressor (the robot's own voice is told from it). */
  parts: EchoParts;
}

/** One stage's keep: the stage writes each block's parts and versions into it, and takes them per call. */
export interface EchoBlockKeep {
  /** Where the canceller writes the block's linear parts, kept with the next `keep`. */
  readonly linear: EchoParts;
  /**
   * One block: as the stage passed it on (`passedOn`) and as the canceller left it, before the stage's
   * suppressor (`filterOut`); `cancels`: the filter is seen to cancel and the echo is where the reference says.
   */
  keep(passedOn: Int16Array, filterOut: Int16Array, cancels: boolean): void;
  /** The blocks kept since the last call, joined (empty when none), and no longer kept. */
  take(): KeptBlocks;
}

/** Makes a stage's keep, for its blocks of `blockSamples` at `sampleRateHz`. */
export type EchoBlockKeepFactory = (blockSamples: number, sampleRateHz: number) => EchoBlockKeep;
