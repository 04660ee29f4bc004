/**
 * The echo delay estimator on synthetic signals with known delays: a speech-like reference (noise in syllables of
 * random length and level, with pauses) echoed by a room with a reverberant tail at a known delay, under the
 * microphone's own noise. It finds the delay to within 4 ms (one envelope hop) from 40 ms to 1.4 s, keeps it through
 * silence, follows a delay that jumps between replies (0.3 → 1.4 s and back) within the next reply's first second, and
 * does not take the user's own speech (uncorrelated with the reference) for echo.
 */
import { describe, expect, it } from 'vitest';
import { createEchoDelayEstimator } from '../../../adapters/echo/delay.js';
import { refineEchoDelay } from '../../../adapters/echo/delay-refine.js';
import { createEchoPath } from '../../../sim/echo-path.js';
import { lcg, speechLike } from '../../support/speech-like.js';

const RATE = 16_000;
const BLOCK = 320;

/**
 * Runs `reference` (silence where undefined) through a room at `delayMs(t)` into the estimator; returns its estimates
 * per block (ms).
 */
function run(
  reference: Int16Array,
  delayAt: (sample: number) => number,
  options: { user?: Int16Array; reverbMs?: number } = {},
) {
  const estimator = createEchoDelayEstimator({ sampleRateHz: RATE });
  const rooms = new Map<number, ReturnType<typeof createEchoPath>>();
  const played = (from: number, count: number) => {
    const out = new Int16Array(count);
    for (let i = 0; i < count; i++) out[i] = from + i >= 0 && from + i < reference.length ? reference[from + i]! : 0;
    return out;
  };
  const noise = lcg(99);
  const estimates: Array<number | undefined> = [];
  for (let start = 0; start + BLOCK <= reference.length; start += BLOCK) {
    const delayMs = delayAt(start);
    let room = rooms.get(delayMs);
    if (!room)
      rooms.set(
        delayMs,
        (room = createEchoPath({
          sampleRateHz: RATE,
          delayMs,
          gainDb: -6,
          reverbMs: options.reverbMs ?? 300,
          seed: 5,
        })),
      );
    const echo = room.render(played, start, BLOCK);
    const mic = new Int16Array(BLOCK);
    for (let i = 0; i < BLOCK; i++)
      mic[i] = Math.round(echo[i]! + (options.user?.[start + i] ?? 0) + (noise() * 2 - 1) * 30);
    estimator.push(mic, reference.subarray(start, start + BLOCK));
    const samples = estimator.delaySamples();
    estimates.push(samples === undefined ? undefined : (samples * 1000) / RATE);
  }
  return { estimates, estimator };
}

const at = (estimates: Array<number | undefined>, ms: number) => estimates[Math.floor(ms / 20) - 1];

