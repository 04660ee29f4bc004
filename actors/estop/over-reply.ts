/**
 * Which of a session's utterances the robot talked under: the replies playing now (`playback.started`
 * until `playback.finished` or `playback.stopped`) and the utterances whose `vad.speech_start` came while
 * one played. The robot's echo, even cancelled, is left under such an utterance's voice and lowers every
 * recognizer's and spotter's score, so the emergency stop's two paths (`estop.ts`, `stop-spotter.ts`)
 * judge them at their over-reply thresholds.
 *
 * @example
 * ```ts
 * const talk = watchOverReply(bus, 'robot-1');
 * talk.overReply('u3'); // true once u3 began while a reply played
 * talk.stop();
 * ```
 */
import type { MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';

/** Why 64: utterances of one session in flight at once are a handful; the set only has to outlive them. */
const MAX_UTTERANCES = 64;

export interface OverReplyWatch {
  /** The utterance began while a reply played. */
  overReply(turnId: string): boolean;
  stop(): void;
}

export function watchOverReply(bus: MessageBus, sessionId: string): OverReplyWatch {
  const playing = new Set<string>();
  const overReply = new Set<string>();
  const onPlayback = (message: BusMessage) => {
    if (message.type === 'playback.started') playing.add(message.turnId);
    else if (message.type === 'playback.finished' || message.type === 'playback.stopped')
      playing.delete(message.turnId);
  };
  const onSpeechStart = (message: BusMessage) => {
    if (message.type !== 'vad.speech_start' || playing.size === 0) return;
    if (overReply.size >= MAX_UTTERANCES) overReply.clear();
    overReply.add(message.turnId);
  };
  const subscriptions = [
    ...(['playback.started', 'playback.finished', 'playback.stopped'] as const).map((type) =>
      bus.subscribe(bus.subjects.forEvent(sessionId, type), onPlayback),
    ),
    bus.subscribe(bus.subjects.forEvent(sessionId, 'vad.speech_start'), onSpeechStart),
  ];
  return {
    overReply: (turnId) => overReply.has(turnId),
    stop: () => subscriptions.forEach((s) => s.unsubscribe()),
  };
}
