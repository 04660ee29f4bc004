/**
 * Streaming resampler for s16le mono (the Speex resampler compiled to WASM,
 * `@echogarden/speex-resampler-wasm`, BSD-3-Clause). Audio is resampled only at the edges: a TTS engine
 * at 22.05 kHz feeding a 16 kHz output, or a 48 kHz microphone feeding the 16 kHz VAD.
 *
 * The WASM module loads asynchronously, so {@link createResampler} and {@link resampleAll} are async
 * (the module is loaded once per process, on first use). After that,
 * `process` is synchronous and cheap. Equal rates never touch the WASM: audio passes through unchanged.
 *
 * Alignment: the filter's delay is skipped at the start (`speex_resampler_skip_zeros`) and `flush()`
 * drains the tail, so the whole output lines up with the input and holds
 * `round(inputSamples × toHz / fromHz)` samples. Without `flush()` the last few ms (the filter's delay,
 * ≈ 2-4 ms at the default quality) stay inside the resampler.
 *
 * @example
 * ```ts
 * const r = await createResampler({ fromHz: 22050, toHz: 16000 });
 * for (const chunk of chunks) send(r.process(chunk)); // state is kept between chunks
 * send(r.flush()); // the tail; the resampler can be reused for a new stream afterwards
 * r.close();
 * const whole = await resampleAll(pcm, 24000, 16000);
 * ```
 */
import { copyBytes, joinBytes } from '../../bus/byte-copy.js';
import { createSampleJoiner } from './pcm.js';

export interface ResamplerOptions {
  fromHz: number;
  toHz: number;
  /**
   * Speex quality 0-10. Why 5 by default: Speex's "desktop" setting; higher costs more CPU with no audible gain for
   * speech.
   */
  quality?: number;
}

export interface Resampler {
  readonly fromHz: number;
  readonly toHz: number;
  /** Resamples the next chunk of the stream (any length; an odd trailing byte is kept for the next call). */
  process(pcm: Uint8Array): Uint8Array;
  /**
   * Ends the stream: returns the audio still inside the filter and resets, so the next `process` starts a new stream.
   */
  flush(): Uint8Array;
  /** Frees the WASM memory; the resampler must not be used afterwards. */
  close(): void;
}

/** The exports of the Emscripten module used here (the package ships no typings). */
interface SpeexModule {
  _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
  _speex_resampler_process_int(
    state: number,
    channel: number,
    inPtr: number,
    inLenPtr: number,
    outPtr: number,
    outLenPtr: number,
  ): number;
  _speex_resampler_skip_zeros(state: number): number;
  _speex_resampler_reset_mem(state: number): number;
  _speex_resampler_get_input_latency(state: number): number;
  _speex_resampler_destroy(state: number): void;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
}

/**
 * Why Speex quality 1 for the microphone: every Realtime client's microphone pays the resampler 50 times a
 * second, and it was half of a 24 kHz append's cost. At 24 → 16 kHz, 20 ms frames, one run on one machine:
 * 6.7 µs per frame at quality 1, 18.8 at 3, 34 at the default 5. Quality 1 is −1.4 dB at 6 kHz and −7.9 dB
 * at 7 kHz (3: 0 and −3.1), and keeps aliases 63 dB down; the recognizer does not notice: the grammar
 * corpus (768 utterances, flite's voices) sent 16 → 24 → 16 kHz gives 415 of 416 commands exact and 12 of
 * 352 other phrases accepted at quality 1, 414 and 12 at quality 3, 414 and 11 with no resampling.
 * Measured again through the whole Realtime input path (`npm run bench -- --scenario grammar --rate 24000`:
 * eight voices' own audio at 24 kHz, 20 ms appends, each voice a session of its own): 411 of 416 commands
 * exact and 12 of 352 other phrases accepted against 413 and 11 at 16 kHz; confidences 0.027 apart on
 * average, "stop" within 0.02 for every voice, less than another noise floor moves the 16 kHz decode itself.
 * (The 24 kHz gap seen before was the recognizer's shared cepstral mean, see `adapters/stt/pocketsphinx.ts`.)
 */
export const MIC_RESAMPLER_QUALITY = 1;

/** Input samples per WASM call: bounds the scratch buffers whatever the chunk size. */
const BLOCK_SAMPLES = 4096;
// A variable specifier: the package has no typings, and this keeps TypeScript from asking for them.
const PACKAGE = '@echogarden/speex-resampler-wasm';

let modulePromise: Promise<SpeexModule> | undefined;

/** The WASM module, loaded once per process on first use. */
function loadModule(): Promise<SpeexModule> {
  modulePromise ??= (import(PACKAGE) as Promise<{ default: () => Promise<SpeexModule> }>).then((m) => m.default());
  // A failed load is not cached: the next call retries.
  modulePromise.catch(() => (modulePromise = undefined));
  return modulePromise;
}

function validate({ fromHz, toHz, quality }: ResamplerOptions): void {
  for (const [name, rate] of [
    ['fromHz', fromHz],
    ['toHz', toHz],
  ] as const) {
    if (!Number.isInteger(rate) || rate < 1000 || rate > 384_000)
      throw new Error(`resampler ${name} must be an integer rate in Hz (1000-384000, e.g. 16000), not ${rate}`);
  }
  if (quality !== undefined && (!Number.isInteger(quality) || quality < 0 || quality > 10)) {
    throw new Error(`resampler quality must be an integer from 0 (fastest) to 10 (best), not ${quality}`);
  }
}