describe('echo delay estimator', () => {
  // 302 and 1397 ms fall between the estimator's 4 ms hops, as a real room's delay does.
  it.each([40, 120, 300, 302, 600, 1000, 1397, 1400])(
    'finds a %i ms delay within 4 ms (one envelope hop) in the first 2 s of echo, with a 300 ms reverberant tail',
    (delayMs) => {
      const { estimates } = run(speechLike(4, delayMs), () => delayMs);
      expect(at(estimates, 2000 + delayMs)).toBeDefined();
      expect(Math.abs(at(estimates, 2000 + delayMs)! - delayMs)).toBeLessThanOrEqual(4);
      expect(Math.abs(at(estimates, 4000)! - delayMs)).toBeLessThanOrEqual(4);
    },
  );

  it.each([
    [300, 1400],
    [302, 1397],
    [257, 903],
  ])(
    "follows a delay that jumps between replies (%i → %i ms and back) within the next reply's first second, and " +
      'holds it through the pauses',
    (short, long) => {
      // Three replies of 3 s with 2 s pauses; the delay changes at the end of each pause (the device re-buffered).
      const reply = (seed: number) => speechLike(3, seed);
      const pause = new Int16Array(Math.round(2 * RATE));
      const parts = [reply(1), pause, reply(2), pause, reply(3), pause];
      const reference = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
      let offset = 0;
      const starts: number[] = [];
      for (const p of parts) {
        starts.push(offset);
        reference.set(p, offset);
        offset += p.length;
      }
      const delays = [short, long, short];
      // Reply k's echo path holds from just before it starts.
      const delayAt = (sample: number) =>
        delays[sample < starts[2]! - RATE * 0.1 ? 0 : sample < starts[4]! - RATE * 0.1 ? 1 : 2]!;
      const { estimates, estimator } = run(reference, delayAt);
      const msOf = (sample: number) => (sample * 1000) / RATE;
      for (const [k, part] of [0, 2, 4].entries()) {
        const replyStartMs = msOf(starts[part]!);
        // The echo starts `delay` after the reply does; one second of it is enough.
        const followed = at(estimates, replyStartMs + delays[k]! + 1000);
        expect(Math.abs(followed! - delays[k]!), `reply ${k + 1}`).toBeLessThanOrEqual(4);
        // Held through the pause after the reply.
        expect(
          Math.abs(at(estimates, replyStartMs + 4400)! - delays[k]!),
          `pause after reply ${k + 1}`,
        ).toBeLessThanOrEqual(4);
      }
      expect(estimator.changes).toBe(3);
    },
  );

  it('finds abrupt onsets as well when the delay falls between two envelope hops as on one', () => {
    // An onset's rise over one 4 ms hop halves when the delay falls between hops (302 ms correlated 0.66).
    const correlationAt = (delayMs: number) => run(speechLike(4, 3, true), () => delayMs).estimator.estimate();
    const [onGrid, between] = [correlationAt(300)!, correlationAt(302)!];
    expect(onGrid.correlation).toBeGreaterThan(0.95);
    expect(between.correlation).toBeGreaterThan(0.85);
    expect(Math.abs((between.samples * 1000) / RATE - 302)).toBeLessThanOrEqual(1);
  });

  it('takes the old delay back when its caller rejects a change, and needs the rival to hold anew', () => {
    const estimator = createEchoDelayEstimator({ sampleRateHz: RATE });
    const reference = speechLike(8, 21);
    const rooms = [300, 700].map((delayMs) =>
      createEchoPath({ sampleRateHz: RATE, delayMs, gainDb: -6, reverbMs: 300, seed: 5 }),
    );
    const played = (from: number, count: number) => {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = from + i >= 0 && from + i < reference.length ? reference[from + i]! : 0;
      return out;
    };
    const feed = (fromMs: number, toMs: number, room: (typeof rooms)[number]) => {
      for (let start = (fromMs * RATE) / 1000; start < (toMs * RATE) / 1000; start += BLOCK) {
        const echo = room.render(played, start, BLOCK);
        estimator.push(Int16Array.from(echo, Math.round), reference.subarray(start, start + BLOCK));
      }
    };
    feed(0, 3000, rooms[0]!);
    expect(Math.abs((estimator.delaySamples()! * 1000) / RATE - 300)).toBeLessThanOrEqual(4);
    const changes = estimator.changes;
    // The path moves to 700 ms: the estimator follows; its caller says no (it saw no echo there).
    feed(3000, 6000, rooms[1]!);
    expect(estimator.changes).toBeGreaterThan(changes);
    estimator.reject();
    expect(Math.abs((estimator.delaySamples()! * 1000) / RATE - 300)).toBeLessThanOrEqual(4);
    // The rival is still the best: after holding again it is taken again.
    feed(6000, 8000, rooms[1]!);
    expect(Math.abs((estimator.delaySamples()! * 1000) / RATE - 700)).toBeLessThanOrEqual(4);
  });

  it(
    'leaves a delay in doubt when a rival is refused while its echo is missing; takes a delay its caller ' +
      'found as the delay',
    () => {
      const estimator = createEchoDelayEstimator({ sampleRateHz: RATE });
      const reference = speechLike(8, 21);
      const rooms = [300, 700].map((delayMs) =>
        createEchoPath({ sampleRateHz: RATE, delayMs, gainDb: -6, reverbMs: 300, seed: 5 }),
      );
      const played = (from: number, count: number) =>
        Int16Array.from({ length: count }, (_, i) => reference[from + i] ?? 0);
      const feed = (fromMs: number, toMs: number, room: (typeof rooms)[number]) => {
        for (let start = (fromMs * RATE) / 1000; start < (toMs * RATE) / 1000; start += BLOCK) {
          estimator.push(
            Int16Array.from(room.render(played, start, BLOCK), Math.round),
            reference.subarray(start, start + BLOCK),
          );
        }
      };
      const delayMs = () => (estimator.delaySamples()! * 1000) / RATE;
      feed(0, 3000, rooms[0]!);
      // The echo went missing: in doubt until a delay is found; the rival found is refused (no echo's waveform there).
      estimator.forget();
      expect(estimator.found).toBe(false);
      const before = estimator.changes;
      for (let ms = 3000; ms < 4500 && estimator.changes === before; ms += 20) feed(ms, ms + 20, rooms[1]!);
      expect(estimator.found).toBe(true);
      estimator.reject();
      expect(Math.abs(delayMs() - 300)).toBeLessThanOrEqual(4);
      expect(estimator.found).toBe(false);
      // The caller found the echo at 700 ms itself: that is the delay (and the estimator holds it as the echo goes on).
      const changes = estimator.changes;
      estimator.adopt(0.7 * RATE);
      expect(estimator.changes).toBe(changes + 1);
      expect(estimator.found).toBe(true);
      expect(delayMs()).toBe(700);
      feed(4500, 8000, rooms[1]!);
      expect(Math.abs(delayMs() - 700)).toBeLessThanOrEqual(4);
    },
  );

  it(
    'keeps the delay while the user talks over the echo (double talk), and never takes the user alone for ' + 'echo',
    () => {
      const reference = speechLike(6, 7);
      const user = new Int16Array(reference.length);
      // The user talks, as loud as the echo, from 3 to 5 s.
      user.set(speechLike(2, 8), 3 * RATE);
      const { estimates, estimator } = run(reference, () => 200, { user });
      for (const ms of [3000, 4000, 5000, 6000])
        expect(Math.abs(at(estimates, ms)! - 200), `at ${ms} ms`).toBeLessThanOrEqual(4);
      expect(estimator.changes).toBe(1);
      // The user alone (nothing played): no delay is found.
      const alone = run(new Int16Array(4 * RATE), () => 200, { user: speechLike(4, 9) });
      expect(alone.estimates.every((e) => e === undefined)).toBe(true);
    },
  );

  it('refines a delay to the sample from an estimate a few ms off, and finds nothing in the user alone', () => {
    const reference = speechLike(3, 11);
    const room = createEchoPath({ sampleRateHz: RATE, delayMs: 300.0625, gainDb: -6, reverbMs: 300, seed: 5 });
    const played = (from: number, count: number) =>
      Int16Array.from({ length: count }, (_, i) => reference[from + i] ?? 0);
    const end = 2 * RATE;
    const mic = Int16Array.from(room.render(played, end - RATE / 2, RATE / 2), Math.round);
    const read = { read: (start: number, out: Int16Array) => out.set(played(start, out.length)) };
    const truth = room.taps[0]!.lag;
    for (const offMs of [-8, 0, 5, 11]) {
      const refined = refineEchoDelay({
        mic,
        micEnd: end,
        reference: read,
        coarse: truth + (offMs * RATE) / 1000,
        radius: (12 * RATE) / 1000,
      });
      expect(refined?.samples, `estimate ${offMs} ms off`).toBe(truth);
    }
    const user = speechLike(0.5, 12);
    expect(refineEchoDelay({ mic: user, micEnd: end, reference: read, coarse: truth, radius: 192 })).toBeUndefined();
  });
});
