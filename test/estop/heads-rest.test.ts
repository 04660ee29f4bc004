/**
 * The learned heads' rest: after 500 ms of a quiet microphone they hear nothing, keep the last 1,280 ms of
 * quiet, and at the next sound hear that lead-in and the sound, with the offset that maps their stream's
 * times back onto the microphone's.
 */
import { describe, expect, it } from 'vitest';
import { createHeadsRest } from '../../actors/estop/heads-rest.js';

const RATE = 16; // samples per ms
const block = (ms: number, level: number) => Int16Array.from({ length: ms * RATE }, (_, i) => (i % 2 ? level : -level));
const quiet = () => block(20, 10);
const loud = () => block(20, 3000);
const msOf = (pieces: Int16Array[]) => pieces.reduce((n, p) => n + p.length, 0) / RATE;

describe('the learned heads rest in quiet', () => {
  it('hears every block until 500 ms of quiet, then none', () => {
    const rest = createHeadsRest(RATE);
    const pushed = Array.from({ length: 100 }, () => msOf(rest.hear(quiet()).push));
    // 25 blocks of 20 ms reach 500 ms of quiet: those are heard, the 75 after are not.
    expect(pushed.slice(0, 25)).toEqual(Array(25).fill(20));
    expect(pushed.slice(25)).toEqual(Array(75).fill(0));
    expect(rest.resting).toBe(true);
  });

  it('at a sound, hears the last 1,280 ms of quiet first, with the offset of where that quiet began', () => {
    const rest = createHeadsRest(RATE);
    for (let i = 0; i < 250; i++) rest.hear(quiet()); // 5 s: heard until 500 ms, then resting
    const { push, offsetMs } = rest.hear(loud());
    expect(msOf(push)).toBe(1280 + 20);
    expect(push.at(-1)![0]).toBe(-3000);
    // The stream got 500 ms; the lead-in began at 5000 − 1280 ms of the microphone.
    expect(offsetMs).toBe(5000 - 1280 - 500);
    expect(rest.resting).toBe(false);
    // Awake again: every block heard, at the same offset.
    expect(rest.hear(loud())).toMatchObject({ offsetMs: 5000 - 1280 - 500 });
    expect(msOf(rest.hear(quiet()).push)).toBe(20);
  });

  it('never rests while sound keeps coming', () => {
    const rest = createHeadsRest(RATE);
    for (let i = 0; i < 200; i++) {
      const step = rest.hear(i % 20 === 0 ? loud() : quiet()); // a sound every 400 ms
      expect(msOf(step.push)).toBe(20);
      expect(step.offsetMs).toBe(0);
    }
  });
});
