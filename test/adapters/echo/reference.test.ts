/**
 * The echo reference tap on a session's sink: the device gets every frame and every clear as before;
 * the reference holds exactly what the device plays, at the samples it plays them on the session clock,
 * and never what a clear() dropped.
 */
import { describe, expect, it } from 'vitest';
import { createDeviceSink } from '../../../adapters/audio/device-sink.js';
import { tapEchoReference } from '../../../adapters/echo/reference.js';
import { createPacedSink, ManualClock, settle } from '../../../adapters/testing/index.js';

const RATE = 16_000;
/** A 20 ms frame whose samples are all `value`, so the reference shows where each frame went. */
const frameOf = (value: number, samples = 320) => new Uint8Array(new Int16Array(samples).fill(value).buffer);
const read = (reference: { read(start: number, out: Int16Array): void }, start: number, n: number) => {
  const out = new Int16Array(n);
  reference.read(start, out);
  return [...out];
};

describe('echo reference tap', () => {
  it('forwards frames and clears to the device unchanged', async () => {
    const clock = new ManualClock();
    const device = createPacedSink({ clock, sampleRateHz: RATE });
    const { sink } = await tapEchoReference(device, { clock, sampleRateHz: RATE });
    for (let i = 0; i < 5; i++) sink.write(frameOf(i + 1), { turnId: 't1', seq: i });
    expect(device.frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(sink.bufferedMs()).toBe(device.bufferedMs());
    expect(sink.sampleRateHz).toBe(RATE);
    await clock.advance(30);
    expect(sink.clear()).toBe(3);
    expect(device.clears).toHaveLength(1);
  });

  it(
    "passes on the device's timing: where a run starts, and how long its echo takes to come back plus " +
      'what the tap adds',
    async () => {
      const clock = new ManualClock();
      const device = {
        ...createDeviceSink({ clock, sampleRateHz: RATE, send: () => undefined, clear: () => undefined }),
        runStartMs: () => 40,
        echoReturnMs: () => 210,
      };
      const { sink } = await tapEchoReference(device, { clock, sampleRateHz: RATE, echoReturnMs: () => 150 });
      expect([sink.runStartMs?.(), sink.echoReturnMs?.()]).toEqual([40, 360]);
      const { sink: plain } = await tapEchoReference(createPacedSink({ clock, sampleRateHz: RATE }), {
        clock,
        sampleRateHz: RATE,
      });
      expect([plain.runStartMs, plain.echoReturnMs]).toEqual([undefined, undefined]);
    },
  );

  it('places a run of frames sample by sample from the time it starts playing', async () => {
    const clock = new ManualClock();
    await clock.advance(100);
    const { sink, reference } = await tapEchoReference(createPacedSink({ clock, sampleRateHz: RATE }), {
      clock,
      sampleRateHz: RATE,
    });
    // Written ahead at 100 ms: frame k plays at 100 + 20k ms, i.e. from sample 1600 + 320k.
    for (let k = 0; k < 3; k++) sink.write(frameOf(k + 1), { turnId: 't', seq: k });
    expect(read(reference, 1598, 4)).toEqual([0, 0, 1, 1]);
    expect(read(reference, 1600 + 318, 4)).toEqual([1, 1, 2, 2]);
    expect(read(reference, 1600 + 958, 4)).toEqual([3, 3, 0, 0]);
    // The device ran dry; the next run starts when it is written.
    await clock.advanceTo(250);
    sink.write(frameOf(9), { turnId: 't', seq: 3 });
    expect(read(reference, 250 * 16 - 2, 4)).toEqual([0, 0, 9, 9]);
  });

  it('drops what a clear() discards: the rest of the frame playing and everything after it', async () => {
    const clock = new ManualClock();
    const { sink, reference } = await tapEchoReference(createPacedSink({ clock, sampleRateHz: RATE }), {
      clock,
      sampleRateHz: RATE,
    });
    for (let k = 0; k < 10; k++) sink.write(frameOf(5), { turnId: 't', seq: k });
    await clock.advance(50);
    sink.clear();
    // Played: samples 0..799 (50 ms); the rest never plays.
    expect(read(reference, 798, 4)).toEqual([5, 5, 0, 0]);
    expect(read(reference, 3000, 2)).toEqual([0, 0]);
    // The next reply starts at the clear.
    sink.write(frameOf(7), { turnId: 't2', seq: 0 });
    expect(read(reference, 798, 4)).toEqual([5, 5, 7, 7]);
  });

  it('keeps only historyMs of what played; older samples and samples never played read as silence', async () => {
    const clock = new ManualClock();
    const { sink, reference } = await tapEchoReference(createPacedSink({ clock, sampleRateHz: RATE }), {
      clock,
      sampleRateHz: RATE,
      historyMs: 100,
    });
    for (let k = 0; k < 10; k++) sink.write(frameOf(k + 1), { turnId: 't', seq: k });
    // 200 ms written, 100 ms (1600 samples) kept: the first five frames are gone.
    expect(read(reference, 0, 2)).toEqual([0, 0]);
    expect(read(reference, 1599, 2)).toEqual([0, 6]);
    expect(read(reference, 3199, 2)).toEqual([10, 0]);
    expect(read(reference, -5, 2)).toEqual([0, 0]);
  });

  it('resamples a sink at another rate to the reference rate, keeping the timing', async () => {
    const clock = new ManualClock();
    const device = createPacedSink({ clock, sampleRateHz: 24_000 });
    const { sink, reference } = await tapEchoReference(device, { clock, sampleRateHz: RATE });
    // 200 ms of a 1 kHz tone at 24 kHz.
    const tone = new Int16Array(4800).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 24_000)));
    for (let k = 0; k < 10; k++)
      sink.write(new Uint8Array(tone.slice(k * 480, (k + 1) * 480).buffer), { turnId: 't', seq: k });
    const out = new Int16Array(2400);
    reference.read(200, out); // 12.5 to 162.5 ms: inside what played
    let crossings = 0;
    for (let i = 1; i < out.length; i++) if (out[i - 1]! < 0 !== out[i]! < 0) crossings++;
    // 150 ms of 1 kHz: 300 zero crossings at any rate.
    expect(Math.abs(crossings - 300)).toBeLessThanOrEqual(4);
    expect(read(reference, 3300, 2)).toEqual([0, 0]);
    reference.close();
  });

  it(
    'follows a device that changes its rate: frames while the new resampler loads read as silence, ' +
      'later ones are resampled',
    async () => {
      const clock = new ManualClock();
      const device = createDeviceSink({ clock, sampleRateHz: RATE, send: () => undefined, clear: () => undefined });
      const { sink, reference } = await tapEchoReference(device, { clock, sampleRateHz: RATE });
      sink.write(frameOf(3), { turnId: 't', seq: 0 });
      device.setSampleRate(24_000);
      expect(sink.sampleRateHz).toBe(24_000);
      sink.write(frameOf(4, 480), { turnId: 't', seq: 1 }); // 20 ms at 24 kHz, while the resampler loads
      await settle();
      sink.write(frameOf(5, 480), { turnId: 't', seq: 2 });
      sink.write(frameOf(5, 480), { turnId: 't', seq: 3 });
      expect(read(reference, 318, 4)).toEqual([3, 3, 0, 0]);
      // The third frame plays from 40 ms (sample 640): a constant 5 once the resampler's filter has filled.
      const third = read(reference, 640 + 100, 200);
      expect(third.every((v) => Math.abs(v - 5) <= 1)).toBe(true);
      reference.close();
    },
  );
});
