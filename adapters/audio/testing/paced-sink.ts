/**
 * Fake audio output device for tests and benchmarks: it "plays" written audio in real time on the
 * injected clock, so buffering, underruns and barge-in clears are measurable without a sound card.
 */
import type { Clock } from '../../clock.js';
import { pcmDurationMs } from '../pcm.js';
import type { AudioSink } from '../sink.js';

export interface PacedSinkOptions {
  clock: Clock;
  sampleRateHz: number;
  /** Nominal frame length the writer uses; informational (exposed for benchmarks), not enforced. */
  frameMs?: number;
}

export interface PacedSinkFrame {
  turnId: string;
  seq: number;
  writtenAtMs: number;
  /** When the device starts (or would have started) playing this frame. */
  playAtMs: number;
  durationMs: number;
  /** Set when a `clear()` dropped the frame before it began playing. */
  dropped: boolean;
}

export interface PacedSinkClear {
  atMs: number;
  /** Frames that had not started playing (a partly played frame is cut but not counted). */
  framesDropped: number;
  /** Unplayed audio discarded, including the rest of a partly played frame. */
  droppedMs: number;
}

export interface PacedSinkUnderrun {
  /** The write that restarted playback. */
  atMs: number;
  /** How long the device sat silent mid-turn. */
  gapMs: number;
  turnId: string;
}

export interface PacedSink extends AudioSink {
  readonly frameMs: number;
  /** Every write, in order. */
  readonly frames: readonly PacedSinkFrame[];
  readonly clears: readonly PacedSinkClear[];
  /** Times the device ran dry between two frames of the same turn (no clear in between). */
  readonly underruns: readonly PacedSinkUnderrun[];
  /** Audio played so far, in ms. */
  playedMs(): number;
}

/**
 * Playback begins at the first write and continues while audio is buffered; if the device runs dry
 * it waits, and resumes from the time of the next write. `bufferedMs()` is written-but-unplayed
 * audio, derived from the clock; `clear()` discards it and returns the number of whole frames dropped.
 *
 * @example
 * ```ts
 * const sink = createPacedSink({ clock, sampleRateHz: 24000 });
 * sink.write(frame20ms, { turnId: 't1', seq: 0 });
 * sink.write(frame20ms, { turnId: 't1', seq: 1 });
 * await clock.advance(10);
 * sink.bufferedMs(); // 30
 * sink.clear();      // 1 (seq 1 never started; seq 0 is cut mid-frame)
 * ```
 */
export function createPacedSink(options: PacedSinkOptions): PacedSink {
  const {
    clock,
    sampleRateHz,
    // Why 20 ms: the playback actor's frame size, matching WebRTC/RTP 20 ms packetization.
    frameMs = 20,
  } = options;
  const frames: PacedSinkFrame[] = [];
  const clears: PacedSinkClear[] = [];
  const underruns: PacedSinkUnderrun[] = [];
  /** Frames not yet finished playing, oldest first. */
  let pending: PacedSinkFrame[] = [];
  /** Clock time at which everything written so far will have played. */
  let busyUntilMs = -Infinity;
  let writtenMs = 0;
  let droppedMs = 0;
  let clearedSinceWrite = false;

  const bufferedMs = () => Math.max(0, busyUntilMs - clock.now());

  return {
    sampleRateHz,
    frameMs,
    frames,
    clears,
    underruns,
    write(frame, { turnId, seq }) {
      const now = clock.now();
      const previous = frames.at(-1);
      if (previous && !clearedSinceWrite && previous.turnId === turnId && busyUntilMs < now) {
        underruns.push({ atMs: now, gapMs: now - busyUntilMs, turnId });
      }
      pending = pending.filter((f) => f.playAtMs + f.durationMs > now);
      const durationMs = pcmDurationMs(frame.byteLength, sampleRateHz);
      const playAtMs = Math.max(now, busyUntilMs);
      const entry: PacedSinkFrame = { turnId, seq, writtenAtMs: now, playAtMs, durationMs, dropped: false };
      frames.push(entry);
      pending.push(entry);
      busyUntilMs = playAtMs + durationMs;
      writtenMs += durationMs;
      clearedSinceWrite = false;
    },
    clear() {
      const now = clock.now();
      const buffered = bufferedMs();
      let framesDropped = 0;
      for (const f of pending) {
        if (f.playAtMs < now) continue;
        f.dropped = true;
        framesDropped++;
      }
      pending = [];
      droppedMs += buffered;
      busyUntilMs = Math.min(busyUntilMs, now);
      clearedSinceWrite = true;
      clears.push({ atMs: now, framesDropped, droppedMs: buffered });
      return framesDropped;
    },
    bufferedMs,
    playedMs: () => writtenMs - droppedMs - bufferedMs(),
  };
}
