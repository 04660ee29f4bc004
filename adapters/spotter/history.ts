/**
 * The last seconds of a keyword stream, per 10 ms search frame: the power of each frame (to compare a
 * phrase with what came before it) and, when phrases are verified, the audio itself (for the second stage,
 * phrase-verifier.ts). Frame `k` of the stream is samples `[k·rate/100, (k+1)·rate/100)`.
 */
import { SPOTTER_TUNING, valuesOf } from './tuning.js';

export interface StreamHistory {
  /** The searched samples: kept for the second stage, and their levels read (unless {@link levels} gives them). */
  push(samples: Int16Array): void;
  /** The levels come from these samples from now on (the same audio before a denoiser), not from {@link push}'s. */
  levels(samples: Int16Array): void;
  /**
   * `db`: mean level of the stream's frames [sf, ef] over the mean level of the 300 ms before sf (dB);
   * `pauseEnd`: the frame after the quietest 300 ms that ends at most half a second before sf, where
   * the phrase's sound likely began.
   */
  lead(sf: number, ef: number): { db: number; pauseEnd: number };
  /** The audio of frames [sf, ef] (clipped to what is kept); empty without `keepAudio`. */
  audio(sf: number, ef: number): Int16Array;
  /** 10 ms frames heard since the stream began. */
  readonly frames: number;
}

const { LEAD_FRAMES, LEAD_SKIP_FRAMES, LEAD_SEARCH_FRAMES, LEAD_SEARCH_STEP, KEPT_FRAMES, KEPT_AUDIO_FRAMES } =
  valuesOf(SPOTTER_TUNING.history);

export function streamHistory(sampleRateHz: number, keepAudio: boolean): StreamHistory {
  const perFrame = sampleRateHz / 100;
  const powers = new Float64Array(KEPT_FRAMES);
  const samplesKept = keepAudio ? KEPT_AUDIO_FRAMES * perFrame : 0;
  const ring = new Int16Array(samplesKept);
  let written = 0;
  let frames = 0;
  let sum = 0;
  let count = 0;
  const mean = (from: number, to: number) => {
    let total = 0;
    let n = 0;
    for (let f = Math.max(0, from, frames - KEPT_FRAMES); f <= Math.min(frames - 1, to); f++, n++)
      total += powers[f % KEPT_FRAMES]!;
    return n > 0 ? total / n : undefined;
  };
  let levelsApart = false;
  const measure = (samples: Int16Array) => {
    for (const x of samples) {
      sum += x * x;
      if (++count === perFrame) {
        powers[frames++ % KEPT_FRAMES] = sum / perFrame;
        sum = count = 0;
      }
    }
  };
  return {
    push(samples) {
      if (samplesKept > 0) for (const x of samples) ring[written++ % samplesKept] = x;
      else written += samples.length;
      if (!levelsApart) measure(samples);
    },
    levels(samples) {
      levelsApart = true;
      measure(samples);
    },
    lead(sf, ef) {
      const phrase = mean(sf, ef) ?? 0;
      let quiet: { power: number; end: number } | undefined;
      for (let back = 0; back <= LEAD_SEARCH_FRAMES; back += LEAD_SEARCH_STEP) {
        const end = sf - LEAD_SKIP_FRAMES - back;
        const power = mean(end - LEAD_FRAMES, end - 1);
        // The nearest of equally quiet stretches: where the phrase's sound began.
        if (power !== undefined && (quiet === undefined || power < quiet.power)) quiet = { power, end };
      }
      const before = mean(sf - LEAD_SKIP_FRAMES - LEAD_FRAMES, sf - LEAD_SKIP_FRAMES - 1);
      // Nothing before the phrase (it began the stream): as after a pause.
      if (quiet === undefined || before === undefined) return { db: 99, pauseEnd: sf };
      return { db: Math.round(100 * Math.log10((phrase + 1) / (before + 1))) / 10, pauseEnd: quiet.end };
    },
    audio(sf, ef) {
      const from = Math.max(0, sf * perFrame, written - samplesKept);
      const to = Math.min(written, (ef + 1) * perFrame);
      const out = new Int16Array(Math.max(0, to - from));
      for (let i = 0; i < out.length; i++) out[i] = ring[(from + i) % samplesKept]!;
      return out;
    },
    get frames() {
      return frames;
    },
  };
}
