/**
 * An in-place radix-2 complex FFT, for the echo step's waveform correlations (`delay-refine.ts`):
 * correlating half a second of microphone against the reference at a few thousand lags costs tens of
 * millions of multiply-adds done directly, and a few hundred thousand through the frequency domain.
 *
 * @example
 * ```ts
 * const re = new Float64Array(8), im = new Float64Array(8);
 * re[1] = 1;
 * fft(re, im); // the spectrum of a unit impulse at 1
 * fft(re, im, true); // back, times 8 (the inverse is unscaled)
 * ```
 */

/** The smallest power of two at least `n`. */
export const powerOfTwoAtLeast = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** Transforms `re` + i·`im` in place (length a power of two); `inverse`: the inverse transform, unscaled. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  // Bit-reversed order.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const r = re[i]!;
      re[i] = re[j]!;
      re[j] = r;
      const m = im[i]!;
      im[i] = im[j]!;
      im[j] = m;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const angle = ((inverse ? 2 : -2) * Math.PI) / size;
    for (let k = 0; k < half; k++) {
      // The twiddle factor, computed once per butterfly column (not accumulated: no drift).
      const wRe = Math.cos(angle * k);
      const wIm = Math.sin(angle * k);
      for (let a = k; a < n; a += size) {
        const b = a + half;
        const tRe = re[b]! * wRe - im[b]! * wIm;
        const tIm = re[b]! * wIm + im[b]! * wRe;
        re[b] = re[a]! - tRe;
        im[b] = im[a]! - tIm;
        re[a] = re[a]! + tRe;
        im[a] = im[a]! + tIm;
      }
    }
  }
}
