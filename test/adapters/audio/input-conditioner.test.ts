/**
 * The input conditioning chain: its steps in order; the echo canceller aligned on the session clock with
 * what the sink played, sample-accurately (an echo with no delay at all is still cancelled, so the
 * reference is never later than the microphone); the user over the echo kept whole for the stop spotter;
 * any chunking of the input gives the same output.
 */
import { describe, expect, it } from 'vitest';
import { tapEchoReference } from '../../../adapters/echo/reference.js';
import { createInputConditioner } from '../../../adapters/audio/input-conditioner.js';
import { createFilteredKeep } from '../../../actors/estop/index.js';
import { createRecordingSink, type RecordingSink } from '../../../adapters/audio/recording-sink.js';
import type { AudioSink } from '../../../adapters/audio/sink.js';
import { createEchoPath, playedFrom } from '../../../sim/echo-path.js';
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

/**
 * Writes `far` on from `written` until the device holds 200 ms, as the playback actor does; how much is written now.
 */
function keepAhead(sink: AudioSink, device: RecordingSink, far: Int16Array, written: number): number {
  let at = written;
  for (; device.bufferedMs() < 200 && at < far.length; at += FRAME)
    sink.write(bytes(far.slice(at, at + FRAME)), { turnId: 't', seq: at / FRAME });
  return at;
}

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
    written = keepAhead(sink, device, far, written);
    await clock.advanceTo(now);
    const mic = Int16Array.from(room.render(played, (now - 20) * 16, FRAME), Math.round);
    const out = samples(conditioner.process(bytes(mic), clock.now()).audio);
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
    const all = await createInputConditioner({
      sampleRateHz: RATE,
      highPassHz: 100,
      agc: true,
      noiseSuppression: true,
    });
    expect(all.steps).toEqual(['high-pass', 'rnnoise', 'agc']);
    all.close();
    const none = await createInputConditioner({ sampleRateHz: RATE });
    const frame = bytes(speechLike(FRAME));
    expect(none.steps).toEqual([]);
    expect(none.process(frame, 0).audio).toBe(frame);
  });

  it.each([0, 60, 120])(
    'cancels the echo of what the sink played (%i ms delay) by more than 20 dB, aligned on the ' + 'session clock',
    async (delayMs) => {
      expect(await erleThroughRoom(delayMs)).toBeGreaterThan(20);
    },
  );

  it(
    'keeps, for the stop spotter, the user over the echo as the filter left it (whole, where the ' +
      'suppressor lets pieces by), before the residual suppressor too',
    async () => {
      const clock = new ManualClock();
      const device = createRecordingSink(clock, RATE);
      const { sink, reference } = await tapEchoReference(device, { clock, sampleRateHz: RATE });
      const echo = { reference, tailMs: 250, residualSuppression: true, suppression: true };
      const conditioner = await createInputConditioner({
        sampleRateHz: RATE,
        echo: { ...echo, keep: createFilteredKeep },
      });
      const room = createEchoPath({ sampleRateHz: RATE, delayMs: 120, gainDb: 4, reverbMs: 60, seed: 3 });
      const played = playedFrom(device);
      const far = speechLike(RATE * 10);
      // The user from 7 s to 8 s, about 12 dB under the speaker's echo.
      const user = Int16Array.from(speechLike(RATE), (x) => Math.round(x * 10 ** (-8 / 20)));
      let written = 0;
      /** Blocks of the user's second that came out with at least a quarter of the user's energy. */
      const userBlocks = { conditioned: 0, filtered: 0, linear: 0 };
      const echoAlone = { mic: 0, filtered: 0, linear: 0, levels: 0 };
      let drained = 0;
      const drainedLinear = { audio: 0, levels: 0 };
      for (let now = 20; now <= 10_000; now += 20) {
        written = keepAhead(sink, device, far, written);
        await clock.advanceTo(now);
        const start = (now - 20) * 16;
        const userSpan = now > 7000 && now <= 8000;
        const said = userSpan ? user.subarray(start - 7000 * 16, start - 7000 * 16 + FRAME) : new Int16Array(FRAME);
        const mic = Int16Array.from(room.render(played, start, FRAME), (x, i) => Math.round(x + said[i]!));
        const block = conditioner.process(bytes(mic), clock.now());
        const out = samples(block.audio);
        const filtered = samples(block.filtered!);
        const kept = block.filteredLinear!;
        const [linear, levels] = [samples(kept.audio), samples(kept.levels)];
        drained += filtered.length;
        drainedLinear.audio += linear.length;
        drainedLinear.levels += levels.length;
        if (userSpan) {
          if (energy(out) > energy(said) / 4) userBlocks.conditioned++;
          if (energy(filtered) > energy(said) / 4) userBlocks.filtered++;
          if (energy(linear) > energy(said) / 4) userBlocks.linear++;
        } else if (now > 5000) {
          echoAlone.mic += energy(mic);
          echoAlone.filtered += energy(filtered);
          echoAlone.linear += energy(linear);
          echoAlone.levels += energy(levels);
        }
      }
      conditioner.close();
      // Every block once, as it was processed, in each of the three.
      expect(drained).toBe(RATE * 10);
      expect(drainedLinear).toEqual({ audio: drained, levels: drained });
      // The user's voice whole (42 of 50 blocks here), where the suppressor passed pieces (23).
      expect(userBlocks.filtered).toBeGreaterThanOrEqual(40);
      expect(userBlocks.filtered).toBeGreaterThan(userBlocks.conditioned + 10);
      // The robot's voice alone does not come through: the filter cancels it (45 dB here).
      expect(10 * Math.log10(echoAlone.mic / echoAlone.filtered)).toBeGreaterThan(20);
      // Before the residual suppressor: the user whole in every block (50 here), the robot's voice still
      // cancelled (31 dB here), and in the levels beside it the suppressors put the room's noise in its place.
      expect(userBlocks.linear).toBeGreaterThanOrEqual(userBlocks.filtered);
      expect(10 * Math.log10(echoAlone.mic / echoAlone.linear)).toBeGreaterThan(20);
      expect(echoAlone.levels).toBeLessThan(echoAlone.linear);
      // Kept only when asked for, and never more than the last second of one call.
      const plain = await createInputConditioner({ sampleRateHz: RATE, echo });
      const plainBlock = plain.process(bytes(speechLike(FRAME)), 20);
      expect([plainBlock.filtered, plainBlock.filteredLinear, plainBlock.echoParts]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      plain.close();
      const long = await createInputConditioner({ sampleRateHz: RATE, echo: { ...echo, keep: createFilteredKeep } });
      expect(long.process(bytes(speechLike(RATE * 3)), 3000).filtered!.byteLength).toBe(RATE * 2);
      long.close();
    },
  );

  it('gives the same output however the input is cut (odd byte boundaries included)', async () => {
    const input = bytes(speechLike(RATE));
    const whole = await createInputConditioner({ sampleRateHz: RATE, highPassHz: 100 });
    const chunked = await createInputConditioner({ sampleRateHz: RATE, highPassHz: 100 });
    const expected = samples(whole.process(input, 0).audio.slice());
    const parts: number[] = [];
    for (const [from, to] of [
      [0, 101],
      [101, 7777],
      [7777, 7778],
      [7778, input.byteLength],
    ] as const)
      parts.push(...samples(chunked.process(input.slice(from, to), 0).audio.slice()));
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
    expect(conditioner.process(frame, 40).audio).toBe(frame);
  });
});
