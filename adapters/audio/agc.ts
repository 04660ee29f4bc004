/**
 * Automatic gain control for the microphone: lifts a quiet talker (far from the robot, a soft voice)
 * towards `targetDbfs` so the VAD and the recognizer hear the same speech at any distance. It never lifts
 * noise: the gain follows the level of speech-like audio only (well above the tracked noise floor), and
 * is capped so the noise floor stays below `noiseCeilingDbfs` — a louder noise floor is what makes a VAD
 * start on nothing. It does not attenuate (0 dB minimum) and it limits peaks to the 16-bit range.
 *
 * @example
 * ```ts
 * const agc = createAgc({ sampleRateHz: 16_000 });
 * agc.process(samples); // Float32Array in 16-bit scale, in place
 * agc.gainDb(); // the gain now applied
 * ```
 */

export interface AgcOptions {
  sampleRateHz: number;
  /** Why -26 dBFS: speech RMS of a close talker into a typical microphone (ITU-T P.56 active level). */
  targetDbfs?: number;
  /** Why 20 dB: a talker at 3 m instead of 30 cm; more would mostly amplify the room. */
  maxGainDb?: number;
  /** Why -60 dBFS: below what WebRTC VAD treats as possible speech energy, so a lifted floor never starts it. */
  noiseCeilingDbfs?: number;
}

export interface Agc {
  /** Applies the gain in place (any length; state carries over). */
  process(samples: Float32Array): void;
  gainDb(): number;
}

/** Why 10 dB above the floor: the 10 ms level of voiced speech clears it; steady noise does not. */
const SPEECH_MARGIN_DB = 10;
/** Why -70 dBFS: quieter audio is silence, whatever the floor. */
const SILENCE_DBFS = -70;
/** Why 2 dB/s: the floor follows a fan switching on within seconds, but not one word's loudness. */
const FLOOR_RISE_DB_PER_S = 2;
/** Why 0.3 s: speech level averaged over a few syllables, not one loud vowel. */
const SPEECH_LEVEL_TIME_CONSTANT_S = 0.3;
/** Why 6 dB/s up: slow enough not to pump between words; down is fast (40 dB/s) so a loud voice never clips long. */
const GAIN_UP_DB_PER_S = 6;
const GAIN_DOWN_DB_PER_S = 40;
const FULL_SCALE = 32768;
/** Peaks stay just under full scale. */
const PEAK_LIMIT = 32_000;

export function createAgc(options: AgcOptions): Agc {
  const { sampleRateHz } = options;
  const targetDbfs = options.targetDbfs ?? -26;
  const maxGainDb = options.maxGainDb ?? 20;
  const noiseCeilingDbfs = options.noiseCeilingDbfs ?? -60;
  let floorDbfs: number | undefined;
  let speechDbfs = targetDbfs;
  let gainDb = 0;
  return {
    gainDb: () => gainDb,
    process(samples) {
      const n = samples.length;
      if (n === 0) return;
      const seconds = n / sampleRateHz;
      let energy = 0;
      let peak = 0;
      for (let i = 0; i < n; i++) {
        const x = samples[i]!;
        energy += x * x;
        if (x > peak) peak = x;
        else if (-x > peak) peak = -x;
      }
      const levelDbfs = 10 * Math.log10(energy / n / (FULL_SCALE * FULL_SCALE) + 1e-12);
      floorDbfs =
        floorDbfs === undefined || levelDbfs < floorDbfs ? levelDbfs : floorDbfs + FLOOR_RISE_DB_PER_S * seconds;
      if (levelDbfs > SILENCE_DBFS && levelDbfs > floorDbfs + SPEECH_MARGIN_DB) {
        speechDbfs += (levelDbfs - speechDbfs) * Math.min(1, seconds / SPEECH_LEVEL_TIME_CONSTANT_S);
      }
      const wanted = Math.max(0, Math.min(maxGainDb, targetDbfs - speechDbfs, noiseCeilingDbfs - floorDbfs));
      const next =
        wanted > gainDb
          ? Math.min(wanted, gainDb + GAIN_UP_DB_PER_S * seconds)
          : Math.max(wanted, gainDb - GAIN_DOWN_DB_PER_S * seconds);
      let from = 10 ** (gainDb / 20);
      let to = 10 ** (next / 20);
      if (peak * Math.max(from, to) > PEAK_LIMIT) {
        // A peak would clip: this chunk gets at most the gain that keeps it in range, and so does the next.
        to = Math.max(1, PEAK_LIMIT / peak);
        from = Math.min(from, to);
        gainDb = 20 * Math.log10(to);
      } else gainDb = next;
      if (from === 1 && to === 1) return;
      // Ramp across the chunk: a gain step would click.
      const step = (to - from) / n;
      for (let i = 0; i < n; i++) samples[i] = samples[i]! * (from + step * (i + 1));
    },
  };
}
