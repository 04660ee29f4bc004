/**
 * What the echo path's tuned values were chosen on (`tuning.ts` holds the table), as the kind of its
 * values (`adapters/tuned.ts`, shared with the spotter's table), and {@link valuesOf} from there, which
 * reads a group's values by name where a stage uses them.
 *
 * @example
 * ```ts
 * const { ALIGN_MARGIN_MS } = valuesOf(ECHO_TUNING.stage);
 * ```
 */
import { valuesOf, type Tuned as TunedValue } from '../tuned.js';

/** Measured on the echo matrix: synthetic voices (eSpeak, flite) in simulated rooms and the virtual PulseAudio room. */
export const ECHO_MATRIX = 'echo matrix (synthetic voices, simulated and virtual rooms)';
/** Derived from the block and hop sizes or the other values here, not fitted to measurements. */
export const REASONED = 'reasoned from the block size and the other values';
/** speexdsp's own default. */
export const SPEEXDSP_DEFAULT = "speexdsp's default";
/** A level of speech signals, not fitted to a corpus. */
export const SPEECH_LEVELS = 'levels of speech signals';

/** One tuned value of the echo path, with what it was chosen on. */
export type Tuned = TunedValue<typeof ECHO_MATRIX | typeof REASONED | typeof SPEEXDSP_DEFAULT | typeof SPEECH_LEVELS>;

export { valuesOf };
