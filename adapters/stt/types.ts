/** Streaming speech-to-text: one stream per user utterance. */
export interface SttStreamOptions {
  sampleRateHz: number;
  language?: string;
  /**
   * The audio's source, e.g. the session (one microphone, one speaker). An engine that adapts to the
   * speaker and channel as it hears them (pocketsphinx's live cepstral mean) keeps that per channel, so one
   * user's utterances never tune the recognizer for another's; absent: the engine's shared state.
   */
  channel?: string;
  /**
   * Called with the best hypothesis so far, when the engine has one, and how sure the engine is of it so
   * far (0..1, as {@link SttResult.confidence}; absent: unknown). A partial's confidence is judged on the
   * audio heard until then: the emergency stop gates on it (actors/estop/estop-actor.ts).
   */
  onPartial(text: string, confidence?: number, detail?: TranscriptDetail): void;
  signal: AbortSignal;
  /**
   * Work that may be shed: an engine that would have to build a new decoder for this stream (a pooled
   * local decoder, all busy) throws {@link SttBusyError} instead, at once. Absent: the stream always starts.
   */
  ifIdle?: boolean;
}

/** A stream asked for `ifIdle` found every decoder busy: nothing was started, nothing failed. */
export class SttBusyError extends Error {
  override name = 'SttBusyError';
}

/** What an engine can tell about a transcript beyond its words (each field absent: unknown). */
export interface TranscriptDetail {
  /**
   * Speech heard after the transcript's last word that the transcript leaves out, ms. A grammar decoder
   * ends a sentence early and calls the rest of an utterance outside its grammar silence; a stop phrase
   * with much speech after it was not said (the emergency stop refuses it, `actors/estop/stop-gate.ts`).
   */
  speechAfterMs?: number;
  /**
   * The share (0..1) of the transcript's last word that lies over speech, on a final. A grammar decoder lays the end
   * of a sentence over silence when only its first words were said ("emergency" → "emergency stop"); the
   * emergency stop refuses a stop phrase whose last word is mostly silence.
   */
  lastWordSpeechShare?: number;
}

/** An utterance's final transcript, with what the engine knows about it. */
export interface SttResult extends TranscriptDetail {
  /** The transcript; empty for noise. */
  text: string;
  /**
   * How sure the engine is that `text` is what was said, 0..1, when it can tell (pocketsphinx with a
   * grammar: the grammar's fit against a free phone loop, see `grammar-confidence.ts`). Absent: unknown,
   * and the session never rejects the transcript for it.
   */
  confidence?: number;
  /** The spoken language as a BCP-47-ish tag (`en`, `zh`), when the engine detected it. */
  language?: string;
}

export interface SttStream {
  /** Speech audio (s16le mono), in order, as the VAD passes it. */
  push(audio: Uint8Array): void;
  /**
   * Optional: report the best hypothesis now (through `onPartial`, if it changed), not at the engine's next
   * partial interval — the user paused, and the adaptive end of turn asks whether the command is complete.
   */
  flushPartial?(): void;
  /** Speech ended: resolves with the final transcript (may be empty for noise). */
  finish(): Promise<SttResult>;
}

export interface SttEngine {
  readonly name: string;
  createStream(options: SttStreamOptions): SttStream;
  /** Optional: load models / open connections before the first turn. */
  warmUp?(): Promise<void>;
  /**
   * Optional, for an engine that pools local decoders: have `streams` of them ready, made now rather than
   * when the streams open (a pocketsphinx set holds the event loop ~0.5 s as it is made).
   */
  prepare?(streams: number): Promise<void>;
}
