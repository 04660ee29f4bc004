/**
 * Fake VAD for tests and benchmarks: classifies a frame as speech by RMS energy alone. Real VADs
 * (WebRTC, Silero) also look at spectrum; the session logic only needs a deterministic yes/no per frame.
 */
import { pcmBytesFor, rmsLevel } from '../../audio/pcm.js';
import { makeTestTone } from '../../audio/testing/test-signal.js';
import type { VadEngine } from '../types.js';

export interface FakeVadOptions {
  sampleRateHz?: number;
  frameMs?: number;
  /** RMS level (0..1) at or above which a frame counts as speech. */
  threshold?: number;
}

/**
 * @example
 * ```ts
 * const vad = createFakeVad();
 * vad.isSpeech(makeSpeechFrame(16000, 20));  // true
 * vad.isSpeech(makeSilenceFrame(16000, 20)); // false
 * ```
 */
export function createFakeVad(options: FakeVadOptions = {}): VadEngine {
  const {
    // Why 16 kHz: what ASR engines (and so the input path) run at.
    sampleRateHz = 16000,
    // Why 20 ms: one of WebRTC VAD's frame sizes and the usual RTP packetization.
    frameMs = 20,
    // Why 0.02 (≈ -34 dBFS): above a quiet room's noise floor (-50..-60 dBFS), well below
    // conversational speech at a headset mic (-15..-30 dBFS).
    threshold = 0.02,
  } = options;
  return {
    name: 'fake-vad',
    frameMs,
    sampleRateHz,
    isSpeech: (frame) => rmsLevel(frame) >= threshold,
    reset: () => {},
  };
}

/**
 * One frame of deterministic "speech": a voice-band tone with a little noise, RMS ≈ 0.18, far above
 * the fake VAD's threshold. Different seeds give different (but repeatable) frames.
 *
 * @example
 * ```ts
 * const frame = makeSpeechFrame(16000, 20, 3); // 640 bytes
 * ```
 */
export function makeSpeechFrame(sampleRateHz: number, frameMs: number, seed = 0): Uint8Array {
  return makeTestTone(sampleRateHz, frameMs, {
    freqHz: 150 + (Math.abs(seed) % 10) * 25,
    amplitude: 0.25,
    noise: 0.03,
    seed,
  });
}

/**
 * One frame of digital silence (all zero samples).
 *
 * @example
 * ```ts
 * makeSilenceFrame(16000, 20).byteLength; // 640
 * ```
 */
export function makeSilenceFrame(sampleRateHz: number, frameMs: number): Uint8Array {
  return new Uint8Array(pcmBytesFor(frameMs, sampleRateHz));
}
