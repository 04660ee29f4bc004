/**
 * The room noise gauge (`audio.noiseSuppression: "auto"`): a room's steady noise at −30 dBFS reads loud
 * after a second; a quiet room with words said in it never does; a loud room that goes quiet reads
 * quiet again after a second, and only in a pause. Through the input conditioner, RNNoise runs exactly
 * while the gauge reads loud, and the stop spotter's levels come with every frame either way.
 */
import { describe, expect, it } from 'vitest';
import { createInputConditioner } from '../../../adapters/audio/input-conditioner.js';
import { createRoomNoiseGauge, ROOM_NOISE } from '../../../adapters/audio/room-noise.js';

const RATE = 16_000;
const FRAME = 320;
let seed = 5;
/** White noise at `dbfs` (RMS), `ms` long. */
const noise = (dbfs: number, ms: number) => {
  const rms = 32_768 * 10 ** (dbfs / 20);
  return Float32Array.from({ length: (ms * RATE) / 1000 }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return ((seed / 2 ** 32) * 2 - 1) * rms * Math.sqrt(3);
  });
};
/** A word-like burst: noise at −20 dBFS whose loudness swells and falls over `ms`. */
const word = (ms: number) => noise(-20, ms).map((x, i, all) => x * Math.sin((Math.PI * i) / all.length));
const joined = (...parts: Float32Array[]) => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};

/** The gauge's verdict after each 20 ms frame of `audio`. */
function verdicts(audio: Float32Array): boolean[] {
  const gauge = createRoomNoiseGauge({ sampleRateHz: RATE });
  const out: boolean[] = [];
  for (let at = 0; at + FRAME <= audio.length; at += FRAME) {
    gauge.push(audio.subarray(at, at + FRAME));
    out.push(gauge.loud);
  }
  return out;
}

describe('room noise gauge', () => {
  it('reads a steady −30 dBFS room as loud once it has heard a whole second of it, and a −70 dBFS room never', () => {
    const loud = verdicts(noise(-30, 3000));
    expect(loud.indexOf(true)).toBe(ROOM_NOISE.windowMs / 20 - 1);
    expect(loud.slice(ROOM_NOISE.windowMs / 20)).not.toContain(false);
    expect(verdicts(noise(-70, 3000))).not.toContain(true);
  });

  it('never reads words said in a quiet room as the room, nor a room just under the line', () => {
    const talk = joined(
      noise(-65, 800),
      word(600),
      noise(-65, 150),
      word(900),
      noise(-65, 300),
      word(700),
      noise(-65, 1000),
    );
    expect(verdicts(talk)).not.toContain(true);
    expect(verdicts(noise(ROOM_NOISE.onDbfs - 3, 3000))).not.toContain(true);
  });

  it('goes quiet again a second after the room does, in a pause, not inside a word', () => {
    // A loud room, then a quiet one with a word 0.9 s in (2.9–3.5 s): the second's hold ends at 3 s, inside
    // the word, and the switch waits for the word's end.
    const loud = verdicts(joined(noise(-30, 2000), noise(-70, 900), word(600), noise(-70, 1000)));
    const lastLoud = loud.lastIndexOf(true);
    expect(lastLoud).toBeGreaterThanOrEqual(3500 / 20 - 2);
    expect(lastLoud).toBeLessThanOrEqual(3500 / 20);
    expect(loud.slice(0, lastLoud + 1).slice(ROOM_NOISE.windowMs / 20 - 1)).not.toContain(false);
    // With no word, it goes quiet a second after the room did.
    expect(verdicts(joined(noise(-30, 2000), noise(-70, 2000))).lastIndexOf(true)).toBe(
      2000 / 20 + ROOM_NOISE.offHoldMs / 20 - 2,
    );
  });
});

describe('input conditioner, noiseSuppression auto', () => {
  it('runs RNNoise while the room is loud and not while it is quiet; the levels come with every frame', async () => {
    const conditioner = await createInputConditioner({
      sampleRateHz: RATE,
      highPassHz: 100,
      noiseSuppression: 'auto',
      keepLevels: true,
    });
    const steps: string[] = [];
    let levelled = 0;
    let frames = 0;
    const room = joined(noise(-70, 1500), noise(-30, 2500), noise(-70, 2500));
    const out: number[] = [];
    for (let at = 0; at + FRAME <= room.length; at += FRAME) {
      const frame = Int16Array.from(room.subarray(at, at + FRAME), Math.round);
      const done = conditioner.process(new Uint8Array(frame.buffer), at / 16);
      out.push(done.audio.byteLength);
      const now = conditioner.steps.join('+');
      if (steps.at(-1) !== now) steps.push(now);
      if (done.levels?.byteLength === FRAME * 2) levelled++;
      frames++;
    }
    conditioner.close();
    expect(steps).toEqual(['high-pass', 'high-pass+rnnoise', 'high-pass']);
    expect(levelled).toBe(frames);
    expect(conditioner.roomNoise?.().denoising).toBe(false);
  });

  it('with a switch (a Realtime client), the switch decides: auto does not run', async () => {
    const switches = { echo: false, noiseSuppression: false };
    const conditioner = await createInputConditioner({
      sampleRateHz: RATE,
      highPassHz: 100,
      noiseSuppression: 'auto',
      switches,
    });
    for (let at = 0; at < 100; at++)
      conditioner.process(new Uint8Array(Int16Array.from(noise(-30, 20), Math.round).buffer), at * 20);
    expect(conditioner.steps).toEqual(['high-pass']);
    expect(conditioner.roomNoise).toBeUndefined();
    conditioner.close();
  });
});
