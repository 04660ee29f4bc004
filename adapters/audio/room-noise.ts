/**
 * How loud the room is when nobody speaks: the noise floor under the microphone, for switching RNNoise
 * on where it is needed (`audio.noiseSuppression: "auto"`) and leaving quiet rooms without its cost.
 *
 * The floor is the quietest 20 ms block of the last second (minimum statistics): a pause between words,
 * a stop consonant's closure or the silence before a word brings it down to the room, while a room's
 * steady noise (a fan, a motor, a crowd, a hissing microphone) keeps every block up. The gauge reads
 * the audio after the echo canceller and the high-pass, so the robot's own voice and the rumble below
 * `audio.highPassHz` do not count as the room.
 *
 * | value | basis |
 * | --- | --- |
 * | on at a floor of −42 dBFS | the noise bench (`npm run bench -- --scenario noise`): at −36 dBFS a fan already holds the VAD in speech 26 % of a minute after the high-pass (0 % with RNNoise), at −26 dBFS white, pink and fan noise hold it 100 %; 6 dB under the lowest level that harmed |
 * | off under −48 dBFS, for 1 s, in a quiet block | 6 dB and a second of hysteresis: a floor near the line, or a fan that pauses, does not switch RNNoise (which restarts at each switch) every second; switched off only in a pause, never inside a word |
 * | a one-second window | longer than a word said after a pause, so a word alone never reads as the room; a room's noise lasts seconds |
 *
 * Nothing here was chosen on recordings of real people.
 *
 * @example
 * ```ts
 * const gauge = createRoomNoiseGauge({ sampleRateHz: 16_000 });
 * gauge.push(samples); // Float32Array in 16-bit scale, any length
 * if (gauge.loud) denoise(samples);
 * ```
 */

/** The gauge's switching points (see the table above). */
export const ROOM_NOISE = {
  onDbfs: -42,
  offDbfs: -48,
  offHoldMs: 1000,
  windowMs: 1000,
  blockMs: 20,
} as const;

export interface RoomNoiseGauge {
  /** Measures `samples` (16-bit scale, any length; whole 20 ms blocks are judged as they complete). */
  push(samples: Float32Array): void;
  /** Whether the room is loud enough for noise suppression now. */
  readonly loud: boolean;
  /** The floor now: the quietest block of the last second, dBFS (−Infinity before the first block). */
  floorDbfs(): number;
}

export function createRoomNoiseGauge({ sampleRateHz }: { sampleRateHz: number }): RoomNoiseGauge {
  const blockSamples = Math.round((sampleRateHz * ROOM_NOISE.blockMs) / 1000);
  const windowBlocks = ROOM_NOISE.windowMs / ROOM_NOISE.blockMs;
  const offHoldBlocks = ROOM_NOISE.offHoldMs / ROOM_NOISE.blockMs;
  /** The last second's block levels (dBFS), a ring. */
  const levels = new Float64Array(windowBlocks).fill(-Infinity);
  let next = 0;
  let blocks = 0;
  let energy = 0;
  let inBlock = 0;
  let loud = false;
  let quietBlocks = 0;
  let floor = -Infinity;

  const judge = (level: number) => {
    levels[next] = level;
    next = (next + 1) % windowBlocks;
    blocks++;
    // A full window before the first verdict: the first blocks of a stream are not yet a room.
    if (blocks < windowBlocks) return;
    floor = Math.min(...levels);
    if (!loud) {
      loud = floor >= ROOM_NOISE.onDbfs;
      quietBlocks = 0;
      return;
    }
    quietBlocks = floor < ROOM_NOISE.offDbfs ? quietBlocks + 1 : 0;
    if (quietBlocks >= offHoldBlocks && level < ROOM_NOISE.offDbfs) loud = false;
  };

  return {
    push(samples) {
      for (let i = 0; i < samples.length; i++) {
        energy += samples[i]! * samples[i]!;
        if (++inBlock < blockSamples) continue;
        judge(10 * Math.log10(Math.max(energy / blockSamples, 1e-3) / 32768 ** 2));
        energy = 0;
        inBlock = 0;
      }
    },
    get loud() {
      return loud;
    },
    floorDbfs: () => floor,
  };
}
