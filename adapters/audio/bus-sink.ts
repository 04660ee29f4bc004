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
import { createDeviceSink } from './device-sink.js';
import { mouthLevel } from './mouth.js';
import type { AudioSink } from './sink.js';

export interface BusSinkOptions {
  bus: MessageBus;
  clock: Clock;
  sessionId: string;
  sampleRateHz: number;
}

export function createBusSink({ bus, clock, sessionId, sampleRateHz }: BusSinkOptions): AudioSink {
  return createDeviceSink({
    clock,
    sampleRateHz,
    // Every frame carries its lip-sync data: a robot face or an avatar animates from audio.out alone.
    send: (audio, { turnId, seq, viseme }) =>
      bus.publish({
        type: 'audio.out',
        sessionId,
        turnId,
        seq,
        sampleRateHz,
        audio,
        level: mouthLevel(audio),
        ...(viseme ? { viseme } : {}),
      }),
    clear: (framesCleared) => bus.publish({ type: 'audio.clear', sessionId, turnId: SESSION_TURN, framesCleared }),
  });
}
