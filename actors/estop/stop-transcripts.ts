/**
 * The stop phrases heard by a local grammar recognizer (`session.estop.localRecognizer`) when the
 * session's own recognizer reports no partials: a Whisper-class server answers only after the utterance has
 * ended, been uploaded and transcribed (a stop 0.7–1 s late), and the microphone's spotter alone misses
 * stop phrases a grammar decoder hears (a third of the e-stop bench's synthetic ones). This runs the
 * engine pool's grammar decoder on every utterance the VAD passes, as the STT actor runs the session's
 * recognizer, and hands its partials and finals to the emergency-stop actor's gate; nothing of it reaches
 * the chart or the bus as a transcript.
 *
 * At each pause of a short utterance the audio so far is also decoded afresh to its end, as a final. A
 * partial is the best path so far whether or not it is a whole sentence, and can stay on a sentence's
 * first word ("hello" of "hello robot") over a spoken "halt" until the utterance's final, the VAD's
 * hangover later; the final of the same audio at the pause is "halt".
 *
 * Beside a recognizer with partials of its own (the grammar stack, `pausesOnly`) it makes only the decode
 * at each pause: that recognizer's partials and final are the session's.
 *
 * Nothing of an utterance is handed on before it has shown a voice (`ESTOP_TUNING.voice.MIN_VOICED_MS` of windows
 * at a speaking pitch): every stop phrase has a vowel, and a grammar decoder forces a room's noise into
 * "stop" as readily as speech (a real recording of one was, at 0.11).
 *
 * @example
 * ```ts
 * const local = listenForStops({ bus, sessionId: 'robot-1', stt: grammarStt, heard: (t) => gate.heard(t) });
 * // … every vad.audio of an utterance is decoded; `heard` gets { turnId, text, confidence, final, … }
 * local.stop();
 * ```
 */
