/**
 * WebRTC's audio processing (Debian `libwebrtc-audio-processing1`, BSD-3-Clause: the library PulseAudio's
 * module-echo-cancel uses) as an {@link EchoCanceller}: its echo canceller — the full-band AEC, with its
 * delay-agnostic estimator and extended filter — and its non-linear processor, with
 * optional noise suppression and high-pass. It is loaded through the small native binding in
 * `native/webrtc-apm/` (node-addon-api), built at install by `node native/webrtc-apm/install.mjs`.
 *
 * The library works on 10 ms frames: a block of 20 ms is two calls of the speaker's frame
 * (`ProcessReverseStream`) then the microphone's (`ProcessStream`), so each microphone frame is processed
 * after the far-end audio that can have caused its echo.
 *
 * @example
 * ```ts
 * const canceller = createWebRtcEchoCanceller({ sampleRateHz: 16_000, blockSamples: 320 });
 * canceller.cancel(mic, reference, out); // three Int16Arrays of 320 samples
 * canceller.close();
 * ```
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { EchoCancellerError, type EchoCanceller } from './canceller.js';

/**
 * Which of the library's echo controls runs: the full-band AEC, or none (noise suppression and high-pass
 * only). The binding also drives the mobile AECM (`aecm`), not offered here: it removed 0.1 dB of a plain
 * delayed echo at any reported delay in this build (docs/echo.md).
 */
export type WebRtcAecMode = 'aec' | 'off';
export type WebRtcSuppressionLevel = 'low' | 'moderate' | 'high';
export type WebRtcNoiseSuppression = 'off' | 'low' | 'moderate' | 'high' | 'veryhigh';

export interface WebRtcEchoCancellerOptions {
  /** 8, 16, 32 or 48 kHz. */
  sampleRateHz: number;
  /** Samples per `cancel` call: a whole number of 10 ms frames. */
  blockSamples: number;
  /** Default `aec`. */
  aec?: WebRtcAecMode;
  /**
   * The AEC estimates the delay between the reference and its echo itself (default true); off, it trusts
   * `streamDelayMs`.
   */
  delayAgnostic?: boolean;
  /** The AEC's longer filter (128 ms of the path instead of 48 at 16 kHz; default true). */
  extendedFilter?: boolean;
  /** The non-linear processor's aggressiveness (default `high`, as module-echo-cancel's default build). */
  suppressionLevel?: WebRtcSuppressionLevel;
  noiseSuppression?: WebRtcNoiseSuppression;
  highPass?: boolean;
  /**
   * How long after the reference passed to `cancel` its echo reaches the microphone, ms (default 0: the reference is
   * aligned).
   */
  streamDelayMs?: number;
}

/** The AEC's own view (dB; -100 before it computed one) and its delay estimate (ms). */
export interface WebRtcEchoMetrics {
  erleDb?: number;
  erlDb?: number;
  aNlpDb?: number;
  delayMedianMs?: number;
  delayStdMs?: number;
  fractionPoorDelays?: number;
}

export interface WebRtcEchoCanceller extends EchoCanceller {
  /** Whether the last 10 ms frame might hold echo (the AEC's own verdict; always false with AECM or none). */
  readonly hasEcho: boolean;
  metrics(): WebRtcEchoMetrics;
}

interface NativeApm {
  processReverse(frame: Int16Array): void;
  processCapture(frame: Int16Array, out: Int16Array, delayMs: number): boolean;
  metrics(): WebRtcEchoMetrics;
  reset(): void;
  close(): void;
}
type NativeApmClass = new (options: Record<string, unknown>) => NativeApm;

const BUILD_HINT =
  'apt-get install -y libwebrtc-audio-processing-dev g++ make python3, then `npm run build:webrtc-apm` (or ' +
  'bin/setup.sh); or set audio.echoCanceller to "builtin"';

