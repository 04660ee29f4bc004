/**
 * G.711 μ-law (`audio/pcmu`) and A-law (`audio/pcma`), the 8 kHz telephone codecs: one byte per sample,
 * decoded to and encoded from s16le. Reference: ITU-T G.711 (the classic Sun implementation).
 *
 * @example
 * ```ts
 * const pcm = decodeG711('pcmu', bytesFromCall); // s16le at 8 kHz
 * const back = encodeG711('pcmu', pcm);
 * ```
 */
export type G711Law = 'pcmu' | 'pcma';

const BIAS = 0x84;
const CLIP = 32_635;

function muLawEncode(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(CLIP, Math.abs(sample)) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function muLawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4)) - BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

function aLawEncode(sample: number): number {
  const sign = sample >= 0 ? 0x80 : 0;
  const magnitude = Math.min(CLIP, sample >= 0 ? sample : -sample - 1);
  let byte: number;
  if (magnitude < 256) byte = magnitude >> 4;
  else {
    let exponent = 7;
    for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 1; mask >>= 1) exponent--;
    byte = (exponent << 4) | ((magnitude >> (exponent + 3)) & 0x0f);
  }
  return (byte | sign) ^ 0x55;
}

function aLawDecode(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a & 0x70) >> 4;
  let magnitude = ((a & 0x0f) << 4) + 8;
  if (exponent !== 0) magnitude = (magnitude + 0x100) << (exponent - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

// Why tables: decoding runs for every input byte of a call; 256 entries replace the bit twiddling.
const DECODE: Record<G711Law, Int16Array> = {
  pcmu: Int16Array.from({ length: 256 }, (_, b) => muLawDecode(b)),
  pcma: Int16Array.from({ length: 256 }, (_, b) => aLawDecode(b)),
};

/** G.711 bytes → s16le PCM (twice as many bytes). */
export function decodeG711(law: G711Law, encoded: Uint8Array): Uint8Array {
  const table = DECODE[law];
  const out = new Uint8Array(encoded.byteLength * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < encoded.byteLength; i++) view.setInt16(i * 2, table[encoded[i]!]!, true);
  return out;
}

/** s16le PCM → G.711 bytes (half as many bytes). */
export function encodeG711(law: G711Law, pcm: Uint8Array): Uint8Array {
  const encode = law === 'pcmu' ? muLawEncode : aLawEncode;
  const view = new DataView(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const out = new Uint8Array(pcm.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = encode(view.getInt16(i * 2, true));
  return out;
}
