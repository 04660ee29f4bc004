/**
 * WebRTC VAD (libfvad compiled to WASM, `@echogarden/fvad-wasm`, BSD-3-Clause): the default VAD.
 * Classifies 10/20/30 ms frames at 8/16/32/48 kHz in microseconds; `mode` 0-3 trades missed speech for
 * fewer false detections.
 *
 * @example
 * ```ts
 * const vad = await createFvadVad({ sampleRateHz: 16000, frameMs: 20, mode: 2 });
 * vad.isSpeech(frame); // true / false
 * ```
 */
import type { VadEngine } from './types.js';

export interface FvadOptions {
  sampleRateHz?: 8000 | 16000 | 32000 | 48000;
  frameMs?: 10 | 20 | 30;
  /** Why 2 by default: rejects most steady noise without clipping soft speech onsets. */
  mode?: 0 | 1 | 2 | 3;
}

interface FvadModule {
  _fvad_new(): number;
  _fvad_free(handle: number): void;
  _fvad_reset(handle: number): void;
  _fvad_set_mode(handle: number, mode: number): number;
  _fvad_set_sample_rate(handle: number, rate: number): number;
  _fvad_process(handle: number, samples: number, length: number): number;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  HEAPU8: Uint8Array;
}

let modulePromise: Promise<FvadModule> | undefined;

export async function createFvadVad(
  options: FvadOptions = {},
): Promise<VadEngine & { close(): void; setThreshold(threshold: number): void }> {
  const sampleRateHz = options.sampleRateHz ?? 16000;
  const frameMs = options.frameMs ?? 20;
  const mode = options.mode ?? 2;
  if (![8000, 16000, 32000, 48000].includes(sampleRateHz))
    throw new Error(`WebRTC VAD runs at 8000, 16000, 32000 or 48000 Hz, not ${sampleRateHz}: resample the input`);
  if (![10, 20, 30].includes(frameMs))
    throw new Error(`WebRTC VAD takes 10, 20 or 30 ms frames, not ${frameMs}: set pipeline.frameMs`);
  if (![0, 1, 2, 3].includes(mode)) throw new Error(`WebRTC VAD mode is 0-3, not ${mode}`);
  // One WASM instance per process; each engine gets its own detector state inside it.
  modulePromise ??= import('@echogarden/fvad-wasm').then((m) => (m.default as () => Promise<FvadModule>)());
  const wasm = await modulePromise;
  const handle = wasm._fvad_new();
  if (handle === 0) throw new Error('WebRTC VAD could not allocate a detector');
  if (wasm._fvad_set_mode(handle, mode) !== 0 || wasm._fvad_set_sample_rate(handle, sampleRateHz) !== 0)
    throw new Error('WebRTC VAD rejected its settings');
  const samples = (sampleRateHz * frameMs) / 1000;
  const buffer = wasm._malloc(samples * 2);
  return {
    name: `webrtc-vad(mode ${mode})`,
    frameMs,
    sampleRateHz,
    isSpeech(frame) {
      if (frame.byteLength !== samples * 2)
        throw new Error(`WebRTC VAD needs ${samples * 2}-byte frames, got ${frame.byteLength}`);
      // The WASM heap may grow (and move) between calls: take the view each time.
      wasm.HEAPU8.set(frame, buffer);
      return wasm._fvad_process(handle, buffer, samples) === 1;
    },
    reset: () => wasm._fvad_reset(handle),
    // WebRTC VAD has four aggressiveness modes; 0.5 (the Realtime API's default) maps to mode 2, ours.
    setThreshold: (threshold) => void wasm._fvad_set_mode(handle, Math.min(3, Math.floor(threshold * 4))),
    close() {
      wasm._free(buffer);
      wasm._fvad_free(handle);
    },
  };
}
