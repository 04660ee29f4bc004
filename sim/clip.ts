/**
 * A clip a simulated microphone hears: a recording of a real person (sim/human-speech.ts) or a
 * synthetic voice, 16 kHz, with the phrase it holds if any, and where its voice ends — what the spotting
 * and e-stop rows measure their delays from.
 *
 * @example
 * ```ts
 * const clip: Clip = { name: clip.file, group: 'real', samples, phrase: 'stop' };
 * lastSampleMs(clip.samples); // ms from the clip's start to its last sample over −40 dBFS
 * ```
 */

const RATE_HZ = 16_000;
/** The phrase's last sample: the last over −40 dBFS (as the e-stop bench measures). */
const END_DBFS = -40;

export interface Clip {
  name: string;
  group: string;
  /** Who speaks (a session of their own: the recognizer adapts per speaker). */
  speaker?: string;
  samples: Int16Array;
  /** The phrase it holds (normalized), if any. */
  phrase?: string;
  /** A recording of a room: framed by its own room tone (`room-tone.ts`), not by silence. */
  roomTone?: boolean;
}

/** Where a clip's voice ends (its last sample above the floor), ms from its start. */
export function lastSampleMs(samples: Int16Array): number {
  const limit = 32_768 * 10 ** (END_DBFS / 20);
  for (let i = samples.length - 1; i >= 0; i--) if (Math.abs(samples[i]!) > limit) return (i / RATE_HZ) * 1000;
  return 0;
}
