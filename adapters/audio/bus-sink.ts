/**
 * An output device in another process, reached over the bus: every frame the playback actor writes goes
 * out as `<prefix>.<session>.audio.out`, and `clear()` publishes `audio.clear`, on which the device must
 * drop what it has buffered. The device is modelled as playing in real time from the first frame, so
 * the playback actor's 200 ms buffer-ahead limit holds for the device's queue as well.
 *
 * @example
 * ```ts
 * const sink = createBusSink({ bus, clock: systemClock, sessionId: 'robot-1', sampleRateHz: 16_000 });
 * startSession({ sessionId: 'robot-1', bus, clock: systemClock, engines: { ...engines, sink } });
 * // the robot: subscribe to va.robot-1.audio.out (play) and va.robot-1.audio.clear (flush the speaker)
 * ```
 */
import type { Clock } from '../clock.js';
import type { MessageBus } from '../../bus/message-bus.js';
import { SESSION_TURN } from '../../bus/messages.js';
import { pcmDurationMs } from './pcm.js';
import type { AudioSink } from './sink.js';

export interface BusSinkOptions {
  bus: MessageBus;
  clock: Clock;
  sessionId: string;
  sampleRateHz: number;
}

export function createBusSink({ bus, clock, sessionId, sampleRateHz }: BusSinkOptions): AudioSink {
  // Start times of the frames the device has not finished playing, in play order.
  const queue: Array<{ startMs: number; endMs: number }> = [];
  let playEndMs = 0;
  let seq = 0;
  const dropPlayed = (now: number) => {
    while (queue.length > 0 && queue[0]!.endMs <= now) queue.shift();
  };
  return {
    sampleRateHz,
    write(frame, meta) {
      const now = clock.now();
      dropPlayed(now);
      const startMs = Math.max(playEndMs, now);
      playEndMs = startMs + pcmDurationMs(frame.byteLength, sampleRateHz);
      queue.push({ startMs, endMs: playEndMs });
      bus.publish({ type: 'audio.out', sessionId, turnId: meta.turnId, seq: seq++, sampleRateHz, audio: frame });
    },
    clear() {
      const now = clock.now();
      dropPlayed(now);
      // Frames not started yet are dropped by the device; the one playing is cut there too.
      const framesCleared = queue.filter((f) => f.startMs >= now).length;
      queue.length = 0;
      playEndMs = now;
      bus.publish({ type: 'audio.clear', sessionId, turnId: SESSION_TURN, framesCleared });
      return framesCleared;
    },
    bufferedMs: () => Math.max(0, playEndMs - clock.now()),
  };
}
