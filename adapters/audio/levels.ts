/**
 * Levels of 16-bit PCM, defined once: the energy of a full-scale sample and the conversion from dBFS.
 * The block energies the audio stages compare are sums of squared samples over a block's length, so a
 * level in dBFS becomes an energy per sample with {@link energyOfDbfs}.
 *
 * @example
 * ```ts
 * import { energyOfDbfs } from './levels.js';
 * const speaking = meanSquare >= energyOfDbfs(SPEECH_ACTIVE_DBFS);
 * ```
 */

/** The mean square of a full-scale 16-bit signal's samples (0 dBFS). */
export const FULL_SCALE_ENERGY = 32768 * 32768;

/**
 * Why −45 dBFS: speech at a microphone or from a speaker peaks 20–30 dB above it in its syllables; below it
 * is a pause. A level of speech signals, not fitted to a corpus; shared by the echo stages.
 */
export const SPEECH_ACTIVE_DBFS = -45;

/** The mean square of samples at `dbfs`. */
export function energyOfDbfs(dbfs: number): number {
  return FULL_SCALE_ENERGY * 10 ** (dbfs / 10);
}
