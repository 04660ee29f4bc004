/**
 * The stop phrases spotted on the microphone itself (`session.estop.spotter`), in every session, every
 * activation mode and every dialog state, whatever the recognizer: the VAD actor hands it every
 * conditioned frame (after echo cancellation), gate open or closed, and a spotted stop phrase publishes
 * `control.estop {source: 'spotter'}` at once. A recognizer that answers only after the utterance (a
 * Whisper-class server) would stop the robot most of a second late; the spotter does not wait for the
 * utterance to end, nor for any transcript.
 *
 * One stop per utterance, whichever path heard it first: the stop carries the VAD's utterance in progress
 * (`-` when none), and a stop already published for that utterance (by the transcripts' estop actor, or by
 * this spotter) is not published again. The robot's own speech ("Stopped moving.") does not stop it: the
 * echo canceller removes most of it, and a stop phrase must stand `stopLeadDb` above the 300 ms before it
 * (said after a pause), which a word inside a running sentence does not. For an utterance begun while a
 * reply played, the phrases' relaxed threshold (`stopThresholdOverReply`) applies: the echo left under
 * the user's voice lowers a spoken stop's score. But over a loud reply a command can score like a stop
 * there ("go to the door", the speaker 10 dB over the user): a phrase spotted under the strict threshold
 * and over the relaxed one is vetoed while the recognizer has heard the utterance as something else (its
 * last transcript, partial or final, ends with neither a stop phrase nor its first words, "emergency"),
 * and stops once a transcript of it does, at any confidence (the transcripts' gate without its
 * thresholds). With no transcript yet (a Whisper-class server has none before the utterance ends) it
 * stops at once.
 *
 * @example
 * ```ts
 * const stops = createStopSpotter({ bus, sessionId: 'robot-1', spotter, utterance: () => 'u3' });
 * stops.hear(frame); // … publishes { type: 'control.estop', turnId: 'u3', source: 'spotter', phrase: 'stop' }
 * stops.stop();
 * ```
 */
import { normalizePhrase, type KeywordSpotter } from '../adapters/spotter/index.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import { SPOTTER_TUNING, valuesOf } from '../adapters/spotter/tuning.js';
import { watchOverReply } from './over-reply.js';
import { createStopGate, endsTowardStopPhrase } from './stop-gate.js';

export interface StopSpotterOptions {
  bus: MessageBus;
  sessionId: string;
  /** The stop phrases' spotter (the engine pool's `stopSpotter`): a stream of it per session. */
  spotter: KeywordSpotter;
  /** The utterance in progress (the VAD's turn id), or `-`. */
  utterance: () => string;
}

export interface StopSpotter {
  /** Every conditioned microphone frame at the spotter's rate. */
  hear(frame: Uint8Array): void;
  stop(): void;
}

const { REPEAT_MS } = valuesOf(SPOTTER_TUNING.stopSpotter);

/** Why 64: utterances of one session in flight at once are a handful; the set only has to outlive them. */
const MAX_STOPPED = 64;

export function createStopSpotter({ bus, sessionId, spotter, utterance }: StopSpotterOptions): StopSpotter {
  const talk = watchOverReply(bus, sessionId);
  const stream = spotter.createStream({ relaxed: () => talk.overReply(utterance()) });
  const strictLog10 = new Map(spotter.phrases.map((p) => [normalizePhrase(p.phrase), Math.log10(p.threshold)]));
  const stopped = new Set<string>();
  /** Per utterance: the phrase spotted only at the relaxed threshold and vetoed, waiting for a transcript to agree. */
  const vetoed = new Map<string, string>();
  /** The utterances whose last transcript ended with neither a stop phrase nor its first words: the recognizer heard something else. */
  const heardOther = new Set<string>();
  const phrases = spotter.phrases.map((p) => p.phrase);
  const transcripts = createStopGate({ phrases });
  const remember = (turnId: string) => {
    if (turnId === '-') return;
    if (stopped.size >= MAX_STOPPED) stopped.clear();
    stopped.add(turnId);
    vetoed.delete(turnId);
  };
  let closed = false;
  let audioMs = 0;
  let lastStopMs = -Infinity;
  const publish = (turnId: string, phrase: string) => {
    // Remembered now, not when the bus delivers it back: the next frame may spot the phrase again.
    remember(turnId);
    lastStopMs = audioMs;
    bus.publish({ type: 'control.estop', sessionId, turnId, source: 'spotter', phrase });
  };
  const onEstop = (message: BusMessage) => {
    if (message.type === 'control.estop') remember(message.turnId);
  };
  const onTranscript = (message: BusMessage) => {
    if ((message.type !== 'stt.partial' && message.type !== 'stt.final') || stopped.has(message.turnId)) return;
    const stop = transcripts.heard({ ...message, final: message.type === 'stt.final' }) !== undefined;
    if (stop || endsTowardStopPhrase(message.text, phrases) || message.text.trim() === '') heardOther.delete(message.turnId);
    else {
      if (heardOther.size >= MAX_STOPPED) heardOther.clear();
      heardOther.add(message.turnId);
    }
    const phrase = vetoed.get(message.turnId);
    if (stop && phrase !== undefined) publish(message.turnId, phrase);
  };
  const subscriptions = [
    bus.subscribe(bus.subjects.forEvent(sessionId, 'control.estop'), onEstop),
    bus.subscribe(bus.subjects.forEvent(sessionId, 'stt.partial'), onTranscript),
    bus.subscribe(bus.subjects.forEvent(sessionId, 'stt.final'), onTranscript),
  ];
  return {
    hear(frame) {
      if (closed) return;
      audioMs += (frame.byteLength / 2 / spotter.sampleRateHz) * 1000;
      const [best] = stream.push(frame);
      if (!best) return;
      const turnId = utterance();
      if (stopped.has(turnId) || (turnId === '-' && audioMs - lastStopMs < REPEAT_MS)) return;
      const strict = best.log10Margin >= (strictLog10.get(best.phrase) ?? -Infinity);
      if (strict || !heardOther.has(turnId)) return publish(turnId, best.phrase);
      if (vetoed.size >= MAX_STOPPED) vetoed.clear();
      vetoed.set(turnId, best.phrase);
    },
    stop() {
      if (closed) return;
      closed = true;
      subscriptions.forEach((s) => s.unsubscribe());
      talk.stop();
      stream.close();
    },
  };
}
