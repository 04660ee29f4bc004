/**
 * Second-order Butterworth high-pass filter (a biquad, RBJ cookbook coefficients): removes DC offset,
 * mains hum, handling noise and the rumble of motors and fans below the voice, which carry energy a
 * VAD can take for speech and nothing a recognizer needs. 12 dB per octave below the cutoff.
 *
 * @example
 * ```ts
 * const hp = createHighPassFilter({ sampleRateHz: 16_000, cutoffHz: 100 });
 * hp.process(samples); // Float32Array, filtered in place; state carries over between calls
 * ```
 */

export interface HighPassOptions {
  sampleRateHz: number;
  cutoffHz: number;
}

export interface HighPassFilter {
  /** Filters `samples` in place (any length). */
  process(samples: Float32Array): void;
}

export function createHighPassFilter({ sampleRateHz, cutoffHz }: HighPassOptions): HighPassFilter {
  if (!(cutoffHz > 0 && cutoffHz < sampleRateHz / 2))
    throw new Error(
      `high-pass cutoff must be between 0 and ${sampleRateHz / 2} Hz (audio.highPassHz), not ${cutoffHz}`,
    );
  const w = (2 * Math.PI * cutoffHz) / sampleRateHz;
  // Q = 1/√2: the Butterworth response, flat in the pass band.
  const alpha = Math.sin(w) / Math.SQRT2;
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  const b0 = (1 + cos) / 2 / a0;
  const b1 = -(1 + cos) / a0;
  const b2 = b0;
  const a1 = (-2 * cos) / a0;
  const a2 = (1 - alpha) / a0;
  // Direct form I state, in double precision: the poles sit close to 1 at low cutoffs.
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  return {
    process(samples) {
      // State in locals for the loop: closure variables are memory slots, locals stay in registers.
      // (Plain assignments, not an array destructuring: that allocates an array until the optimizing
      // compiler removes it, on a path that runs 50 times a second per microphone.)
      let px1 = x1;
      let px2 = x2;
      let py1 = y1;
      let py2 = y2;
      for (let i = 0; i < samples.length; i++) {
        const x = samples[i]!;
        let y = b0 * x + b1 * px1 + b2 * px2 - a1 * py1 - a2 * py2;
        // Flush to zero: after silence the state decays into denormals, which are slow to compute with.
        if (y < 1e-12 && y > -1e-12) y = 0;
        px2 = px1;
        px1 = x;
        py2 = py1;
        py1 = y;
        samples[i] = y;
      }
      x1 = px1;
      x2 = px2;
      y1 = py1;
      y2 = py2;
    },
  };
}
