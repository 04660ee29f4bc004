/**
 * A lean output device for benchmarks: O(1) state per session (the test sink keeps a log of every
 * frame, which would distort RSS at 1000 sessions). It plays in real time on the clock and reports
 * writes and clears to the benchmark through callbacks.
 */
import type { AudioSink } from '../adapters/audio/sink.js';
import type { Clock } from '../adapters/clock.js';

export interface BenchSinkHooks {
  onWrite(turnId: string, atMs: number): void;
  onClear(atMs: number, framesDropped: number): void;
}

export function createBenchSink(clock: Clock, sampleRateHz: number, frameMs: number, hooks: BenchSinkHooks): AudioSink {
  let playEndMs = 0;
  return {
    sampleRateHz,
    write(_frame, meta) {
      const now = clock.now();
      playEndMs = Math.max(playEndMs, now) + frameMs;
      hooks.onWrite(meta.turnId, now);
    },
    clear() {
      const now = clock.now();
      const dropped = Math.floor(Math.max(0, playEndMs - now) / frameMs);
      playEndMs = now;
      hooks.onClear(now, dropped);
      return dropped;
    },
    bufferedMs: () => Math.max(0, playEndMs - clock.now()),
  };
}
