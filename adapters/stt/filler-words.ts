/**
 * pocketsphinx's silence and filler "words" (`<sil>`, `[NOISE]`, `+breath+`, the phone loop's `SIL`): what
 * a hypothesis holds besides the words and phones that were said.
 *
 * @example
 * ```ts
 * 'stop <sil>'.split(' ').filter((w) => !FILLER.test(w)); // ['stop']
 * ```
 */
export const FILLER = /^(<.*>|\[.*\]|\+.*\+|SIL)$/;
