/**
 * The recorded microphone of a session as one PCM stream: what `replay --rerun` plays into the engines
 * and what `export` writes as a WAV file.
 *
 * @example
 * ```ts
 * const pcm = await recordedMicrophone(store.audio(recordingId), 16_000);
 * ```
 */
import { resampleAll } from '../../adapters/audio/resample.js';
import type { RecordedAudio } from './read.js';

/**
 * Why 200 ms: frames of a live device arrive with tens of ms of jitter (a loaded loop, the network); a
 * hole of 200 ms between chunks is the device pausing, kept as silence so the VAD hears the same pause.
 */
const GAP_MS = 200;

/** The recorded microphone as one PCM stream at `rateHz`: chunks resampled if needed, pauses kept as silence. */
export async function recordedMicrophone(chunks: readonly RecordedAudio[], rateHz: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let endMs: number | undefined;
  for (const chunk of chunks) {
    const pcm = await resampleAll(chunk.pcm, chunk.sampleRateHz, rateHz);
    if (endMs !== undefined && chunk.atMs - endMs > GAP_MS)
      parts.push(new Uint8Array(Math.round(((chunk.atMs - endMs) * rateHz) / 1000) * 2));
    parts.push(pcm);
    endMs = chunk.atMs + (chunk.pcm.byteLength / 2 / chunk.sampleRateHz) * 1000;
  }
  return new Uint8Array(Buffer.concat(parts));
}
