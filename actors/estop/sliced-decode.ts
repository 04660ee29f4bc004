/**
 * Audio already heard, decoded afresh without holding the event loop: a local decoder (pocketsphinx) runs
 * on the calling thread at about 50 ms per second of audio, so 4 s decoded at once held the loop for
 * 190 ms, and every session's frames, partials and playback with it. Here the audio goes to the stream a
 * slice at a time, each slice in a macrotask of its own, and the final comes when the last has.
 *
 * @example
 * ```ts
 * const stream = stt.createStream({ sampleRateHz: 16_000, signal, onPartial: () => undefined });
 * const { text, confidence } = await decodeInSlices(stream, chunks, 16_000, signal);
 * ```
 */
import type { SttResult, SttStream } from '../../adapters/stt/types.js';

/** Why 100 ms of audio a slice: about 5 ms of decoding, a quarter of a 20 ms frame's pace. */
export const DECODE_SLICE_MS = 100;

/** Thrown when `signal` aborted the decode between two slices. */
export class SlicedDecodeAborted extends Error {
  constructor() {
    super('the decode was aborted between slices');
    this.name = 'SlicedDecodeAborted';
  }
}

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `chunks` (s16le at `sampleRateHz`) pushed to `stream` a slice at a time, then its final. */
export async function decodeInSlices(
  stream: SttStream,
  chunks: readonly Uint8Array[],
  sampleRateHz: number,
  signal: AbortSignal,
): Promise<SttResult> {
  const sliceBytes = Math.round((sampleRateHz * 2 * DECODE_SLICE_MS) / 1000);
  let inSlice = 0;
  for (const chunk of chunks) {
    if (inSlice >= sliceBytes) {
      inSlice = 0;
      await nextMacrotask();
    }
    if (signal.aborted) throw new SlicedDecodeAborted();
    stream.push(chunk);
    inSlice += chunk.byteLength;
  }
  return stream.finish();
}
