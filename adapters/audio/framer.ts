/**
 * Cuts a stream of s16le chunks of any length into frames of exactly `frameBytes`, as a VAD or a
 * recognizer needs them. It runs on every microphone chunk of every session, so it copies as little as it
 * can: whole frames inside a chunk are returned as views of that chunk (no copy), and only a frame that
 * straddles two chunks is assembled, in memory of its own carved from the shared slabs (see
 * `bus/byte-copy.ts`), never a new `ArrayBuffer` per frame. A resampler's output is the usual case:
 * its first chunk is short by the filter's delay, so every later frame straddles two chunks.
 *
 * Frames returned are the caller's to keep: views share the chunk's memory, so the chunk must not be
 * written to afterwards (the bus's and the resampler's outputs never are).
 *
 * @example
 * ```ts
 * const framer = createFramer(640);          // 20 ms at 16 kHz
 * framer.push(new Uint8Array(1000)).length;  // 1 (360 bytes wait for the next chunk)
 * framer.push(new Uint8Array(280)).length;   // 1
 * framer.pendingBytes;                       // 0
 * ```
 */
import { allocBytes } from '../../bus/byte-copy.js';

export interface Framer {
  /** The frames this chunk completes, in order (often none or one). */
  push(chunk: Uint8Array): Uint8Array[];
  /** Bytes waiting for the rest of their frame. */
  readonly pendingBytes: number;
  /** Forgets the waiting bytes (a new stream starts). */
  reset(): void;
}

export function createFramer(frameBytes: number): Framer {
  if (!Number.isInteger(frameBytes) || frameBytes <= 0)
    throw new Error(`frame size must be a positive whole number of bytes, not ${frameBytes}`);
  let partial: Uint8Array | undefined;
  let filled = 0;
  return {
    get pendingBytes() {
      return filled;
    },
    reset() {
      partial = undefined;
      filled = 0;
    },
    push(chunk) {
      // The usual case at the engine's own rate: one whole frame, nothing waiting.
      if (!partial && chunk.byteLength === frameBytes) return [chunk];
      const frames: Uint8Array[] = [];
      let at = 0;
      if (partial) {
        at = Math.min(frameBytes - filled, chunk.byteLength);
        partial.set(chunk.subarray(0, at), filled);
        filled += at;
        if (filled < frameBytes) return frames;
        frames.push(partial);
        partial = undefined;
        filled = 0;
      }
      for (; at + frameBytes <= chunk.byteLength; at += frameBytes) frames.push(chunk.subarray(at, at + frameBytes));
      if (at < chunk.byteLength) {
        partial = allocBytes(frameBytes);
        partial.set(chunk.subarray(at));
        filled = chunk.byteLength - at;
      }
      return frames;
    },
  };
}
