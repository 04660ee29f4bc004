import { describe, expect, it } from 'vitest';
import { hasVoicedMs, trackVoicing } from '../../../adapters/spotter/voicing.js';

const RATE = 16_000;

/** Deterministic white noise at `dbfs`. */
function whiteNoise(ms: number, dbfs: number, seed = 11): Int16Array {
  let s = seed;
  const rms = 32_768 * 10 ** (dbfs / 20);
  return Int16Array.from({ length: (RATE * ms) / 1000 }, () => {
    let sum = 0;
    for (let i = 0; i < 12; i++) {
      s = (s * 1_103_515_245 + 12_345) & 0x7fffffff;
      sum += s / 0x7fffffff;
    }
    return Math.round((sum - 6) * rms);
  });
}

/** A vowel-like sound: the first harmonics of `pitchHz`, falling off as a voice's do. */
function vowel(ms: number, pitchHz: number): Int16Array {
  return Int16Array.from({ length: (RATE * ms) / 1000 }, (_, n) => {
    let x = 0;
    for (let h = 1; h <= 8; h++) x += Math.sin((2 * Math.PI * pitchHz * h * n) / RATE) / h;
    return Math.round(3_000 * x);
  });
}

const joined = (...parts: Int16Array[]) => {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};

describe('voicing', () => {
  it('finds a vowel at a low and a high pitch, even inside noise and short', () => {
    expect(hasVoicedMs(vowel(300, 90), RATE, 20)).toBe(true);
    expect(hasVoicedMs(vowel(300, 320), RATE, 20)).toBe(true);
    expect(hasVoicedMs(joined(whiteNoise(200, -30), vowel(60, 140), whiteNoise(200, -30)), RATE, 20)).toBe(true);
  });

  it('finds none in white noise at any level, in silence, or in too short a vowel', () => {
    for (const dbfs of [-40, -30, -20, -10])
      expect(hasVoicedMs(whiteNoise(1_200, dbfs), RATE, 20), `${dbfs} dBFS`).toBe(false);
    expect(hasVoicedMs(new Int16Array(RATE), RATE, 20)).toBe(false);
    expect(hasVoicedMs(joined(new Int16Array(4_000), vowel(35, 140), new Int16Array(4_000)), RATE, 60)).toBe(false);
  });

  it('takes any sample rate', () => {
    const at8k = Int16Array.from({ length: 2_400 }, (_, n) =>
      Math.round(3_000 * Math.sin((2 * Math.PI * 150 * n) / 8_000)),
    );
    expect(hasVoicedMs(at8k, 8_000, 20)).toBe(true);
  });

  it(
    'frame by frame, in frames of any size, a stream tells what the whole of it does, from the frame its ' +
      'voice shows in',
    () => {
      const framed = (samples: Int16Array, size: number) => {
        const voicing = trackVoicing(RATE, 20);
        const seen: boolean[] = [];
        for (let at = 0; at < samples.length; at += size) seen.push(voicing.push(samples.subarray(at, at + size)));
        return { seen, voiced: voicing.voiced };
      };
      const speech = joined(whiteNoise(200, -30), vowel(60, 140), whiteNoise(200, -30));
      for (const size of [160, 320, 333, 1_000]) {
        const { seen, voiced } = framed(speech, size);
        expect(voiced, `${size}`).toBe(true);
        // Not before the vowel began (200 ms in), and true from the first frame it is found in on.
        expect(seen.indexOf(true) * size, `${size}`).toBeGreaterThanOrEqual(((200 - 30) * RATE) / 1000 - size);
        expect(seen.slice(seen.indexOf(true)).every(Boolean), `${size}`).toBe(true);
        expect(framed(whiteNoise(1_200, -20), size).voiced, `${size}`).toBe(false);
      }
    },
  );
});
