/**
 * Telling the robot's own voice from the user's on the echo canceller's linear filter: a stretch that is
 * the filter's estimate again, shifted and scaled (a lagging filter's leak), is explained; a voice the
 * estimate does not hold is not. Through the product's echo stage in a room whose path drifts by a few
 * samples, the burst the filter lets through is explained and the user over the echo is not.
 */
import { describe, expect, it } from 'vitest';
import { createFilteredKeep, createOwnVoiceRecord } from '../../actors/estop/index.js';
import { fitShare } from '../../actors/estop/own-voice.js';
import { tapEchoReference } from '../../adapters/echo/reference.js';
import { createInputConditioner } from '../../adapters/audio/input-conditioner.js';
import { createRecordingSink, type RecordingSink } from '../../adapters/audio/recording-sink.js';
import type { AudioSink } from '../../adapters/audio/sink.js';
import { createEchoPath, playedFrom } from '../../sim/echo-path.js';
import { ManualClock } from '../../adapters/testing/index.js';
import { envelopedNoise } from '../support/speech-like.js';

const RATE = 16_000;
const FRAME = 320;

const speechLike = envelopedNoise;
const bytes = (x: Int16Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
const samples = (b: Uint8Array) => new Int16Array(b.buffer, b.byteOffset, b.byteLength >> 1);

describe('own voice', () => {
  const robot = speechLike(RATE, 1);
  const user = speechLike(RATE, 2);
  const shifted = (x: Int16Array, by: number, gain: number) =>
    Int16Array.from(x, (_, i) => Math.round(gain * (x[i - by] ?? 0)));

  it('explains the estimate shifted and scaled, and not a voice the estimate does not hold', () => {
    // The stretch [1000, 15 000) of the target, on the estimate from 32 samples before it to 32 after.
    const share = (target: Int16Array) =>
      fitShare(
        Float64Array.from(target.subarray(1000, 15_000)),
        Float64Array.from(robot.subarray(1000 - 32, 15_000 + 32)),
        32,
      );
    expect(share(shifted(robot, 3, 0.2))).toBeGreaterThan(0.99);
    expect(share(shifted(robot, -20, -0.5))).toBeGreaterThan(0.99);
    expect(share(user)).toBeLessThan(0.02);
    // A user over a tenth as much leak: a tenth explained.
    const mixed = Int16Array.from(user, (x, i) => x + Math.round(robot[i - 2]! * Math.sqrt(0.1 / 0.9) || 0));
    expect(share(mixed)).toBeGreaterThan(0.07);
    expect(share(mixed)).toBeLessThan(0.14);
    expect(fitShare(new Float64Array(1000).fill(1), new Float64Array(1008), 4)).toBe(0);
    expect(() => fitShare(new Float64Array(1000), new Float64Array(1000), 4)).toThrow(/1008 samples/);
  });

  it('the record reads the stretch asked for, counts samples that came without parts as silence, and keeps 3 s', () => {
    const record = createOwnVoiceRecord({ sampleRateHz: RATE });
    const leak = shifted(robot, 2, 0.3);
    // Half a second without parts (the echo step off), then the robot's leak, then the user.
    record.push({ residual: leak, estimate: robot }, 8000);
    record.push({ residual: user, estimate: robot });
    expect(record.samples).toBe(8000 + 2 * RATE);
    expect(record.explainedShare(8000 + 1000, 8000 + 15_000)).toBeGreaterThan(0.99);
    expect(record.explainedShare(8000 + RATE + 1000, 8000 + 2 * RATE - 1000)).toBeLessThan(0.02);
    // Before the parts began: nothing to explain.
    expect(record.explainedShare(0, 7000)).toBe(0);
    for (let i = 0; i < 3; i++) record.push({ residual: user, estimate: robot });
    expect(record.samples).toBe(8000 + 5 * RATE);
    // The leak is older than 3 s: gone.
    expect(record.explainedShare(8000 + 1000, 8000 + 15_000)).toBe(0);
  });

  it(
    "through the echo stage: the burst a drifting path lets through is the filter's estimate, the " +
      'user over the echo is not',
    async () => {
      const clock = new ManualClock();
      const device = createRecordingSink(clock, RATE);
      const { sink, reference } = await tapEchoReference(device, { clock, sampleRateHz: RATE });
      const conditioner = await createInputConditioner({
        sampleRateHz: RATE,
        echo: { reference, tailMs: 250, residualSuppression: true, suppression: true, keep: createFilteredKeep },
      });
      // The room; 6 s in, its path 3 samples longer (a loopback's clock drifting), the same reflections.
      const before = createEchoPath({ sampleRateHz: RATE, delayMs: 120, gainDb: 0, reverbMs: 60, seed: 3 });
      const after = createEchoPath({
        sampleRateHz: RATE,
        delayMs: 120 + 3000 / RATE,
        gainDb: 0,
        reverbMs: 60,
        seed: 3,
      });
      expect(after.taps.map((t) => t.lag - 3)).toEqual(before.taps.map((t) => t.lag));
      const played = playedFrom(device);
      const far = speechLike(RATE * 8, 5);
      // The user from 4 s to 5 s, 6 dB under the echo, over a loud 50 Hz hum and a DC offset (a room's
      // rumble, which speexdsp's DC notch takes out of the microphone before its filter: not its estimate).
      const said = Int16Array.from(speechLike(RATE, 6), (x, i) =>
        Math.round(x / 2 + 1500 + 3000 * Math.sin((2 * Math.PI * 50 * i) / RATE)),
      );
      const record = createOwnVoiceRecord({ sampleRateHz: RATE });
      const shares: { user?: number; burst?: number } = {};
      let written = 0;
      for (let now = 20; now <= 8000; now += 20) {
        written = keepAhead(sink, device, far, written);
        await clock.advanceTo(now);
        const start = (now - 20) * 16;
        const room = now > 6000 ? after : before;
        const voice =
          now > 4000 && now <= 5000 ? said.subarray(start - 64_000, start - 64_000 + FRAME) : new Int16Array(FRAME);
        const mic = Int16Array.from(room.render(played, start, FRAME), (x, i) => Math.round(x + voice[i]!));
        const block = conditioner.process(bytes(mic), clock.now());
        const heard = samples(block.filtered!);
        const parts = block.echoParts!;
        // Sample for sample beside what the spotter hears.
        expect([parts.residual.length, parts.estimate.length]).toEqual([heard.length, heard.length]);
        record.push(parts);
        if (now === 5000) shares.user = record.explainedShare(4000 * 16, 5000 * 16);
        if (now === 6600) shares.burst = record.explainedShare(6000 * 16, 6400 * 16);
      }
      conditioner.close();
      expect(shares.user).toBeLessThan(0.1);
      expect(shares.burst).toBeGreaterThan(0.5);
    },
  );
});

/**
 * Writes `far` on from `written` until the device holds 200 ms, as the playback actor does; how much is written now.
 */
function keepAhead(sink: AudioSink, device: RecordingSink, far: Int16Array, written: number): number {
  let at = written;
  for (; device.bufferedMs() < 200 && at < far.length; at += FRAME)
    sink.write(bytes(far.slice(at, at + FRAME)), { turnId: 't', seq: at / FRAME });
  return at;
}
