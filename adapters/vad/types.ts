/** A frame classifier: the VAD actor turns its per-frame decisions into speech start/end events. */
export interface VadEngine {
  readonly name: string;
  /** Frame length the engine needs (WebRTC VAD: 10, 20 or 30 ms). */
  readonly frameMs: number;
  readonly sampleRateHz: number;
  /** True when the s16le frame holds speech. Must be fast: it runs for every input frame. */
  isSpeech(frame: Uint8Array): boolean;
  reset(): void;
  /** Optional: sensitivity 0–1 (a client's `turn_detection.threshold`); higher needs clearer speech. */
  setThreshold?(threshold: number): void;
  /** Optional: frees the detector (engines with native or WASM state). */
  close?(): void;
}
