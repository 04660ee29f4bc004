/**
 * The stop phrases spotted on the microphone itself (`session.estop.spotter`), in every session, every
 * activation mode and every dialog state, whatever the recognizer: the VAD actor hands it all the
 * microphone's audio after echo cancellation (the echo step's filtered audio where it keeps one:
 * `InputConditioner.drainFiltered`), gate open or closed, and a spotted stop phrase publishes
 * `control.estop {source: 'spotter'}` at once. A recognizer that answers only after the utterance (a
 * Whisper-class server) would stop the robot most of a second late; the spotter does not wait for the
 * utterance to end, nor for any transcript.
 *
 * One stop per utterance, whichever path heard it first: the stop carries the VAD's utterance in progress
 * (`-` when none), and a stop already published for that utterance (by the transcripts' estop actor, or by
 * this spotter) is not published again. The robot's own speech ("Stopped moving.") does not stop it: the
 * echo canceller removes most of it, and a stop phrase must stand `stopLeadDb` above the 300 ms before it
 * (said after a pause), which a word inside a running sentence does not. Where the path drifts (a sound
 * server's loopback) the canceller's filter lags it and lets bursts of the robot's voice through, which
 * the spotter can hear as "stop" after a pause: a phrase mostly explained by the filter's own echo
 * estimate (`adapters/echo/own-voice.ts`) is the robot's, told (`onOwnVoice`) and not acted on. For an utterance begun while a
 * reply played, the phrases' relaxed threshold (`stopThresholdOverReply`) applies: the echo left under
 * the user's voice lowers a spoken stop's score.
 *
 * Where the echo step keeps its filter's output, a second search hears it as the filter left it before
 * speexdsp's residual suppressor (`InputConditioner.drainFilteredLinear`), its lead read on the audio as
 * the step passed it on (the echo there is comfort noise), and either search's phrase stops the robot: the
 * residual suppressor carves the bands it takes for echo out of a user's voice under a louder speaker
 * (a "stop" 0.8 s into a reply, 10 dB under it, scored 10^1.4 before it and 10^-14 after), while before
 * it the echo left in lowers other stops, and each search alone lost stops the other heard.
 *
 * @example
 * ```ts
 * const stops = createStopSpotter({ bus, sessionId: 'robot-1', spotter, utterance: () => 'u3' });
 * stops.hear(frame); // … publishes { type: 'control.estop', turnId: 'u3', source: 'spotter', phrase: 'stop' }
 * stops.stop();
 * ```
 */
import type { KeywordSpotter, KeywordStream, Spotting } from '../adapters/spotter/index.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import { SPOTTER_TUNING, valuesOf } from '../adapters/spotter/tuning.js';
import { watchOverReply } from './over-reply.js';
import { createOwnVoiceRecord, type EchoParts, type OwnVoiceRecord } from '../adapters/echo/own-voice.js';
import { ECHO_TUNING } from '../adapters/echo/tuning.js';

export interface StopSpotterOptions {
  bus: MessageBus;
  sessionId: string;
  /** The stop phrases' spotter (the engine pool's `stopSpotter`): a stream of it per session. */
  spotter: KeywordSpotter;
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
  /**
   * All the microphone's audio at the spotter's rate, in order, any length: conditioned, or where the echo
   * step keeps it, as its filter left it (`InputConditioner.drainFiltered`); `levels`, where RNNoise ran,
   * the audio before it (`InputConditioner.drainLevels`), which the lead is measured on; `echo`, where
   * the built-in canceller ran, what its linear filter made of the same samples
   * (`InputConditioner.drainEchoParts`), which tells the robot's own voice; `linear`, beside the filtered
   * audio, the same samples before the residual suppressor and their levels (`InputConditioner.drainFilteredLinear`).
   */
  hear(frame: Uint8Array, levels?: Uint8Array, echo?: EchoParts, linear?: { audio: Uint8Array; levels: Uint8Array }): void;
  stop(): void;
}

const { REPEAT_MS } = valuesOf(SPOTTER_TUNING.stopSpotter);
const { SHARE: OWN_VOICE_SHARE } = valuesOf(ECHO_TUNING.ownVoice);

/** Why 64: utterances of one session in flight at once are a handful; the set only has to outlive them. */
const MAX_STOPPED = 64;

export function createStopSpotter({ bus, sessionId, spotter, utterance, onOwnVoice }: StopSpotterOptions): StopSpotter {
  const talk = watchOverReply(bus, sessionId);
  const relaxed = () => talk.overReply(utterance());
  const stream = spotter.createStream({ relaxed });
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
  let closed = false;
  let heardSamples = 0;
  let lastStopMs = -Infinity;
  let ownVoice: OwnVoiceRecord | undefined;
  /** The search of the audio before the residual suppressor, while it comes; its times start where it began (ms). */
  let linearSearch: { stream: KeywordStream; fromMs: number } | undefined;
  const toSample = (ms: number) => Math.round((ms * spotter.sampleRateHz) / 1000);
  /** The linear search's phrase on the stream's timeline, if it found one. */
  const searchLinear = (linear: { audio: Uint8Array; levels: Uint8Array } | undefined, fromMs: number): Spotting | undefined => {
    if (!linear) {
      // The echo step stopped keeping it (switched off): a later search starts afresh.
      linearSearch?.stream.close();
      linearSearch = undefined;
      return undefined;
    }
    linearSearch ??= { stream: spotter.createStream({ relaxed }), fromMs };
    const [found] = linearSearch.stream.push(linear.audio, linear.levels);
    return found && { ...found, endMs: found.endMs + linearSearch.fromMs };
  };
  return {
    hear(frame, levels, echo, linear) {
      if (closed) return;
      if (echo) (ownVoice ??= createOwnVoiceRecord({ sampleRateHz: spotter.sampleRateHz })).push(echo, heardSamples);
      const fromMs = (heardSamples * 1000) / spotter.sampleRateHz;
      heardSamples += frame.byteLength / 2;
      const audioMs = (heardSamples * 1000) / spotter.sampleRateHz;
      const [spotted] = stream.push(frame, levels);
      const spottedLinear = searchLinear(linear, fromMs);
      const best = spotted ?? spottedLinear;
      if (!best) return;
      const turnId = utterance();
      if (stopped.has(turnId) || (turnId === '-' && audioMs - lastStopMs < REPEAT_MS)) return;
      const explainedShare = ownVoice?.explainedShare(toSample(best.endMs - best.durationMs), toSample(best.endMs)) ?? 0;
      if (explainedShare >= OWN_VOICE_SHARE) {
        onOwnVoice?.({ phrase: best.phrase, explainedShare });
        return;
      }
      // Remembered now, not when the bus delivers it back: the next frame may spot the phrase again.
      remember(turnId);
      lastStopMs = audioMs;
      bus.publish({ type: 'control.estop', sessionId, turnId, source: 'spotter', phrase: best.phrase });
    },
    stop() {
      if (closed) return;
      closed = true;
      subscription.unsubscribe();
      talk.stop();
      stream.close();
      linearSearch?.stream.close();
    },
  };
}
