import { describe, expect, it } from 'vitest';
import { createResampler } from '../../../adapters/audio/resample.js';

function sine(rate: number, ms: number, hz: number): Uint8Array {
  const n = Math.round((rate * ms) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate));
  return new Uint8Array(out.buffer);
}
const crossings = (pcm: Uint8Array) => {
  const s = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
  let n = 0;
  for (let i = 1; i < s.length; i++) if (s[i - 1]! < 0 !== s[i]! < 0) n++;
  return n;
};

describe('resampler (speex)', () => {
  it('24 kHz → 16 kHz keeps duration and pitch, chunk by chunk', async () => {
    const input = sine(24_000, 1000, 1000);
    const r = await createResampler({ fromHz: 24_000, toHz: 16_000 });
    const parts: Uint8Array[] = [];
    for (let i = 0; i < input.byteLength; i += 960) parts.push(r.process(input.subarray(i, i + 960)));
    r.close();
    const out = new Uint8Array(Buffer.concat(parts));
    const samples = out.byteLength / 2;
    expect(samples).toBeGreaterThan(16_000 * 0.98);
    expect(samples).toBeLessThanOrEqual(16_000);
    // A 1 kHz tone crosses zero ~2000 times per second whatever the rate.
    expect(Math.abs(crossings(out) - 2000)).toBeLessThan(40);
  });

  it('passes audio through untouched when the rates match', async () => {
    const pcm = sine(16_000, 20, 440);
    const r = await createResampler({ fromHz: 16_000, toHz: 16_000 });
    expect(r.process(pcm)).toBe(pcm);
  });
});
