/**
 * RNNoise noise suppression (Xiph's recurrent network, compiled to WASM: `@echogarden/rnnoise-wasm`,
 * BSD-3-Clause). The network runs on 10 ms frames of 48 kHz audio, so the microphone is resampled up
 * and back down around it with the Speex resampler; the output lags the input by RNNoise's frame plus
 * the resamplers' filter delay (≈ 10–15 ms in all) and comes out in whatever lengths are ready.
 *
 * The WASM module loads once per process; each denoiser holds its own network state.
 *
 * @example
 * ```ts
 * const denoiser = await createRnnoiseDenoiser({ sampleRateHz: 16_000 });
 * const clean = denoiser.process(samples); // Float32Array in 16-bit scale; any length in, what is ready out
 * denoiser.close();
 * ```
 */
import { copyToSamples } from './pcm.js';
import { createResampler, type Resampler } from './resample.js';

/** RNNoise's fixed rate and frame (480 samples = 10 ms). */
const RNNOISE_RATE_HZ = 48_000;
const RNNOISE_FRAME = 480;

interface RnnoiseModule {
  _rnnoise_create(model: number): number;
  _rnnoise_destroy(state: number): void;
  _rnnoise_process_frame(state: number, out: number, input: number): number;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  HEAPF32: Float32Array;
}

// A variable specifier: the package ships no typings.
const PACKAGE = '@echogarden/rnnoise-wasm';
let modulePromise: Promise<RnnoiseModule> | undefined;

/** The RNNoise package is missing or failed to load. */
export class RnnoiseError extends Error {
  override name = 'RnnoiseError';
}

/** The WASM module, loaded once per process; a failed load is retried on the next call. */
function rnnoiseModule(): Promise<RnnoiseModule> {
  modulePromise ??= (import(PACKAGE) as Promise<{ default: () => Promise<RnnoiseModule> }>).then(
    (m) => m.default(),
    (cause: unknown) => {
      throw new RnnoiseError(
        `RNNoise (${PACKAGE}) could not be loaded (${(cause as Error).message}): run npm install, or set ` +
          `audio.noiseSuppression to false`,
        { cause },
      );
    },
  );
  modulePromise.catch(() => (modulePromise = undefined));
  return modulePromise;
}

export interface RnnoiseOptions {
  /** The microphone rate (resampled to 48 kHz and back). */
  sampleRateHz: number;
}

export interface RnnoiseDenoiser {
  /** Denoises `samples` (16-bit scale); returns the denoised audio that is ready, in order. */
  process(samples: Float32Array): Float32Array;
  /** Voice probability RNNoise gave the last frame (0..1). */
  lastVoiceProbability(): number;
  /** Starts afresh, as a new denoiser would: the network's state and the audio waiting inside are dropped. */
  reset(): void;
  close(): void;
}

export async function createRnnoiseDenoiser({ sampleRateHz }: RnnoiseOptions): Promise<RnnoiseDenoiser> {
  const wasm = await rnnoiseModule();
  const [up, down] = await Promise.all([
    createResampler({ fromHz: sampleRateHz, toHz: RNNOISE_RATE_HZ }),
    createResampler({ fromHz: RNNOISE_RATE_HZ, toHz: sampleRateHz }),
  ]);
  let state = wasm._rnnoise_create(0);
  const buffer = wasm._malloc(RNNOISE_FRAME * 4);
  if (state === 0 || buffer === 0) {
    up.close();
    down.close();
    throw new RnnoiseError('RNNoise could not allocate its state: the process is out of memory');
  }
  /** 48 kHz samples waiting for a whole frame. */
  let pending = new Int16Array(0);
  let probability = 0;
  let closed = false;

  const toPcm = (samples: Float32Array) => {
    const pcm = new Int16Array(samples.length);
    for (let i = 0; i < samples.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]!)));
    return new Uint8Array(pcm.buffer);
  };
  const frames = (resampler: Resampler, input: Uint8Array) => copyToSamples(resampler.process(input));

  return {
    lastVoiceProbability: () => probability,
    reset() {
      if (closed) throw new RnnoiseError('RNNoise denoiser used after close()');
      const fresh = wasm._rnnoise_create(0);
      if (fresh === 0) throw new RnnoiseError('RNNoise could not allocate its state: the process is out of memory');
      wasm._rnnoise_destroy(state);
      state = fresh;
      pending = new Int16Array(0);
      probability = 0;
      up.flush();
      down.flush();
    },
    process(samples) {
      if (closed) throw new RnnoiseError('RNNoise denoiser used after close()');
      const upsampled = frames(up, toPcm(samples));
      const all = new Int16Array(pending.length + upsampled.length);
      all.set(pending);
      all.set(upsampled, pending.length);
      const whole = Math.floor(all.length / RNNOISE_FRAME) * RNNOISE_FRAME;
      const denoised = new Int16Array(whole);
      for (let at = 0; at < whole; at += RNNOISE_FRAME) {
        // The heap may grow (and move) between calls: take the view each time.
        const heap = wasm.HEAPF32;
        const offset = buffer >> 2;
        for (let i = 0; i < RNNOISE_FRAME; i++) heap[offset + i] = all[at + i]!;
        probability = wasm._rnnoise_process_frame(state, buffer, buffer);
        const out = wasm.HEAPF32;
        for (let i = 0; i < RNNOISE_FRAME; i++)
          denoised[at + i] = Math.max(-32768, Math.min(32767, Math.round(out[offset + i]!)));
      }
      pending = all.slice(whole);
      const back = frames(down, new Uint8Array(denoised.buffer));
      return Float32Array.from(back);
    },
    close() {
      if (closed) return;
      closed = true;
      wasm._rnnoise_destroy(state);
      wasm._free(buffer);
      up.close();
      down.close();
    },
  };
}
