/**
 * The framer cuts chunks of any length into exact frames, keeps every byte in order, and copies only straddling frames.
 */
import { describe, expect, it } from 'vitest';
import { createFramer } from '../../../adapters/audio/framer.js';

const bytes = (from: number, length: number) => Uint8Array.from({ length }, (_, i) => (from + i) & 0xff);

describe('framer', () => {
  it('passes whole frames through as views of the chunk, without a copy', () => {
    const framer = createFramer(4);
    const chunk = bytes(0, 8);
    const frames = framer.push(chunk);
    expect(frames.map((f) => [...f])).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(frames.every((f) => f.buffer === chunk.buffer)).toBe(true);
    expect(framer.pendingBytes).toBe(0);
  });

  it('keeps every byte in order over chunks cut anywhere, and frames that straddle chunks own their memory', () => {
    const framer = createFramer(640);
    const stream = bytes(7, 640 * 25 + 100);
    const out: number[] = [];
    const chunks: Uint8Array[] = [];
    const frames: Uint8Array[] = [];
    // A resampler's pattern: a short first chunk, then steady ones that never line up with the frames.
    for (let at = 0, n = 0; at < stream.length; n++) {
      const length = Math.min(n === 0 ? 563 : 640 + (n % 3) * 7, stream.length - at);
      const chunk = stream.slice(at, at + length);
      chunks.push(chunk);
      for (const frame of framer.push(chunk)) {
        expect(frame.byteLength).toBe(640);
        frames.push(frame);
        out.push(...frame);
      }
      at += length;
    }
    expect(out.length).toBe(640 * 25);
    expect(framer.pendingBytes).toBe(100);
    expect(out).toEqual([...stream.subarray(0, 640 * 25)]);
    // The chunks' memory written over: the assembled frames keep their bytes.
    const assembled = frames.map((f, i) => ({ i, f })).filter(({ f }) => !chunks.some((c) => c.buffer === f.buffer));
    expect(assembled.length).toBeGreaterThan(20);
    for (const c of chunks) c.fill(0);
    for (const { i, f } of assembled) expect([...f]).toEqual([...stream.subarray(i * 640, (i + 1) * 640)]);
  });

  it('forgets the waiting bytes on reset', () => {
    const framer = createFramer(4);
    expect(framer.push(bytes(0, 3))).toEqual([]);
    framer.reset();
    expect(framer.pendingBytes).toBe(0);
    expect(framer.push(bytes(10, 4)).map((f) => [...f])).toEqual([[10, 11, 12, 13]]);
  });

  it('refuses a frame size that is not a positive whole number of bytes', () => {
    expect(() => createFramer(0)).toThrow(/positive whole number/);
    expect(() => createFramer(2.5)).toThrow(/positive whole number/);
  });
});
