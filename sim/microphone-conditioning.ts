/**
 * A session's microphone conditioning for the benches that feed recordings to the product's engines: the
 * conditioner as `audio` configures it (without the echo step), a clip through it in 20 ms frames, and a
 * recording through it after its own room (`sim/room-tone.ts`), so that
 * `audio.noiseSuppression: "auto"` has heard the room before the words, as a session would have.
 *
 * @example
 * ```ts
 * const condition = await microphoneConditioning(loadConfig());
 * const heard = condition ? conditionedInRoom({ samples, roomTone: true }, condition) : samples;
 * ```
 */
import type { ConditionedBlock } from '../adapters/audio/conditioned-block.js';
import { createInputConditioner } from '../adapters/audio/input-conditioner.js';
import { withRoomTone } from './room-tone.js';
import type { AppConfig } from '../runtime/config.js';

const RATE_HZ = 16_000;
const FRAME_SAMPLES = RATE_HZ / 50;
/**
 * Before a recording framed by its room: more than the room noise gauge's one-second window
 * (`adapters/audio/room-noise.ts`).
 */
export const ROOM_BEFORE_MS = 1500;

/**
 * What the session's input conditioning makes of a microphone frame: s16le in, the block out (what is
 * ready, and with RNNoise, the audio before it: the stop spotter's `levels`).
 */
export type Conditioning = (frame: Uint8Array) => ConditionedBlock;

/**
 * The product's input conditioning of a session's microphone (`audio`), without the echo step: none when every step is
 * off.
 */
export async function microphoneConditioning(config: AppConfig): Promise<Conditioning | undefined> {
  const { highPassHz, agc, noiseSuppression } = config.audio;
  if (!highPassHz && !agc && !noiseSuppression) return undefined;
  const conditioner = await createInputConditioner({
    sampleRateHz: RATE_HZ,
    highPassHz,
    agc,
    noiseSuppression,
    keepLevels: true,
  });
  let atMs = 0;
  return (frame) => conditioner.process(frame, (atMs += (frame.byteLength / 2 / RATE_HZ) * 1000));
}

/**
 * The clip as the conditioning made it, after hearing its room first where the clip is a recording of
 * one (`roomTone`: a gauge like `audio.noiseSuppression: "auto"`'s judges the room before the words);
 * the room's part is cut off again (less RNNoise's own lag of 10–15 ms, where it ran).
 */
export function conditionedInRoom(
  clip: { samples: Int16Array; roomTone?: boolean },
  condition: Conditioning,
): Int16Array {
  if (!clip.roomTone) return conditioned(clip.samples, condition);
  const before = ROOM_BEFORE_MS * (RATE_HZ / 1000);
  return conditioned(withRoomTone(clip.samples, before, 0, RATE_HZ), condition).subarray(before);
}

/** `samples` through `condition` in 20 ms frames, joined (a step with a delay, RNNoise, returns what is ready). */
export function conditioned(samples: Int16Array, condition: Conditioning): Int16Array {
  return conditionedWithLevels(samples, condition).audio;
}

/** {@link conditioned}, and with RNNoise the audio before it, joined (what the stop spotter's lead reads). */
export function conditionedWithLevels(
  samples: Int16Array,
  condition: Conditioning,
): { audio: Int16Array; levels?: Int16Array } {
  const parts: Uint8Array[] = [];
  const levels: Uint8Array[] = [];
  for (let at = 0; at + FRAME_SAMPLES <= samples.length; at += FRAME_SAMPLES) {
    const block = condition(new Uint8Array(samples.buffer, samples.byteOffset + at * 2, FRAME_SAMPLES * 2));
    parts.push(block.audio.slice());
    if (block.levels) levels.push(block.levels.slice());
  }
  return { audio: joined(parts), ...(levels.length > 0 ? { levels: joined(levels) } : {}) };
}

function joined(parts: readonly Uint8Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.byteLength / 2, 0));
  let written = 0;
  for (const part of parts) {
    out.set(new Int16Array(part.buffer, part.byteOffset, part.byteLength / 2), written);
    written += part.byteLength / 2;
  }
  return out;
}
