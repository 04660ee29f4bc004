/**
 * Copies of small payloads without an `ArrayBuffer` each. Every audio frame is copied once per
 * subscriber (a subscriber never shares memory with its publisher); at 1000 sessions that is 100,000
 * copies a second, and a fresh `ArrayBuffer` per copy (what `Uint8Array#slice` makes) costs more in
 * allocation and garbage collection than the copy itself. Small copies come from Node's shared 8 KB
 * pool instead, as `Buffer.allocUnsafe` does, handed out as plain `Uint8Array` views (8-byte aligned,
 * so `Int16Array` views over them work).
 *
 * @example
 * ```ts
 * const own = copyBytes(frame); // same bytes, its own memory range
 * own[0] = 1;                   // frame is untouched
 * ```
 */
import { Buffer } from 'node:buffer';

export function copyBytes(source: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(source.byteLength);
  out.set(source);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
