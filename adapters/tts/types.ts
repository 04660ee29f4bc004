/** Streaming text-to-speech: yields s16le mono chunks at `sampleRateHz` as they are made. */
export interface TtsRequest {
  text: string;
  voice?: string;
  /** BCP-47-ish language hint (`en`, `zh`); engines pick a matching voice when `voice` is unset. */
  language?: string;
  /** Aborted on barge-in or failover: the engine must stop synthesizing. */
  signal: AbortSignal;
  /**
   * Engines that know their phonemes (eSpeak) report each one with its start in ms from the start of this
   * request's audio, before or with the chunk that holds it (lip sync).
   */
  onPhoneme?(phoneme: { atMs: number; name: string }): void;
}

export interface TtsEngine {
  readonly name: string;
  readonly sampleRateHz: number;
  /**
   * A yielded chunk is the pipeline's from then on: the engine never writes to it again (it is handed
   * to playback without a copy). A cache may yield the same bytes again later, since nobody writes into
   * audio it received.
   */
  synthesize(request: TtsRequest): AsyncIterable<Uint8Array>;
  /** Optional: load voices / open connections before the first turn. */
  warmUp?(): Promise<void>;
  /** Optional: true when this exact text is answered from memory (a pre-synthesized phrase). */
  has?(text: string): boolean;
}