/** The binding, from the sources (adapters/echo/) or the build (dist/adapters/echo/). */
const BINDING_PATHS = [
  '../../native/webrtc-apm/build/Release/webrtc_apm.node',
  '../../../native/webrtc-apm/build/Release/webrtc_apm.node',
].map((p) => fileURLToPath(new URL(p, import.meta.url)));

let native: NativeApmClass | undefined;

/**
 * Loads the native binding (once per process). Throws {@link EchoCancellerError} naming the build command
 * when it is missing, so a server fails at start, not in a session.
 */
export function loadWebRtcApm(): void {
  nativeApm();
}

function nativeApm(): NativeApmClass {
  if (native) return native;
  const path = BINDING_PATHS.find((p) => existsSync(p));
  if (!path)
    throw new EchoCancellerError(
      `WebRTC audio processing binding not built (looked for ${BINDING_PATHS[0]}): ${BUILD_HINT}`,
    );
  try {
    native = (createRequire(import.meta.url)(path) as { WebRtcApm: NativeApmClass }).WebRtcApm;
  } catch (cause) {
    throw new EchoCancellerError(
      `WebRTC audio processing binding failed to load (${(cause as Error).message}): ${BUILD_HINT}`,
      { cause },
    );
  }
  return native;
}

export function createWebRtcEchoCanceller(options: WebRtcEchoCancellerOptions): WebRtcEchoCanceller {
  const { sampleRateHz, blockSamples } = options;
  if (![8000, 16000, 32000, 48000].includes(sampleRateHz)) {
    throw new EchoCancellerError(
      `WebRTC audio processing runs at 8, 16, 32 or 48 kHz, not ${sampleRateHz}: set audio.inputRateHz to one of ` +
        `them`,
    );
  }
  const frame = sampleRateHz / 100;
  if (!Number.isInteger(frame) || !Number.isInteger(blockSamples / frame) || blockSamples < frame) {
    throw new EchoCancellerError(
      `WebRTC audio processing takes whole 10 ms frames (${frame} samples at ${sampleRateHz} Hz), not blocks of ` +
        `${blockSamples}`,
    );
  }
  const Apm = nativeApm();
  let apm: NativeApm;
  try {
    apm = new Apm({
      sampleRateHz,
      aec: options.aec ?? 'aec',
      delayAgnostic: options.delayAgnostic ?? true,
      extendedFilter: options.extendedFilter ?? true,
      suppressionLevel: options.suppressionLevel ?? 'high',
      noiseSuppression: options.noiseSuppression ?? 'off',
      highPass: options.highPass ?? false,
    });
  } catch (cause) {
    throw new EchoCancellerError(
      `${(cause as Error).message}: check audio.inputRateHz and the WebRTC canceller's settings`,
      { cause },
    );
  }
  const delayMs = options.streamDelayMs ?? 0;
  let hasEcho = false;
  let closed = false;
  return {
    sampleRateHz,
    blockSamples,
    lateOffsetSamples: undefined,
    get hasEcho() {
      return hasEcho;
    },
    cancel(mic, reference, out) {
      if (closed) throw new EchoCancellerError('echo canceller used after close()');
      if (mic.length !== blockSamples || reference.length !== blockSamples || out.length !== blockSamples) {
        throw new EchoCancellerError(
          `echo canceller takes blocks of ${blockSamples} samples, got ` +
            `${mic.length}/${reference.length}/${out.length}`,
        );
      }
      hasEcho = false;
      for (let at = 0; at < blockSamples; at += frame) {
        apm.processReverse(reference.subarray(at, at + frame));
        hasEcho = apm.processCapture(mic.subarray(at, at + frame), out.subarray(at, at + frame), delayMs) || hasEcho;
      }
    },
    metrics: () => (closed ? {} : apm.metrics()),
    reset() {
      if (!closed) apm.reset();
    },
    close() {
      if (closed) return;
      closed = true;
      apm.close();
    },
  };
}
