/** Helpers for the one internal audio format: s16le mono PCM. */

export const BYTES_PER_SAMPLE = 2;

/** Duration in ms of `byteLength` bytes of s16le mono at `sampleRateHz`. */
export function pcmDurationMs(byteLength: number, sampleRateHz: number): number {
  return (byteLength / BYTES_PER_SAMPLE / sampleRateHz) * 1000;
}

/** Bytes in `durationMs` of s16le mono at `sampleRateHz` (whole samples). */
export function pcmBytesFor(durationMs: number, sampleRateHz: number): number {
  return Math.round((durationMs * sampleRateHz) / 1000) * BYTES_PER_SAMPLE;
}

/**
 * Joins s16le chunks cut anywhere, even mid-sample: `push` returns the whole samples so far (an odd
 * trailing byte waits for the next chunk); `reset` forgets a waiting byte (a new stream).
 */
export function createSampleJoiner(): { push(chunk: Uint8Array): Uint8Array; reset(): void } {
  let oddByte: number | undefined;
  return {
    push(chunk) {
      let bytes = chunk;
      if (oddByte !== undefined) {
        bytes = new Uint8Array(chunk.byteLength + 1);
        bytes[0] = oddByte;
        bytes.set(chunk, 1);
        oddByte = undefined;
      }
      if ((bytes.byteLength & 1) === 0) return bytes;
      oddByte = bytes[bytes.byteLength - 1];
      return bytes.subarray(0, bytes.byteLength - 1);
    },
    reset() {
      oddByte = undefined;
    },
  };
}

/**
 * The whole s16le samples of `bytes`, copied into their own Int16Array: a subarray of a byte stream need
 * not be 2-byte aligned, which an Int16Array view requires.
 */
export function copyToSamples(bytes: Uint8Array): Int16Array {
  const samples = new Int16Array(bytes.byteLength >> 1);
  new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 2));
  return samples;
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  if (b.byteLength === 0) return a;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/** Root-mean-square level of s16le samples, 0..1 (any byte offset: frames may be views into a larger stream). */
export function rmsLevel(pcm: Uint8Array): number {
  const count = pcm.byteLength >> 1;
  if (count === 0) return 0;
  const view = new DataView(pcm.buffer, pcm.byteOffset, count * 2);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const v = view.getInt16(i * 2, true);
    sum += v * v;
  }
  return Math.sqrt(sum / count) / 32768;
}

/**
 * s16le samples as floats in [-1, 1), the form neural engines (Silero, sherpa-onnx) take. Writes into
 * `out` when given (a per-window buffer on the hot path), else allocates.
 */
export function pcmToFloat32(pcm: Uint8Array, out = new Float32Array(pcm.byteLength >> 1)): Float32Array {
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/** Float samples (decoders' output) to s16le, clipped to the 16-bit range. */
export function float32ToPcm(samples: Float32Array): Uint8Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32767)));
  return new Uint8Array(out.buffer);
}
