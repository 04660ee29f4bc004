// @ts-check
/**
 * The Realtime protocol's audio: base64 of 16-bit little-endian mono PCM at 24 kHz, to and from the
 * float samples of Web Audio.
 *
 * @example
 * const base64 = floatToPcm16Base64(new Float32Array([0, 0.5, -0.5]));
 * pcm16Base64ToFloat(base64); // Float32Array [0, 0.5, -0.5]
 */

/** The protocol's rate (the `audio/pcm` format of the Realtime API). */
export const PROTOCOL_RATE_HZ = 24_000;

/** @param {Float32Array} samples */
export function floatToPcm16Base64(samples) {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) {
    // The same scale both ways (×32768, clipped), so decoding and encoding again gives the same bytes.
    view.setInt16(
      i * 2,
      Math.max(-0x8000, Math.min(0x7fff, Math.round(/** @type {number} */ (samples[i]) * 0x8000))),
      true,
    );
  }
  let binary = '';
  // Why 8192: String.fromCharCode takes its arguments on the stack; this stays far from any engine's limit.
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(binary);
}

/**
 * @param {string} base64
 * @returns {Float32Array} empty when the text is not base64
 */
export function pcm16Base64ToFloat(base64) {
  let binary;
  try {
    binary = atob(base64);
  } catch {
    return new Float32Array(0);
  }
  const samples = new Float32Array(binary.length >> 1);
  for (let i = 0; i < samples.length; i++) {
    const value = binary.charCodeAt(2 * i) | (binary.charCodeAt(2 * i + 1) << 8);
    samples[i] = (value >= 0x8000 ? value - 0x10000 : value) / 0x8000;
  }
  return samples;
}

/** @param {Float32Array} samples root mean square, 0–1 */
export function rms(samples) {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}
