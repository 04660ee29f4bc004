/**
 * An output device at the far end of a connection (another process on the bus, a WebSocket client): each
 * frame the playback actor writes is sent at once, and the device is modelled as playing in real time
 * from the first frame, so the playback actor's 200 ms buffer-ahead limit holds for the device's queue
 * too. `clear()` tells the device to drop what it has buffered and reports how many frames that was.
 *
 * @example
 * ```ts
 * const sink = createDeviceSink({
 *   clock: systemClock,
 *   sampleRateHz: 24_000,
 *   send: (frame) => ws.send(frame),
 *   clear: () => ws.send('flush'),
 * });
 * ```
 */
import type { Clock } from '../clock.js';
import { pcmDurationMs } from './pcm.js';
import type { AudioSink, FrameMeta } from './sink.js';

export interface DeviceSinkOptions {
  clock: Clock;
  sampleRateHz: number;
  /** Sends one frame to the device (`seq` counts this sink's frames from 0). */
  send(frame: Uint8Array, meta: FrameMeta): void;
  /** Tells the device to drop its buffer; `framesCleared` is the model's count of frames it dropped. */
  clear(framesCleared: number): void;
}

export interface DeviceSink extends AudioSink {
  /** A client changed its output format: frames from the next reply on are at this rate. */
  setSampleRate(sampleRateHz: number): void;
}

export function createDeviceSink(options: DeviceSinkOptions): DeviceSink {
  const { clock } = options;
  let sampleRateHz = options.sampleRateHz;
  // Start and end times of the frames the device has not finished playing, in play order.
  const queue: Array<{ startMs: number; endMs: number }> = [];
  let playEndMs = 0;
  let seq = 0;
  const dropPlayed = (now: number) => {
    while (queue.length > 0 && queue[0]!.endMs <= now) queue.shift();
  };
  return {
    get sampleRateHz() {
      return sampleRateHz;
    },
    setSampleRate(rate) {
      sampleRateHz = rate;
    },
    write(frame, meta) {
      const now = clock.now();
      dropPlayed(now);
      const startMs = Math.max(playEndMs, now);
      playEndMs = startMs + pcmDurationMs(frame.byteLength, sampleRateHz);
      queue.push({ startMs, endMs: playEndMs });
      options.send(frame, { ...meta, seq: seq++ });
    },
    clear() {
      const now = clock.now();
      dropPlayed(now);
      // Frames not started yet are dropped by the device; the one playing is cut there too.
      const framesCleared = queue.filter((f) => f.startMs >= now).length;
      queue.length = 0;
      playEndMs = now;
      options.clear(framesCleared);
      return framesCleared;
    },
    bufferedMs: () => Math.max(0, playEndMs - clock.now()),
  };
}
