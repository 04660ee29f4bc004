/** The AGC lifts a quiet talker towards the target, never lifts the room's noise, and never clips. */
import { describe, expect, it } from 'vitest';
import { createAgc } from '../../../adapters/audio/agc.js';

const RATE = 16_000;
let seed = 1;
const noise = (samples: number, dbfs: number) =>
  Float32Array.from({ length: samples }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return ((seed / 2 ** 32) * 2 - 1) * Math.sqrt(3) * 32768 * 10 ** (dbfs / 20);
  });
/** Speech-like: 300 ms bursts of a voiced tone with 200 ms pauses, at `dbfs` while voiced, over a room's floor. */
function talker(seconds: number, dbfs: number, floorDbfs = -85): Float32Array {
  const out = noise(RATE * seconds, floorDbfs);
  const amplitude = Math.SQRT2 * 32768 * 10 ** (dbfs / 20);
  for (let i = 0; i < out.length; i++)
    if (i % 8000 < 4800) out[i] = out[i]! + amplitude * Math.sin((2 * Math.PI * 180 * i) / RATE);
  return out;
}
const levelDbfs = (x: Float32Array) => 10 * Math.log10(x.reduce((n, v) => n + v * v, 0) / x.length / 32768 ** 2);
function run(input: Float32Array, agc = createAgc({ sampleRateHz: RATE })) {
  const out = input.slice();
  for (let at = 0; at < out.length; at += 320) agc.process(out.subarray(at, at + 320));
  return { out, agc };
}

describe('AGC', () => {
  it('lifts a quiet talker (-46 dBFS) in a quiet room by up to maxGainDb towards the target', () => {
    const { out, agc } = run(talker(10, -46));
    expect(agc.gainDb()).toBeGreaterThan(18);
    expect(agc.gainDb()).toBeLessThanOrEqual(20);
    // Over the last 2 s, voiced parts around -26 dBFS.
    const last = out.subarray(RATE * 8);
    expect(levelDbfs(last)).toBeGreaterThan(-32);
  });

  it('leaves a talker already at the target alone', () => {
    const { agc } = run(talker(10, -24));
    expect(agc.gainDb()).toBeLessThan(1);
  });

  it('does not lift the room: noise alone gets no gain, and the floor is never pushed above the ceiling', () => {
    expect(run(noise(RATE * 10, -70)).agc.gainDb()).toBeLessThan(1);
    // Floor at -70 dBFS, ceiling -60: at most 10 dB, however quiet the talker.
    expect(run(talker(10, -46, -70)).agc.gainDb()).toBeLessThanOrEqual(10.5);
    const noisy = talker(10, -40);
    const floor = noise(RATE * 10, -55);
    const { agc } = run(noisy.map((v, i) => v + floor[i]!));
    // Floor at -55 dBFS, ceiling -60: no gain at all.
    expect(agc.gainDb()).toBeLessThan(1);
  });

  it('never clips: a loud peak after a quiet stretch gets at most the gain that keeps it in range', () => {
    const quiet = talker(10, -46);
    const agc = createAgc({ sampleRateHz: RATE });
    run(quiet, agc);
    const peak = Float32Array.from({ length: 320 }, (_, i) => 20_000 * Math.sin((2 * Math.PI * 180 * i) / RATE));
    agc.process(peak);
    expect(Math.max(...peak.map(Math.abs))).toBeLessThanOrEqual(32_000);
  });
});
