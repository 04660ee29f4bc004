/**
 * The microphone's conditioning chain, run at the input edge before the VAD (so the VAD and the
 * recognizer hear the same conditioned audio):
 *
 *   echo canceller → high-pass → RNNoise → AGC
 *
 * Echo cancellation comes first because it needs the microphone exactly as the room made it (its filter
 * models the path from the speaker, which every later, non-linear step would change); the high-pass
 * removes the rumble before RNNoise and the AGC look at levels; the AGC comes last so it measures the
 * speech that is left, not the noise that was removed. Each step is optional.
 *
 * The canceller works on blocks of `echo.blockMs` placed on the session clock by a capture clock (see
 * `capture-clock.ts`), against what the session's sink played during the same samples (see
 * `echo-reference.ts`). Its native state is allocated at the first microphone audio, so sessions that
 * never send any (text-only clients) cost nothing, and freed by `close()`.
 *
 * @example
 * ```ts
 * const { sink, reference } = await tapEchoReference(deviceSink, { clock, sampleRateHz: 16_000 });
 * const conditioner = await createInputConditioner({ sampleRateHz: 16_000, echo: { reference, tailMs: 250 }, highPassHz: 100, agc: true });
 * const clean = conditioner.process(micFrame, clock.now()); // s16le in, s16le out (what is ready)
 * conditioner.close();
 * ```
 */
import { allocBytes } from '../../bus/byte-copy.js';
import { createAgc, type Agc, type AgcOptions } from './agc.js';
import { createCaptureClock, type CaptureClock } from './capture-clock.js';
import { createEchoCanceller, type EchoCanceller } from './echo-canceller.js';
import type { EchoReference } from './echo-reference.js';
import { createEchoSuppressor, type EchoSuppressor } from './echo-suppressor.js';
import { createHighPassFilter, type HighPassFilter } from './high-pass.js';
import { createSampleJoiner } from './pcm.js';
import { createRnnoiseDenoiser, type RnnoiseDenoiser } from './rnnoise.js';

export interface EchoCancelOptions {
  /** What the session's sink played, on the session clock, at `sampleRateHz`. */
  reference: EchoReference;
  /** Echo path the filter models: device output + input latency, acoustic delay, reverberation. */
  tailMs: number;
  /** speexdsp's residual echo suppressor after the linear filter. */
  residualSuppression?: boolean;
  /** The echo suppressor after that (see `echo-suppressor.ts`): no echo through while the filter learns the room. */
  suppression?: boolean;
  /** Why 20 ms: the pipeline's frame, so a 20 ms microphone frame passes without waiting; shorter blocks cost more CPU. */
  blockMs?: number;
  /** Library name or path of libspeexdsp, for unusual installs. */
  library?: string;
}

export interface InputConditionerOptions {
  /** Rate of the audio given to `process` (the VAD's). */
  sampleRateHz: number;
  echo?: EchoCancelOptions;
  /** High-pass cutoff in Hz; 0 or absent: off. */
  highPassHz?: number;
  /** RNNoise before the VAD. */
  noiseSuppression?: boolean;
  /** Automatic gain control: `true` for the defaults, or its settings. */
  agc?: boolean | Omit<AgcOptions, 'sampleRateHz'>;
}

export interface InputConditioner {
  /** The steps that run, in order (`echo`, `high-pass`, `rnnoise`, `agc`). */
  readonly steps: readonly string[];
  /**
   * Conditions microphone audio (s16le at `sampleRateHz`, any length) that arrived at `atMs` on the
   * session clock; returns the conditioned audio that is ready (in order; lengths may differ per call).
   */
  process(audio: Uint8Array, atMs: number): Uint8Array;
  /** Frees native and WASM state; afterwards `process` passes audio through unchanged. */
  close(): void;
}

