/**
 * Emergency-stop actor (one per session): watches every partial and final transcript, in any state of
 * the chart, and publishes `control.estop` the moment one ends with a stop phrase ("stop", "halt",
 * "emergency stop") that its stop gate (`stop-gate.ts`: its own confidence thresholds, lower than the
 * commands') takes for a stop. It skips the barge-in minimum, the commands' confidence gate and the LLM.
 * One stop per utterance, whichever heard it first: an utterance the microphone's stop spotter
 * (stop-spotter.ts) already stopped is not stopped again by its transcripts. It follows the replies'
 * playback so the gate knows which utterances began over the robot's own voice.
 *
 * @example
 * ```ts
 * endsWithStopPhrase('please stop', ['stop', 'halt']); // 'stop'
 * endsWithStopPhrase('stop the music please', ['stop']); // undefined
 * ```
 */
import { fromCallback } from 'xstate';
import type { BusMessage } from '../bus/messages.js';
import { resolveDeps, type SessionActorDeps, type SessionDepsResolver } from './deps.js';
import { createStopGate, type StopGateOptions } from './stop-gate.js';

export { endsWithStopPhrase } from './stop-gate.js';

export interface EstopActorInput extends StopGateOptions {
  sessionId: string;
}

/** Why 64: utterances of one session in flight at once are a handful; what is kept per utterance only has to outlive them. */
const MAX_UTTERANCES = 64;

export function createEstopActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<{ type: 'none' }, EstopActorInput>(({ input, system }) => {
    const { bus } = resolveDeps(source, system);
    const { sessionId } = input;
    if (input.phrases.length === 0) return undefined;
    const gate = createStopGate(input);
    const stopped = new Set<string>();
    /** Each utterance's voice, from its `vad.speech_end` (which comes before its final). */
    const voiced = new Map<string, number>();
    /** Replies playing now, and the utterances that began while one was. */
    const playing = new Set<string>();
    const overReply = new Set<string>();
    const onPlayback = (message: BusMessage) => {
      if (message.type === 'playback.started') playing.add(message.turnId);
      else if (message.type === 'playback.finished' || message.type === 'playback.stopped') playing.delete(message.turnId);
    };
    const onSpeechStart = (message: BusMessage) => {
      if (message.type !== 'vad.speech_start' || playing.size === 0) return;
      if (overReply.size >= MAX_UTTERANCES) overReply.clear();
      overReply.add(message.turnId);
    };
    const onSpeechEnd = (message: BusMessage) => {
      if (message.type !== 'vad.speech_end') return;
      if (voiced.size >= MAX_UTTERANCES) voiced.clear();
      voiced.set(message.turnId, message.speechMs);
    };
    const remember = (turnId: string) => {
      if (stopped.size >= MAX_UTTERANCES) stopped.clear();
      stopped.add(turnId);
    };
    const onEstop = (message: BusMessage) => {
      if (message.type === 'control.estop' && message.turnId !== '-') remember(message.turnId);
    };
    const onTranscript = (message: BusMessage) => {
      if ((message.type !== 'stt.partial' && message.type !== 'stt.final') || stopped.has(message.turnId)) return;
      const final = message.type === 'stt.final';
      const phrase = gate.heard({ ...message, final, voicedMs: final ? voiced.get(message.turnId) : undefined, overReply: overReply.has(message.turnId) });
      if (phrase === undefined) return;
      remember(message.turnId);
      bus.publish({ type: 'control.estop', sessionId, turnId: message.turnId, source: 'phrase', phrase });
    };
    const subscriptions = [
      bus.subscribe(bus.subjects.forEvent(sessionId, 'playback.started'), onPlayback),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'playback.finished'), onPlayback),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'playback.stopped'), onPlayback),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'vad.speech_start'), onSpeechStart),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'vad.speech_end'), onSpeechEnd),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'stt.partial'), onTranscript),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'stt.final'), onTranscript),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'control.estop'), onEstop),
    ];
    return () => subscriptions.forEach((s) => s.unsubscribe());
  });
}
