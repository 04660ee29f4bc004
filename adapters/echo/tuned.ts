/**
 * What one tuned value of the echo path is (`tuning.ts` holds the table): its value, why, and what it was
 * chosen on, and {@link valuesOf}, which reads a group's values by name where a stage uses them.
 *
 * @example
 * ```ts
 * const { ALIGN_MARGIN_MS } = valuesOf(ECHO_TUNING.stage);
 * ```
 */

/** Measured on the echo matrix: synthetic voices (eSpeak, flite) in simulated rooms and the virtual PulseAudio room. */
export const ECHO_MATRIX = 'echo matrix (synthetic voices, simulated and virtual rooms)';
/** Derived from the block and hop sizes or the other values here, not fitted to measurements. */
export const REASONED = 'reasoned from the block size and the other values';
/** speexdsp's own default. */
export const SPEEXDSP_DEFAULT = "speexdsp's default";
/** A level of speech signals, not fitted to a corpus. */
export const SPEECH_LEVELS = 'levels of speech signals';

/** One tuned value: the value, why it is that, and what it was chosen on. */
export interface Tuned {
  readonly value: number;
  readonly why: string;
  readonly chosenOn: typeof ECHO_MATRIX | typeof REASONED | typeof SPEEXDSP_DEFAULT | typeof SPEECH_LEVELS;
}

/** A group's values by name, for the stage that uses them. */
export function valuesOf<G extends Record<string, Tuned>>(group: G): { readonly [K in keyof G]: number } {
  return Object.fromEntries(Object.entries(group).map(([name, tuned]) => [name, tuned.value])) as { readonly [K in keyof G]: number };
}
