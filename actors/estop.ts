/**
 * Emergency-stop actor (one per session): watches every partial and final transcript, in any state of
 * the chart, and publishes `control.estop` the moment one ends with a stop phrase ("stop", "halt",
 * "emergency stop"). It skips the barge-in minimum, the confidence gate and the LLM: a missed stop costs
 * more than a false one. One stop per utterance.
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

export interface EstopActorInput {
  sessionId: string;
  /** The stop phrases (`session.estop.phrases`); none: the actor does nothing. */
  phrases: readonly string[];
}

const words = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);

/** The stop phrase `text` ends with (whole words, case and punctuation ignored), if any. */
export function endsWithStopPhrase(text: string, phrases: readonly string[]): string | undefined {
  const heard = words(text);
  // The longest phrase first: "emergency stop" is reported as itself, not as "stop".
  return [...phrases]
    .sort((a, b) => words(b).length - words(a).length)
    .find((phrase) => {
      const p = words(phrase);
      return p.length > 0 && p.length <= heard.length && p.every((w, i) => heard[heard.length - p.length + i] === w);
    });
}

export function createEstopActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<{ type: 'none' }, EstopActorInput>(({ input, system }) => {
    const { bus } = resolveDeps(source, system);
    const { sessionId, phrases } = input;
    if (phrases.length === 0) return undefined;
    const stopped = new Set<string>();
    const onTranscript = (message: BusMessage) => {
      if ((message.type !== 'stt.partial' && message.type !== 'stt.final') || stopped.has(message.turnId)) return;
      const phrase = endsWithStopPhrase(message.text, phrases);
      if (phrase === undefined) return;
      // Why 64: utterances of one session in flight at once are a handful; the set only has to outlive them.
      if (stopped.size >= 64) stopped.clear();
      stopped.add(message.turnId);
      bus.publish({ type: 'control.estop', sessionId, turnId: message.turnId, source: 'phrase', phrase });
    };
    const subscriptions = [
      bus.subscribe(bus.subjects.forEvent(sessionId, 'stt.partial'), onTranscript),
      bus.subscribe(bus.subjects.forEvent(sessionId, 'stt.final'), onTranscript),
    ];
    return () => subscriptions.forEach((s) => s.unsubscribe());
  });
}
