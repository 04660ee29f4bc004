import { describe, expect, it } from 'vitest';
import { decodeG711, encodeG711, type G711Law } from '../../../adapters/audio/g711.js';

const pcmOf = (samples: number[]) => {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  samples.forEach((s, i) => view.setInt16(i * 2, s, true));
  return bytes;
};
const samplesOf = (bytes: Uint8Array) =>
  Array.from({ length: bytes.length / 2 }, (_, i) =>
    new DataView(bytes.buffer, bytes.byteOffset).getInt16(i * 2, true),
  );

describe('G.711', () => {
  it.each(['pcmu', 'pcma'] as G711Law[])(
    '%s round-trips a sine within the codec step (≤ 1/16 of the magnitude + a small floor)',
    (law) => {
      const samples = Array.from({ length: 800 }, (_, i) => Math.round(20_000 * Math.sin(i / 5)));
      const back = samplesOf(decodeG711(law, encodeG711(law, pcmOf(samples))));
      expect(back).toHaveLength(800);
      for (let i = 0; i < samples.length; i++)
        expect(Math.abs(back[i]! - samples[i]!)).toBeLessThanOrEqual(Math.abs(samples[i]!) / 16 + 40);
    },
  );

  it('decodes the known code points: μ-law 0xFF and A-law 0xD5 are (near) silence, 0x80 / 0xAA are full scale', () => {
    expect(samplesOf(decodeG711('pcmu', new Uint8Array([0xff, 0x7f, 0x80, 0x00])))).toEqual([0, 0, 32124, -32124]);
    expect(samplesOf(decodeG711('pcma', new Uint8Array([0xd5, 0x55, 0xaa, 0x2a])))).toEqual([8, -8, 32256, -32256]);
  });
});
