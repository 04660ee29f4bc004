/**
 * The input conditioning chain: its steps in order; the echo canceller aligned on the session clock with
 * what the sink played, sample-accurately (an echo with no delay at all is still cancelled, so the
 * reference is never later than the microphone); any chunking of the input gives the same output.
 */
import { describe, expect, it } from 'vitest';
import { tapEchoReference } from '../../../adapters/echo/reference.js';
import { createInputConditioner } from '../../../adapters/audio/input-conditioner.js';
import { createRecordingSink } from '../../../adapters/audio/recording-sink.js';
import { createEchoPath, playedFrom } from '../../../adapters/echo/testing/echo-path.js';
import { ManualClock } from '../../../adapters/testing/index.js';

const RATE = 16_000;
const FRAME = 320;
let seed = 1;
const speechLike = (samples: number) =>
  Int16Array.from({ length: samples }, (_, i) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return Math.round(((seed / 2 ** 32) * 2 - 1) * 8000 * (0.55 + 0.45 * Math.sin(i / 1500)));
  });
const energy = (x: Int16Array) => x.reduce((n, v) => n + v * v, 0);
const bytes = (x: Int16Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
const samples = (b: Uint8Array) => new Int16Array(b.buffer, b.byteOffset, b.byteLength >> 1);

/** Plays 8 s of far-end audio into a sink on the simulated clock, echoes it back, returns the ERLE of the last 4 s. */
async function erleThroughRoom(delayMs: number): Promise<number> {
  const clock = new ManualClock();
  const device = createRecordingSink(clock, RATE);
  const { sink, reference } = await tapEchoReference(device, { clock, sampleRateHz: RATE });
  const conditioner = await createInputConditioner({ sampleRateHz: RATE, echo: { reference, tailMs: 250 } });
  expect(conditioner.steps).toEqual(['echo']);
  const room = createEchoPath({ sampleRateHz: RATE, delayMs, gainDb: -6, reverbMs: 60, seed: 3 });
  const played = playedFrom(device);
  const far = speechLike(RATE * 8);
  let written = 0;
  let micEnergy = 0;
  let outEnergy = 0;
  for (let now = 20; now <= 8000; now += 20) {
    while (device.bufferedMs() < 200 && written < far.length) {
      sink.write(bytes(far.slice(written, written + FRAME)), { turnId: 't', seq: written / FRAME });
      written += FRAME;
    }
    await clock.advanceTo(now);
    const mic = Int16Array.from(room.render(played, (now - 20) * 16, FRAME), Math.round);
    const out = samples(conditioner.process(bytes(mic), clock.now()));
    expect(out.length).toBe(FRAME);
    if (now > 4000) {
      micEnergy += energy(mic);
      outEnergy += energy(out);
    }
  }
  conditioner.close();
  return 10 * Math.log10(micEnergy / outEnergy);
}

describe('input conditioner', () => {
  it('lists its steps in chain order, and with none passes audio through as is', async () => {
    const all = await createInputConditioner({ sampleRateHz: RATE, highPassHz: 100, agc: true, noiseSuppression: true });
    expect(all.steps).toEqual(['high-pass', 'rnnoise', 'agc']);
    all.close();
    const none = await createInputConditioner({ sampleRateHz: RATE });
    const frame = bytes(speechLike(FRAME));
    expect(none.steps).toEqual([]);
    expect(none.process(frame, 0)).toBe(frame);
  });

  it.each([0, 60, 120])('cancels the echo of what the sink played (%i ms delay) by more than 20 dB, aligned on the session clock', async (delayMs) => {
    expect(await erleThroughRoom(delayMs)).toBeGreaterThan(20);
  });

  it('gives the same output however the input is cut (odd byte boundaries included)', async () => {
    const input = bytes(speechLike(RATE));
    const whole = await createInputConditioner({ sampleRateHz: RATE, highPassHz: 100 });
    const chunked = await createInputConditioner({ sampleRateHz: RATE, highPassHz: 100 });
    const expected = samples(whole.process(input, 0).slice());
    const parts: number[] = [];
    for (const [from, to] of [
      [0, 101],
      [101, 7777],
      [7777, 7778],
      [7778, input.byteLength],
    ] as const)
      parts.push(...samples(chunked.process(input.slice(from, to), 0).slice()));
    expect(parts).toEqual([...expected]);
  });

  it('after close() passes audio through untouched and frees its state once', async () => {
    const clock = new ManualClock();
    const { reference } = await tapEchoReference(createRecordingSink(clock, RATE), { clock, sampleRateHz: RATE });
    const conditioner = await createInputConditioner({
      sampleRateHz: RATE,
      echo: { reference, tailMs: 100, residualSuppression: true, suppression: true },
      highPassHz: 100,
    });
    conditioner.process(bytes(speechLike(FRAME)), 20);
    conditioner.close();
    conditioner.close();
    const frame = bytes(speechLike(FRAME));
    expect(conditioner.process(frame, 40)).toBe(frame);
  });
});
