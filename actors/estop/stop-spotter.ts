/**
 * The stop phrases spotted on the microphone itself (`session.estop.spotter`), in every session, every
 * activation mode and every dialog state, whatever the recognizer: the VAD actor hands it each conditioned
 * microphone block (`ConditionedBlock`, with its frames), gate open or closed, its phrase spotters
 * (phrase-spotter.ts; the pocketsphinx keyphrase search, keyphrase-spotter.ts) hear it, and a spotted stop
 * phrase publishes `control.estop {source: 'spotter'}` at once. A recognizer that answers only after the
 * utterance (a Whisper-class server) would stop the robot most of a second late; the spotter does not wait
 * for the utterance to end, nor for any transcript.
 *
 * One stop per utterance, whichever path heard it first: the stop carries the VAD's utterance in progress
 * (`-` when none), and a stop already published for that utterance (by the transcripts' estop actor, or by
 * this spotter) is not published again. The robot's own speech ("Stopped moving.") does not stop it: the
 * echo canceller removes most of it, and a stop phrase must stand `stopLeadDb` above the 300 ms before it
 * (said after a pause), which a word inside a running sentence does not. Where the path drifts (a sound
 * server's loopback) the canceller's filter lags it and lets bursts of the robot's voice through, which
 * the spotter can hear as "stop" after a pause: a phrase mostly explained by the filter's own echo
 * estimate (own-voice.ts, on the block's `echoParts`) is the robot's, told (`onOwnVoice`) and not acted on.
 * For an utterance begun while a reply played, the phrases' relaxed threshold (`stopThresholdOverReply`)
 * applies: the echo left under the user's voice lowers a spoken stop's score.
 *
 * @example
 * ```ts
 * const spotters = [keyphraseSpotter(spotter)];
 * const stops = createStopSpotter({
 *   bus,
 *   sessionId: 'robot-1',
 *   sampleRateHz: 16_000,
 *   spotters,
 *   utterance: () => 'u3',
 * });
 * stops.hear({ audio: frame, frames: [frame] });
 * // … publishes { type: 'control.estop', turnId: 'u3', source: 'spotter', phrase: 'stop' }
 * stops.stop();
 * ```
 */
import type { MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { watchOverReply } from './over-reply.js';
import { createOwnVoiceRecord, type OwnVoiceRecord } from './own-voice.js';
import { heardSamplesOf, type HeardBlock, type PhraseSpotterFactory, type SpottedStop } from './phrase-spotter.js';
import { ESTOP_TUNING, valuesOf } from './tuning.js';

export interface StopSpotterOptions {
  bus: MessageBus;
  sessionId: string;
  /** The microphone's rate (the spotters'): the clock of the stops and of the own-voice record. */
  sampleRateHz: number;
  /**
   * What listens for the stop phrases, each with a spotter of its own per session
   * (`keyphraseSpotter(engines.stopSpotter)`).
   */
  spotters: readonly PhraseSpotterFactory[];
  /** The utterance in progress (the VAD's turn id), or `-`. */
  utterance: () => string;
  /** A stop phrase spotted in the robot's own voice, not acted on (the engine pool publishes `estop_own_voice`). */
  onOwnVoice?: (heard: OwnVoiceStop) => void;
}

/** A stop phrase the spotter heard that the echo canceller's estimate explains: the robot's own voice. */
export interface OwnVoiceStop {
  phrase: string;
  /** The share of the phrase's sound (0..1) that the filter's echo estimate explains (at least `ownVoice.SHARE`). */
  explainedShare: number;
}

export interface StopSpotter {
  /** The next microphone block, in order, any length, with the VAD's frames of its audio. */
  hear(block: HeardBlock): void;
  stop(): void;
}

const { REPEAT_MS } = valuesOf(ESTOP_TUNING.spotter);
const { SHARE: OWN_VOICE_SHARE } = valuesOf(ESTOP_TUNING.ownVoice);

/** Why 64: utterances of one session in flight at once are a handful; the set only has to outlive them. */
const MAX_STOPPED = 64;

export function createStopSpotter({
  bus,
  sessionId,
  sampleRateHz,
  spotters,
  utterance,
  onOwnVoice,
}: StopSpotterOptions): StopSpotter {
  const talk = watchOverReply(bus, sessionId);
  const relaxed = () => talk.overReply(utterance());
  const stopped = new Set<string>();
  const remember = (turnId: string) => {
    if (turnId === '-') return;
    if (stopped.size >= MAX_STOPPED) stopped.clear();
    stopped.add(turnId);
  };
  const onEstop = (message: BusMessage) => {
    if (message.type === 'control.estop') remember(message.turnId);
  };
  const subscription = bus.subscribe(bus.subjects.forEvent(sessionId, 'control.estop'), onEstop);
  const state = { closed: false, heardSamples: 0, lastStopMs: -Infinity };
  let ownVoice: OwnVoiceRecord | undefined;
  const onSpotted = ({ phrase, startSample, endSample, heardSamples }: SpottedStop) => {
    const audioMs = (heardSamples * 1000) / sampleRateHz;
    const turnId = utterance();
    if (stopped.has(turnId) || (turnId === '-' && audioMs - state.lastStopMs < REPEAT_MS)) return;
    const explainedShare = ownVoice?.explainedShare(startSample, endSample) ?? 0;
    if (explainedShare >= OWN_VOICE_SHARE) {
      onOwnVoice?.({ phrase, explainedShare });
      return;
    }
    // Remembered now, not when the bus delivers it back: the next frame may spot the phrase again.
    remember(turnId);
    state.lastStopMs = audioMs;
    bus.publish({ type: 'control.estop', sessionId, turnId, source: 'spotter', phrase });
  };
  const listening = spotters.map((start) => start({ relaxed, onSpotted }));
  return {
    hear(block) {
      if (state.closed) return;
      if (block.echoParts)
        (ownVoice ??= createOwnVoiceRecord({ sampleRateHz })).push(block.echoParts, state.heardSamples);
      state.heardSamples += heardSamplesOf(block);
      for (const spotter of listening) spotter.hear(block);
    },
    stop() {
      if (state.closed) return;
      state.closed = true;
      subscription.unsubscribe();
      talk.stop();
      for (const spotter of listening) spotter.close();
    },
  };
}