import { copyToSamples } from '../../adapters/audio/pcm.js';
import { trackVoicing, type VoicingTracker } from '../../adapters/spotter/index.js';
import { ESTOP_TUNING, valuesOf } from './tuning.js';
import type { SttEngine, SttStream } from '../../adapters/stt/types.js';
import { decodeInSlices } from './sliced-decode.js';
import type { MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import type { HeardTranscript } from './stop-gate.js';

const { MIN_VOICED_MS } = valuesOf(ESTOP_TUNING.voice);

/**
 * One transcript of the local recognizer, as the stop gate reads it; `voicedMs` only on a pause final (the
 * audio so far less the prefix padding and the pause: an utterance's final has the VAD's).
 */
export type LocalTranscript = Omit<HeardTranscript, 'overReply'>;

export interface ListenForStopsOptions {
  bus: MessageBus;
  sessionId: string;
  /** The local grammar recognizer (the engine pool's `stopStt`). */
  stt: SttEngine;
  /**
   * Audio the VAD passes before the detection window (`vad.prefixPaddingMs`): not voice, left out of a pause final's
   * `voicedMs`.
   */
  prefixPaddingMs: number;
  /** Every partial and final it makes of an utterance, in order. */
  heard(transcript: LocalTranscript): void;
  /**
   * Beside a recognizer with partials of its own (the grammar stack): only the decode at each pause, no
   * stream of the whole utterance (its partials and final are the session recognizer's).
   */
  pausesOnly?: boolean;
}

/** Why 16: utterances of one session in flight at once are one or two; more are leftovers of a dropped bus message. */
const MAX_OPEN = 16;
/**
 * Why 4 s: twice the slowest stop phrase the benches hold (a slow "emergency stop", 1.5 s) with a word
 * before it; a longer utterance is a sentence, whose partials and final the gate reads as they come.
 */
const MAX_PAUSE_DECODE_MS = 4_000;

interface Utterance {
  controller: AbortController;
  stream: SttStream | undefined;
  sampleRateHz: number;
  /** The audio so far, kept for a pause's decode while the utterance is short enough for one. */
  audio: Uint8Array[];
  audioMs: number;
  /** Whether the utterance has shown a voice yet. */
  voicing: VoicingTracker;
  /** A pause's decode is running; `nextPause`, a later pause's, waits for it (one at a time per utterance). */
  decoding: boolean;
  nextPause: PauseSnapshot | undefined;
}

/** The utterance as it was at a pause: its audio then, and the pause's silence. */
interface PauseSnapshot {
  chunks: number;
  audioMs: number;
  silentMs: number;
}

/**
 * Decodes each utterance of the session as the VAD passes it. An utterance the recognizer fails on is
 * dropped from this path only: the stop is left to the spotter and the session's own transcripts.
 */
export function listenForStops({
  bus,
  sessionId,
  stt,
  heard,
  prefixPaddingMs,
  pausesOnly = false,
}: ListenForStopsOptions): { stop(): void } {
  const open = new Map<string, Utterance>();
  let stopped = false;
  const drop = (turnId: string) => {
    open.get(turnId)?.controller.abort();
    open.delete(turnId);
  };
  const start = (turnId: string, sampleRateHz: number) => {
    const [oldest] = open.keys();
    if (oldest !== undefined && open.size >= MAX_OPEN) drop(oldest);
    const controller = new AbortController();
    const u: Utterance = {
      controller,
      stream: undefined,
      sampleRateHz,
      audio: [],
      audioMs: 0,
      voicing: trackVoicing(sampleRateHz, MIN_VOICED_MS),
      decoding: false,
      nextPause: undefined,
    };
    open.set(turnId, u);
    if (pausesOnly) return u;
    try {
      u.stream = stt.createStream({
        sampleRateHz,
        channel: `${sessionId}:estop`,
        signal: controller.signal,
        onPartial: (text, confidence, detail) => {
          if (!stopped && !controller.signal.aborted && u.voicing.voiced)
            heard({ turnId, text, confidence, final: false, speechAfterMs: detail?.speechAfterMs });
        },
      });
    } catch {
      // Kept, aborted: the rest of the utterance's audio is not tried again frame by frame.
      controller.abort();
    }
    return u;
  };
  /**
   * The utterance's audio up to a pause decoded afresh to its end, on a stream of its own, as a final: in
   * slices (sliced-decode.ts), one pause at a time; a pause that comes meanwhile is decoded after it.
   */
  const decodeAtPause = (turnId: string, u: Utterance, at: PauseSnapshot) => {
    if (u.decoding) {
      u.nextPause = at;
      return;
    }
    // Past 4 s the audio is no longer kept: a longer utterance is a sentence, read as it comes.
    if (u.audio.length < at.chunks) return;
    let again: SttStream;
    try {
      // Shed when every decoder is busy (many sessions speaking at once): making one would hold every
      // session's loop; the stop is still heard by the spotter and by the utterance's partials and final.
      again = stt.createStream({
        sampleRateHz: u.sampleRateHz,
        channel: `${sessionId}:estop-pause`,
        signal: u.controller.signal,
        onPartial: () => undefined,
        ifIdle: true,
      });
    } catch {
      // No decoder for it: the partials and the utterance's final still come.
      return;
    }
    u.decoding = true;
    const voicedMs = Math.max(0, at.audioMs - prefixPaddingMs - at.silentMs);
    decodeInSlices(again, u.audio.slice(0, at.chunks), u.sampleRateHz, u.controller.signal)
      .then(
        ({ text, confidence, speechAfterMs, lastWordSpeechShare }) => {
          if (!stopped && !u.controller.signal.aborted)
            heard({ turnId, text: text.trim(), confidence, final: true, speechAfterMs, lastWordSpeechShare, voicedMs });
        },
        () => undefined,
      )
      .finally(() => {
        u.decoding = false;
        const next = u.nextPause;
        u.nextPause = undefined;
        if (next && !stopped && !u.controller.signal.aborted) decodeAtPause(turnId, u, next);
      });
  };
  /**
   * `use` on the utterance's stream; a stream that throws (audio its decoder refuses) drops the utterance
   * from this path, as a failed final does, rather than throwing into the bus's subscriber: the spotter and
   * the session's transcripts still hear it. Whether the utterance is still live.
   */
  const tryStream = (u: Utterance, use: (stream: SttStream) => void): boolean => {
    if (!u.stream) return true;
    try {
      use(u.stream);
      return true;
    } catch {
      u.controller.abort();
      return false;
    }
  };
  const onMessage = (message: BusMessage) => {
    if (stopped) return;
    if (message.type === 'vad.audio') {
      const u = open.get(message.turnId) ?? start(message.turnId, message.sampleRateHz);
      if (u.controller.signal.aborted) return;
      // Before the decoder, so a partial this frame brings is judged with the frame's voice.
      if (!u.voicing.voiced) u.voicing.push(copyToSamples(message.audio));
      if (!tryStream(u, (stream) => stream.push(message.audio))) return;
      u.audioMs += (message.audio.byteLength / 2 / message.sampleRateHz) * 1000;
      // The bus hands every subscriber its own copy of the audio: kept as it came.
      if (u.audioMs <= MAX_PAUSE_DECODE_MS) u.audio.push(message.audio);
      else if (u.audio.length > 0) u.audio = [];
    } else if (message.type === 'vad.pause') {
      // The user paused: the hypothesis now, not at the decoder's next report (a stop is held on two).
      const u = open.get(message.turnId);
      if (!u || u.controller.signal.aborted) return;
      if (!tryStream(u, (stream) => stream.flushPartial?.())) return;
      if (u.audioMs <= MAX_PAUSE_DECODE_MS && u.voicing.voiced)
        decodeAtPause(message.turnId, u, { chunks: u.audio.length, audioMs: u.audioMs, silentMs: message.silentMs });
    } else if (message.type === 'vad.speech_end') {
      const { turnId } = message;
      const u = open.get(turnId);
      open.delete(turnId);
      if (!u?.stream || u.controller.signal.aborted) return;
      u.stream.finish().then(
        ({ text, confidence, speechAfterMs, lastWordSpeechShare }) => {
          if (!stopped && u.voicing.voiced)
            heard({ turnId, text: text.trim(), confidence, final: true, speechAfterMs, lastWordSpeechShare });
        },
        // A failed final: this path has nothing more of the utterance (already out of `open`).
        () => undefined,
      );
    }
  };
  // One subscription for the VAD's events keeps an utterance's audio and its end in publish order.
  const subscription = bus.subscribe(bus.subjects.forStage(sessionId, 'vad'), onMessage);
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      subscription.unsubscribe();
      for (const u of open.values()) u.controller.abort();
      open.clear();
    },
  };
}
