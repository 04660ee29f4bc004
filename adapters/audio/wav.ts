/**
 * Minimal RIFF/WAVE for the CLI and tests: 16-bit PCM, mono. Multi-channel input is mixed down to mono;
 * other sample formats are rejected with a message naming the fix.
 *
 * @example
 * ```ts
 * const { pcm, sampleRateHz } = readWav(readFileSync('input.wav'));
 * writeFileSync('copy.wav', encodeWav(pcm, sampleRateHz));
 * ```
 */

export class WavError extends Error {
  override name = 'WavError';
}

/** A 44-byte header plus the samples. */
export function encodeWav(pcm: Uint8Array, sampleRateHz: number): Uint8Array {
  const out = new Uint8Array(44 + pcm.byteLength);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, text: string) =>
    [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + pcm.byteLength, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRateHz, true);
  view.setUint32(28, sampleRateHz * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, pcm.byteLength, true);
  out.set(pcm, 44);
  return out;
}

export function readWav(bytes: Uint8Array): { pcm: Uint8Array; sampleRateHz: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE')
    throw new WavError('not a WAV file (no RIFF/WAVE header): convert it with `sox in.x -b 16 out.wav`');
  let offset = 12;
  let format: { channels: number; sampleRateHz: number; bits: number; audioFormat: number } | undefined;
  while (offset + 8 <= bytes.byteLength) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        audioFormat: view.getUint16(body, true),
        channels: view.getUint16(body + 2, true),
        sampleRateHz: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new WavError('WAV data before its fmt chunk');
      if (format.audioFormat !== 1 || format.bits !== 16) {
        throw new WavError(
          `WAV is format ${format.audioFormat} with ${format.bits}-bit samples: use 16-bit PCM (sox in.wav -b 16 ` +
            `-e signed out.wav)`,
        );
      }
      const data = bytes.subarray(body, Math.min(bytes.byteLength, body + size));
      return {
        pcm: format.channels === 1 ? data.slice() : mixDown(data, format.channels),
        sampleRateHz: format.sampleRateHz,
      };
    }
    offset = body + size + (size % 2);
  }
  throw new WavError('WAV has no data chunk');
}

function mixDown(data: Uint8Array, channels: number): Uint8Array {
  const input = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const frames = Math.floor(data.byteLength / 2 / channels);
  const out = new Uint8Array(frames * 2);
  const view = new DataView(out.buffer);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += input.getInt16((f * channels + c) * 2, true);
    view.setInt16(f * 2, Math.round(sum / channels), true);
  }
  return out;
}
