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

import { energyOfDbfs, FULL_SCALE_ENERGY } from './levels.js';

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
  // Compared as mean squares, so no logarithm per block: dBFS only when the floor is asked for.
  const [onEnergy, offEnergy] = [energyOfDbfs(ROOM_NOISE.onDbfs), energyOfDbfs(ROOM_NOISE.offDbfs)];
  /** The last second's block mean squares, a ring. */
  const energies = new Float64Array(windowBlocks);
  let next = 0;
  let blocks = 0;
  let sum = 0;
  let inBlock = 0;
  let loud = false;
  let quietBlocks = 0;
  /** The quietest block of the last second; undefined before a whole second was heard. */
  let floor: number | undefined;

  const judge = (energy: number) => {
    energies[next] = energy;
    next = (next + 1) % windowBlocks;
    // A full window before the first verdict: the first blocks of a stream are not yet a room.
    if (++blocks < windowBlocks) return;
    let quietest = energies[0]!;
    for (let k = 1; k < windowBlocks; k++) if (energies[k]! < quietest) quietest = energies[k]!;
    floor = quietest;
    if (!loud) {
      loud = quietest >= onEnergy;
      quietBlocks = 0;
      return;
    }
    quietBlocks = quietest < offEnergy ? quietBlocks + 1 : 0;
    if (quietBlocks >= offHoldBlocks && energy < offEnergy) loud = false;
  };

  return {
    push(samples) {
      for (let i = 0; i < samples.length; i++) {
        sum += samples[i]! * samples[i]!;
        if (++inBlock < blockSamples) continue;
        judge(sum / blockSamples);
        sum = 0;
        inBlock = 0;
      }
    },
    get loud() {
      return loud;
    },
    floorDbfs: () => (floor === undefined ? -Infinity : 10 * Math.log10(Math.max(floor, 1e-3) / FULL_SCALE_ENERGY)),
  };
}
