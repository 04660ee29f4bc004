/**
 * The page's audio codec (web/pcm.js, run here in Node): float samples ↔ base64 pcm16 little-endian,
 * the Realtime protocol's `audio/pcm`.
 */
import { describe, expect, it } from 'vitest';
import { floatToPcm16Base64, pcm16Base64ToFloat } from '../../web/pcm.js';

describe('page pcm16 codec', () => {
  it('encodes little-endian 16-bit samples, clipping beyond full scale, and decodes them back', () => {
    const base64 = floatToPcm16Base64(new Float32Array([0, 0.5, -0.5, 1, -1, 2, -2]));
    const bytes = Buffer.from(base64, 'base64');
    expect([...new Int16Array(bytes.buffer, bytes.byteOffset, 7)]).toEqual([
      0, 16384, -16384, 32767, -32768, 32767, -32768,
    ]);
    const back = pcm16Base64ToFloat(base64);
    expect(back.length).toBe(7);
    for (const [i, v] of [0, 0.5, -0.5, 1, -1, 1, -1].entries())
      expect(Math.abs(back[i]! - v)).toBeLessThan(1 / 16_384);
  });

  it('decodes what a server sends, including frames longer than one call stack of characters', () => {
    const samples = Int16Array.from({ length: 48_000 }, (_, i) => ((i * 7919) % 65_536) - 32_768);
    const decoded = pcm16Base64ToFloat(Buffer.from(samples.buffer).toString('base64'));
    expect(decoded.length).toBe(samples.length);
    expect(Math.round(decoded[12_345]! * 32_768)).toBe(samples[12_345]);
    // Decoded and encoded again: the very same bytes (compared as a boolean: the text is 128 kB).
    expect(floatToPcm16Base64(decoded) === Buffer.from(samples.buffer).toString('base64')).toBe(true);
  });

  it('gives no samples for text that is not base64', () => {
    expect(pcm16Base64ToFloat('***').length).toBe(0);
  });
});