export async function createInputConditioner(options: InputConditionerOptions): Promise<InputConditioner> {
  const { sampleRateHz, echo } = options;
  const highPass: HighPassFilter | undefined = options.highPassHz ? createHighPassFilter({ sampleRateHz, cutoffHz: options.highPassHz }) : undefined;
  const denoiser: RnnoiseDenoiser | undefined = options.noiseSuppression ? await createRnnoiseDenoiser({ sampleRateHz }) : undefined;
  const agc: Agc | undefined = options.agc ? createAgc({ sampleRateHz, ...(options.agc === true ? {} : options.agc) }) : undefined;
  const steps = [...(echo ? ['echo'] : []), ...(highPass ? ['high-pass'] : []), ...(denoiser ? ['rnnoise'] : []), ...(agc ? ['agc'] : [])];
  const blockSamples = Math.round(((echo?.blockMs ?? 20) * sampleRateHz) / 1000);
  let canceller: EchoCanceller | undefined;
  let suppressor: EchoSuppressor | undefined;
  let capture: CaptureClock | undefined;
  const micBlock = new Int16Array(blockSamples);
  const referenceBlock = new Int16Array(blockSamples);
  let micFill = 0;
  const joiner = createSampleJoiner();
  let closed = false;
  /** Working buffer for the float steps (grown when a longer chunk comes). */
  let work = new Float32Array(blockSamples);
  const toFloat = (samples: Int16Array): Float32Array => {
    if (work.length < samples.length) work = new Float32Array(samples.length);
    const out = work.subarray(0, samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i]!;
    return out;
  };

  /** Echo-cancelled audio for whole blocks; a partial block waits for the next call. */
  const cancelEcho = (samples: Int16Array, atMs: number): Int16Array => {
    if (!echo) return samples;
    canceller ??= createEchoCanceller({ sampleRateHz, blockSamples, tailMs: echo.tailMs, residualSuppression: echo.residualSuppression ?? false, ...(echo.library ? { library: echo.library } : {}) });
    capture ??= createCaptureClock({ sampleRateHz });
    if (echo.suppression) suppressor ??= createEchoSuppressor({ sampleRateHz, blockSamples, tailMs: echo.tailMs });
    // Timeline index of the first sample waiting in the block, after the capture clock placed this audio.
    let blockStart = capture.place(samples.length, atMs) - micFill;
    const outSamples = Math.floor((micFill + samples.length) / blockSamples) * blockSamples;
    const outBytes = allocBytes(outSamples * 2);
    const out = new Int16Array(outBytes.buffer, outBytes.byteOffset, outSamples);
    let produced = 0;
    for (let at = 0; at < samples.length; ) {
      const n = Math.min(blockSamples - micFill, samples.length - at);
      micBlock.set(samples.subarray(at, at + n), micFill);
      micFill += n;
      at += n;
      if (micFill < blockSamples) break;
      echo.reference.read(blockStart, referenceBlock);
      const block = out.subarray(produced, produced + blockSamples);
      canceller.cancel(micBlock, referenceBlock, block);
      suppressor?.process(micBlock, referenceBlock, block);
      if (suppressor?.diverged()) canceller.reset();
      produced += blockSamples;
      blockStart += blockSamples;
      micFill = 0;
    }
    return out;
  };

  return {
    steps,
    process(audio, atMs) {
      if (closed || steps.length === 0) return audio;
      const bytes = joiner.push(audio);
      // Read in place when aligned (the usual case); only the steps below write, and into their own buffers.
      const samplesIn = bytes.byteLength >> 1;
      let input: Int16Array;
      if ((bytes.byteOffset & 1) === 0) input = new Int16Array(bytes.buffer, bytes.byteOffset, samplesIn);
      else {
        input = new Int16Array(samplesIn);
        new Uint8Array(input.buffer).set(bytes.subarray(0, samplesIn * 2));
      }
      const cancelled = cancelEcho(input, atMs);
      if (!highPass && !denoiser && !agc) return new Uint8Array(cancelled.buffer, cancelled.byteOffset, cancelled.byteLength);
      let samples = toFloat(cancelled);
      highPass?.process(samples);
      if (denoiser) samples = denoiser.process(samples);
      agc?.process(samples);
      // The conditioned frame in slab memory (see bus/byte-copy.ts): one per 20 ms per microphone, and an
      // ArrayBuffer each takes ~0.75 µs to make (measured here), half the high-pass, before the collector's share.
      const outBytes = allocBytes(samples.length * 2);
      const out = new Int16Array(outBytes.buffer, outBytes.byteOffset, samples.length);
      for (let i = 0; i < samples.length; i++) {
        const x = Math.round(samples[i]!);
        out[i] = x > 32767 ? 32767 : x < -32768 ? -32768 : x;
      }
      return outBytes;
    },
    close() {
      if (closed) return;
      closed = true;
      canceller?.close();
      denoiser?.close();
      echo?.reference.close();
    },
  };
}
