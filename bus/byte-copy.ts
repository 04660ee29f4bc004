/**
 * Copies of small payloads, and fresh pieces for audio a hot path makes, without an `ArrayBuffer` each.
 * Every audio frame is copied once per subscriber (a subscriber never shares memory with its
 * publisher); at 1000 sessions that is 100,000 copies a second, and a fresh `ArrayBuffer` per copy (what
 * `Uint8Array#slice` makes) costs more in allocation and garbage collection than the copy itself. Small
 * copies are carved out of a shared slab instead, as `Buffer.allocUnsafe` does with Node's 8 KB pool,
 * but with a slab eight times larger: a pool per twelve 20 ms frames was still ~2 % of a 1000-session
 * process. Copies are plain `Uint8Array` views, 8-byte aligned (so `Int16Array` views over them work).
 *
 * @example
 * ```ts
 * const own = copyBytes(frame); // same bytes, its own memory range
 * own[0] = 1;                   // frame is untouched
 * ```
 */
import { Buffer } from 'node:buffer';

/**
 * Why 64 KB: a hundred 16 kHz frames per slab. A slab lives as long as any copy cut from it, and frames
 * live for a few hundred ms at most (the VAD's prefix padding), so a few hundred slabs are alive at 1000
 * sessions, about what the 8 KB pools kept alive before.
 */
const SLAB_BYTES = 64 * 1024;
/** Why 4 KB: a 20 ms frame at 48 kHz is 1920 bytes; larger payloads (TTS chunks) get a buffer of their own. */
const MAX_SLAB_COPY = 4096;

let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

export function copyBytes(source: Uint8Array): Uint8Array {
  const length = source.byteLength;
  if (length > MAX_SLAB_COPY) {
    // Unpooled and not zero-filled first (`new Uint8Array(length)` would write every byte twice).
    const own = Buffer.allocUnsafeSlow(length);
    own.set(source);
    return new Uint8Array(own.buffer, own.byteOffset, length);
  }
  const out = carve(length);
  out.set(source);
  return out;
}

/**
 * Fresh, zero-filled bytes of one's own, for audio a hot path makes (a resampled or conditioned frame):
 * carved from the same slabs as {@link copyBytes} up to 4 KB, so 50 frames a second per microphone cost
 * no `ArrayBuffer` each. Like the copies, the result is a view: use its `byteOffset`, never its whole
 * `buffer`, and never transfer that buffer to a worker.
 *
 * @example
 * ```ts
 * const frame = allocBytes(640);                                        // 20 ms at 16 kHz
 * const samples = new Int16Array(frame.buffer, frame.byteOffset, 320); // aligned: Int16 views work
 * ```
 */
export function allocBytes(length: number): Uint8Array {
  return length > MAX_SLAB_COPY ? new Uint8Array(length) : carve(length);
}

/**
 * `parts` joined into bytes of one's own, carved as {@link allocBytes}; a single part is returned as it is.
 *
 * @example
 * ```ts
 * const audio = joinBytes(chunks); // the chunks drained since the last frame, in order
 * ```
 */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = allocBytes(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The next `length` bytes of the current slab (a new slab when it is full); never handed out twice, so zero. */
function carve(length: number): Uint8Array {
  if (slabUsed + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, length);
  // Keep the next piece 8-byte aligned.
  slabUsed += (length + 7) & ~7;
  return out;
}
