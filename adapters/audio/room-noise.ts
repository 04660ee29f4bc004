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
 * - **On at a floor of −42 dBFS**, chosen on the noise bench (`npm run bench -- --scenario noise`): at
 *   −36 dBFS a fan already holds the VAD in speech 26 % of a minute after the high-pass (0 % with RNNoise),
 *   at −26 dBFS white, pink and fan noise hold it 100 %; 6 dB under the lowest level that harmed.
 * - **Off under −48 dBFS, for 1 s, in a quiet block**: 6 dB and a second of hysteresis, so a floor near the
 *   line, or a fan that pauses, does not switch RNNoise (which restarts at each switch) every second;
 *   switched off only in a pause, never inside a word.
 * - **A one-second window**: longer than a word said after a pause, so a word alone never reads as the
 *   room; a room's noise lasts seconds.
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

/** The gauge's switching points (see the list above). */
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

/**
 * The gauge's phases: `filling` (the first second, `blocks` of it heard: no verdict yet), then `quiet`
 * or `loud` with the floor of the last second; `loud` counts the blocks in a row with the floor under the
 * off level (`quietBlocks`).
 */
type RoomNoisePhase =
  | { readonly name: 'filling'; blocks: number }
  | { readonly name: 'quiet'; readonly floor: number }
  | { readonly name: 'loud'; readonly floor: number; readonly quietBlocks: number };

/** The gauge's state: the last second's blocks, the block being summed, and the phase. */
interface RoomNoiseState {
  readonly blockSamples: number;
  readonly offHoldBlocks: number;
  /** Compared as mean squares, so no logarithm per block: dBFS only when the floor is asked for. */
  readonly onEnergy: number;
  readonly offEnergy: number;
  /** The last second's block mean squares (ring, next at `next`). */
  readonly energies: Float64Array;
  next: number;
  /** The block being summed: its sum of squares and its samples so far. */
  sum: number;
  inBlock: number;
  phase: RoomNoisePhase;
}

function initialRoomNoise(sampleRateHz: number): RoomNoiseState {
  return {
    blockSamples: Math.round((sampleRateHz * ROOM_NOISE.blockMs) / 1000),
    offHoldBlocks: ROOM_NOISE.offHoldMs / ROOM_NOISE.blockMs,
    onEnergy: energyOfDbfs(ROOM_NOISE.onDbfs),
    offEnergy: energyOfDbfs(ROOM_NOISE.offDbfs),
    energies: new Float64Array(ROOM_NOISE.windowMs / ROOM_NOISE.blockMs),
    next: 0,
    sum: 0,
    inBlock: 0,
    phase: { name: 'filling', blocks: 0 },
  };
}

/** A whole block's mean square: the floor of the last second, and whether the room is loud now. */
function judgeBlock(state: RoomNoiseState, energy: number): void {
  const { energies, phase } = state;
  energies[state.next] = energy;
  state.next = (state.next + 1) % energies.length;
  // A full window before the first verdict: the first blocks of a stream are not yet a room.
  if (phase.name === 'filling' && ++phase.blocks < energies.length) return;
  let floor = energies[0]!;
  for (let k = 1; k < energies.length; k++) if (energies[k]! < floor) floor = energies[k]!;
  if (phase.name !== 'loud') {
    state.phase = floor >= state.onEnergy ? { name: 'loud', floor, quietBlocks: 0 } : { name: 'quiet', floor };
    return;
  }
  const quietBlocks = floor < state.offEnergy ? phase.quietBlocks + 1 : 0;
  // Off only after a second under the off level, and in a quiet block: never inside a word.
  const off = quietBlocks >= state.offHoldBlocks && energy < state.offEnergy;
  state.phase = off ? { name: 'quiet', floor } : { name: 'loud', floor, quietBlocks };
}

export function createRoomNoiseGauge({ sampleRateHz }: { sampleRateHz: number }): RoomNoiseGauge {
  const state = initialRoomNoise(sampleRateHz);
  return {
    push(samples) {
      for (let i = 0; i < samples.length; i++) {
        state.sum += samples[i]! * samples[i]!;
        if (++state.inBlock < state.blockSamples) continue;
        judgeBlock(state, state.sum / state.blockSamples);
        state.sum = 0;
        state.inBlock = 0;
      }
    },
    get loud() {
      return state.phase.name === 'loud';
    },
    floorDbfs() {
      const { phase } = state;
      return phase.name === 'filling' ? -Infinity : 10 * Math.log10(Math.max(phase.floor, 1e-3) / FULL_SCALE_ENERGY);
    },
  };
}
