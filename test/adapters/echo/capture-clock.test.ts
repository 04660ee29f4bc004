/**
 * The capture clock turns frame arrival times into a sample-accurate microphone timeline: jitter does
 * not move it, an impossible early arrival pulls it back, a pause re-anchors it, and a device clock that
 * runs slow is followed after a window.
 */
import { describe, expect, it } from 'vitest';
import { createCaptureClock } from '../../../adapters/echo/capture-clock.js';

const FRAME = 320; // 20 ms at 16 kHz

describe('capture clock', () => {
  it('places steady frames back to back, ending at their arrival', () => {
    const clock = createCaptureClock({ sampleRateHz: 16_000 });
    expect([20, 40, 60, 80].map((atMs) => clock.place(FRAME, atMs))).toEqual([0, 320, 640, 960]);
  });

  it('ignores late arrivals (jitter) within resyncMs: the samples stay contiguous', () => {
    const clock = createCaptureClock({ sampleRateHz: 16_000, resyncMs: 60 });
    expect([20, 47, 60, 95, 100].map((atMs) => clock.place(FRAME, atMs))).toEqual([0, 320, 640, 960, 1280]);
  });

  it('moves back when a frame arrives earlier than the count allows (the first one came late)', () => {
    const clock = createCaptureClock({ sampleRateHz: 16_000 });
    expect(clock.place(FRAME, 30)).toBe(160); // assumed captured 10-30 ms
    // Arrived at 45 ms: it ends at 45 ms at the latest, not at 50.
    expect(clock.place(FRAME, 45)).toBe(400);
    expect(clock.place(FRAME, 65)).toBe(720);
  });

  it('starts over at the arrival after a pause longer than resyncMs', () => {
    const clock = createCaptureClock({ sampleRateHz: 16_000, resyncMs: 60 });
    clock.place(FRAME, 20);
    clock.place(FRAME, 40);
    // The device stopped sending for a second.
    expect(clock.place(FRAME, 1040)).toBe(16_320);
    expect(clock.place(FRAME, 1060)).toBe(16_640);
  });

  it('follows a device clock that runs slow once every arrival in a window is later than the tolerance', () => {
    const clock = createCaptureClock({ sampleRateHz: 16_000, toleranceMs: 10, windowMs: 1000, resyncMs: 100 });
    // The device delivers 20 ms of samples every 20.5 ms of session time (2.5 % slow).
    const starts: number[] = [];
    for (let i = 1; i <= 100; i++) starts.push(clock.place(FRAME, i * 20.5));
    // Contiguous until the window (1 s of samples) ends with every frame ≥ 10 ms late; then it jumps by the smallest
    // lag.
    const jumps = starts
      .slice(1)
      .map((s, i) => s - starts[i]! - FRAME)
      .filter((d) => d !== 0);
    expect(jumps.length).toBeGreaterThan(0);
    expect(jumps.every((d) => d > 0)).toBe(true);
    // Never more than the tolerance plus a window of drift (25 ms) behind the arrivals.
    const last = starts.at(-1)! + FRAME;
    expect(100 * 20.5 * 16 - last).toBeLessThan((10 + 25) * 16);
  });
});
