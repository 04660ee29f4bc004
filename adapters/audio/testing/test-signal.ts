/** Deterministic synthetic audio for fakes and tests: the same arguments always give the same bytes. */

export interface TestToneOptions {
  /** Why 220 Hz default: inside the voice band, so VADs tuned for speech energy accept it. */
  freqHz?: number;
  /** Peak amplitude 0..1. Why 0.25 default: RMS ≈ 0.18 (-15 dBFS), loud speech but far from clipping. */
  amplitude?: number;
  /** Added uniform noise amplitude 0..1, from a seeded generator (not Math.random) for repeatability. */
  noise?: number;
  seed?: number;
  /** Sample index the tone starts at, so consecutive chunks join without a phase jump. */
  startSample?: number;
}

/**
 * s16le mono sine (plus optional seeded noise) of `durationMs` at `sampleRateHz`.
 *
 * @example
 * ```ts
 * const pcm = makeTestTone(16000, 20); // 320 samples = 640 bytes of a 220 Hz tone
 * ```
 */
export function makeTestTone(sampleRateHz: number, durationMs: number, options: TestToneOptions = {}): Uint8Array {
  const { tone, bytes } = toneOf(sampleRateHz, durationMs, options);
  return tone.slice(0, bytes);
}

/**
 * The same bytes as {@link makeTestTone}, as a read-only view of the cached tone instead of a copy: for
 * fakes whose audio nobody writes into (the bus copies what it delivers), so a fake costs no more than
 * what it stands in for when a benchmark runs a thousand of them. Writing into it corrupts the cache.
 *
 * @example
 * ```ts
 * const pcm = sharedTestTone(24000, 200, { seed: 1 }); // 200 ms, no allocation once cached
 * ```
 */
export function sharedTestTone(
  sampleRateHz: number,
  durationMs: number,
  options: Omit<TestToneOptions, 'startSample'> = {},
): Uint8Array {
  const { tone, bytes } = toneOf(sampleRateHz, durationMs, options);
  return tone.subarray(0, bytes);
}

/** The cached tone for these arguments, at least `bytes` long (a prefix of a longer one is the same bytes). */
function toneOf(
  sampleRateHz: number,
  durationMs: number,
  options: TestToneOptions,
): { tone: Uint8Array; bytes: number } {
  const { freqHz = 220, amplitude = 0.25, noise = 0, seed = 0, startSample = 0 } = options;
  const samples = Math.round((durationMs * sampleRateHz) / 1000);
  // Fakes ask for the same tones over and over (benchmarks: thousands per second); the signal is a pure
  // function of its arguments, so a prefix of a longer cached one is the same bytes.
  const key = `${sampleRateHz}|${freqHz}|${amplitude}|${noise}|${seed}`;
  const cached = startSample === 0 ? toneCache.get(key) : undefined;
  if (cached && cached.byteLength >= samples * 2) return { tone: cached, bytes: samples * 2 };
  const tone = generate(sampleRateHz, samples, freqHz, amplitude, noise, seed, startSample);
  if (startSample === 0) {
    if (toneCache.size >= TONE_CACHE_ENTRIES) toneCache.delete(toneCache.keys().next().value as string);
    toneCache.set(key, tone);
  }
  return { tone, bytes: samples * 2 };
}

/** Why 64: distinct tones in use at once (per-seed fakes); the cache stays a few MB at most. */
const TONE_CACHE_ENTRIES = 64;
const toneCache = new Map<string, Uint8Array>();

function generate(
  sampleRateHz: number,
  samples: number,
  freqHz: number,
  amplitude: number,
  noise: number,
  seed: number,
  startSample: number,
): Uint8Array {
  const out = new Uint8Array(samples * 2);
  const view = new DataView(out.buffer);
  // Numerical Recipes LCG: tiny, deterministic and good enough for "noise" in a test signal.
  let state = (seed * 2654435761 + 1) >>> 0;
  for (let n = 0; n < samples; n++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const jitter = noise * ((state / 0x1_0000_0000) * 2 - 1);
    const v = amplitude * Math.sin((2 * Math.PI * freqHz * (startSample + n)) / sampleRateHz) + jitter;
    view.setInt16(n * 2, Math.max(-32768, Math.min(32767, Math.round(v * 32767))), true);
  }
  return out;
}
