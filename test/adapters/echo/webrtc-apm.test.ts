/**
 * WebRTC's audio processing through the native binding (native/webrtc-apm): its AEC removes the echo of
 * a simulated room (echo-path.ts) from an aligned reference and, behind the input conditioner
 * (`canceller: 'webrtc'`), from what the sink played with a delay it was not told; audio the reference
 * does not explain (the user) passes; bad settings are typed errors that say how to fix them.
 */
import { describe, expect, it } from 'vitest';
import { EchoCancellerError } from '../../../adapters/echo/canceller.js';
import { tapEchoReference } from '../../../adapters/echo/reference.js';
import { createInputConditioner } from '../../../adapters/audio/input-conditioner.js';
import { createRecordingSink } from '../../../adapters/audio/recording-sink.js';
import { createEchoPath, playedFrom } from '../../../sim/echo-path.js';
import { createWebRtcEchoCanceller, type WebRtcEchoCancellerOptions } from '../../../adapters/echo/webrtc-apm.js';
import { ManualClock } from '../../../adapters/testing/index.js';
import { envelopedNoise } from '../../support/speech-like.js';

const RATE = 16_000;
const BLOCK = 320;
const speechLike = envelopedNoise;
const energy = (x: Int16Array) => x.reduce((n, v) => n + v * v, 0);
const db = (a: number, b: number) => 10 * Math.log10(a / b);
const bytes = (x: Int16Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
const samples = (b: Uint8Array) => new Int16Array(b.buffer, b.byteOffset, b.byteLength >> 1);

/** The reference played through a room (direct sound at `delayMs`, -6 dB, a 150 ms tail), block by block. */
function roomEcho(reference: Int16Array, delayMs: number): Int16Array {
  const room = createEchoPath({ sampleRateHz: RATE, delayMs, gainDb: -6, reverbMs: 150, seed: 4 });
  const played = (from: number, count: number) =>
    Int16Array.from({ length: count }, (_, i) => (from + i >= 0 ? (reference[from + i] ?? 0) : 0));
  const mic = new Int16Array(reference.length);
  for (let at = 0; at < mic.length; at += BLOCK)
    mic.set(Int16Array.from(room.render(played, at, BLOCK), Math.round), at);
  return mic;
}

/** Runs mic and reference through a canceller; the output, whole. */
function cancelAll(options: Partial<WebRtcEchoCancellerOptions>, mic: Int16Array, reference: Int16Array): Int16Array {
  const canceller = createWebRtcEchoCanceller({ sampleRateHz: RATE, blockSamples: BLOCK, ...options });
  const out = new Int16Array(mic.length);
  for (let at = 0; at + BLOCK <= mic.length; at += BLOCK) {
    canceller.cancel(mic.subarray(at, at + BLOCK), reference.subarray(at, at + BLOCK), out.subarray(at, at + BLOCK));
  }
  canceller.close();
  return out;
}

describe('WebRTC echo canceller (native binding)', () => {
  it('removes more than 25 dB of a room echo 40 ms after the reference, which it was not told', () => {
    const reference = speechLike(RATE * 8, 1);
    const mic = roomEcho(reference, 40);
    const out = cancelAll({}, mic, reference);
    // The last 4 s: the filter has converged.
    expect(db(energy(mic.subarray(RATE * 4)), energy(out.subarray(RATE * 4)))).toBeGreaterThan(25);
  });

  it('lets the user through: alone after the echo was learnt, within 3 dB', () => {
    const reference = speechLike(RATE * 8, 3);
    reference.fill(0, RATE * 6);
    const user = speechLike(RATE * 2, 9).map((v) => v >> 1);
    const mic = roomEcho(reference, 40);
    for (let i = 0; i < user.length; i++) mic[RATE * 6 + i] = mic[RATE * 6 + i]! + user[i]!;
    const out = cancelAll({}, mic, reference);
    // From 200 ms after the reference stopped (its echo's tail has died away): the user's voice is what is left.
    const from = RATE * 6 + 3200;
    expect(Math.abs(db(energy(out.subarray(from)), energy(user.subarray(3200))))).toBeLessThan(3);
  });

  it('says how to fix a block that is not whole 10 ms frames, and a rate it cannot run at', () => {
    expect(() => createWebRtcEchoCanceller({ sampleRateHz: RATE, blockSamples: 200 })).toThrow(EchoCancellerError);
    expect(() => createWebRtcEchoCanceller({ sampleRateHz: RATE, blockSamples: 200 })).toThrow(
      /whole 10 ms frames \(160 samples/,
    );
    expect(() => createWebRtcEchoCanceller({ sampleRateHz: 22_050, blockSamples: 441 })).toThrow(
      /8, 16, 32 or 48 kHz.*audio\.inputRateHz/,
    );
    const canceller = createWebRtcEchoCanceller({ sampleRateHz: RATE, blockSamples: BLOCK });
    canceller.close();
    const block = new Int16Array(BLOCK);
    expect(() => canceller.cancel(block, block, block)).toThrow(/after close/);
  });
});

describe("input conditioner with canceller 'webrtc'", () => {
  it.each([0, 120, 700])(
    'cancels the echo of what the sink played (%i ms later) by more than 25 dB',
    async (delayMs) => {
      const clock = new ManualClock();
      const device = createRecordingSink(clock, RATE);
      const { sink, reference } = await tapEchoReference(device, { clock, sampleRateHz: RATE });
      const conditioner = await createInputConditioner({
        sampleRateHz: RATE,
        echo: { reference, tailMs: 500, canceller: 'webrtc' },
      });
      const room = createEchoPath({ sampleRateHz: RATE, delayMs, gainDb: -6, reverbMs: 150, seed: 3 });
      const played = playedFrom(device);
      const far = speechLike(RATE * 10, 5);
      let written = 0;
      let micEnergy = 0;
      let outEnergy = 0;
      for (let now = 20; now <= 10_000; now += 20) {
        while (device.bufferedMs() < 200 && written < far.length) {
          sink.write(bytes(far.slice(written, written + BLOCK)), { turnId: 't', seq: written / BLOCK });
          written += BLOCK;
        }
        await clock.advanceTo(now);
        const mic = Int16Array.from(room.render(played, (now - 20) * 16, BLOCK), Math.round);
        const out = samples(conditioner.process(bytes(mic), clock.now()).audio);
        expect(out.length).toBe(BLOCK);
        if (now > 5000) {
          micEnergy += energy(mic);
          outEnergy += energy(out);
        }
      }
      expect(db(micEnergy, outEnergy)).toBeGreaterThan(25);
      // Delays past WebRTC's own search are aligned by the envelope estimator first.
      if (delayMs >= 500) expect(conditioner.echoDelay?.()?.estimatedMs).toBeCloseTo(delayMs, -1);
      conditioner.close();
    },
  );
});