/** A pass-through for equal rates: no WASM, input returned as is. */
function identity(fromHz: number, toHz: number): Resampler {
  return { fromHz, toHz, process: (pcm) => pcm, flush: () => new Uint8Array(0), close: () => undefined };
}

export async function createResampler(options: ResamplerOptions): Promise<Resampler> {
  validate(options);
  const { fromHz, toHz } = options;
  if (fromHz === toHz) return identity(fromHz, toHz);
  const wasm = await loadModule();
  const quality = options.quality ?? 5;

  // One allocation: the error code and the two in/out length words, then the sample buffers.
  const outBlock = Math.ceil((BLOCK_SAMPLES * toHz) / fromHz) + 16;
  const base = wasm._malloc(12 + BLOCK_SAMPLES * 2 + outBlock * 2);
  if (base === 0) throw new Error('resampler could not allocate WASM memory');
  const errPtr = base;
  const inLenPtr = base + 4;
  const outLenPtr = base + 8;
  const inPtr = base + 12;
  const outPtr = inPtr + BLOCK_SAMPLES * 2;
  const state = wasm._speex_resampler_init(1, fromHz, toHz, quality, errPtr);
  if (state === 0) {
    const code = wasm.HEAPU32[errPtr >> 2];
    wasm._free(base);
    throw new Error(`speex resampler rejected ${fromHz} Hz → ${toHz} Hz at quality ${quality} (error ${code})`);
  }
  const latency = wasm._speex_resampler_get_input_latency(state);

  let closed = false;
  let started = false;
  let inputSamples = 0;
  let outputSamples = 0;
  const joiner = createSampleJoiner();

  const start = () => {
    if (started) return;
    started = true;
    // Drop the filter's delay from the output so it lines up with the input.
    wasm._speex_resampler_skip_zeros(state);
  };

  /** Runs `samples` input samples already copied to `inPtr`; appends the output to `parts`. */
  const run = (samples: number, parts: Uint8Array[]) => {
    let offset = 0;
    while (offset < samples) {
      const heap32 = wasm.HEAPU32;
      heap32[inLenPtr >> 2] = samples - offset;
      heap32[outLenPtr >> 2] = outBlock;
      wasm._speex_resampler_process_int(state, 0, inPtr + offset * 2, inLenPtr, outPtr, outLenPtr);
      // The views are re-read after the call: a heap growth replaces them.
      const consumed = wasm.HEAPU32[inLenPtr >> 2]!;
      const produced = wasm.HEAPU32[outLenPtr >> 2]!;
      // A copy out of the WASM heap; small ones (a microphone frame's) carved from a shared slab, not an ArrayBuffer
      // each.
      if (produced > 0) parts.push(copyBytes(wasm.HEAPU8.subarray(outPtr, outPtr + produced * 2)));
      outputSamples += produced;
      offset += consumed;
      if (consumed === 0 && produced === 0) throw new Error('speex resampler made no progress');
    }
  };

  const check = () => {
    if (closed) throw new Error('resampler used after close()');
  };

  return {
    fromHz,
    toHz,
    process(pcm) {
      check();
      start();
      const bytes = joiner.push(pcm);
      const samples = bytes.byteLength >> 1;
      const parts: Uint8Array[] = [];
      for (let at = 0; at < samples; at += BLOCK_SAMPLES) {
        const n = Math.min(BLOCK_SAMPLES, samples - at);
        wasm.HEAPU8.set(bytes.subarray(at * 2, (at + n) * 2), inPtr);
        inputSamples += n;
        run(n, parts);
      }
      return parts.length === 0 ? new Uint8Array(0) : joinBytes(parts);
    },
    flush() {
      check();
      const parts: Uint8Array[] = [];
      if (started) {
        // Push zeros through the filter until its delay has come out, then cut at the exact length.
        const expected = Math.round((inputSamples * toHz) / fromHz);
        wasm.HEAPU8.fill(0, inPtr, inPtr + BLOCK_SAMPLES * 2);
        for (let pushed = 0; pushed < latency + 2 && outputSamples < expected; pushed += BLOCK_SAMPLES) {
          run(Math.min(BLOCK_SAMPLES, latency + 2 - pushed), parts);
        }
        const out = joinBytes(parts);
        const excess = Math.max(0, outputSamples - expected);
        wasm._speex_resampler_reset_mem(state);
        started = false;
        inputSamples = 0;
        outputSamples = 0;
        joiner.reset();
        return out.subarray(0, Math.max(0, out.byteLength - excess * 2));
      }
      return new Uint8Array(0);
    },
    close() {
      if (closed) return;
      closed = true;
      wasm._speex_resampler_destroy(state);
      wasm._free(base);
    },
  };
}

/** Resamples a whole buffer (input unchanged when the rates are equal). */
export async function resampleAll(
  pcm: Uint8Array,
  fromHz: number,
  toHz: number,
  quality?: number,
): Promise<Uint8Array> {
  const resampler = await createResampler({ fromHz, toHz, ...(quality === undefined ? {} : { quality }) });
  if (fromHz === toHz) return pcm;
  try {
    const body = resampler.process(pcm);
    const tail = resampler.flush();
    if (tail.byteLength === 0) return body;
    const out = new Uint8Array(body.byteLength + tail.byteLength);
    out.set(body, 0);
    out.set(tail, body.byteLength);
    return out;
  } finally {
    resampler.close();
  }
}
