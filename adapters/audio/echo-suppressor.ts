/**
 * Echo suppressor: the non-linear stage after the echo canceller's linear filter. An adaptive filter
 * needs a few seconds of the agent's speech to learn the room, and until then much of the echo passes —
 * enough for the VAD to hear the agent and interrupt it. The suppressor closes that gap.
 *
 * While the agent speaks (the reference was active within the echo tail), each block's echo return loss
 * enhancement (ERLE: microphone energy over the canceller's output) tells echo from the user:
 *
 * - echo alone: the canceller removes most of it, ERLE is high (20–40 dB once converged);
 * - the user talking over the agent (a barge-in): the canceller cannot remove the user's voice, ERLE
 *   falls to a few dB.
 *
 * The canceller's typical ERLE is the median over the last seconds of the agent's speech (1 s while
 * learning, 3 s once converged: robust to the short barge-ins). Until it reaches `convergedErleDb` the
 * canceller is still learning and every block counts as echo (half duplex: right after start-up the
 * agent cannot be interrupted for the first ~3 s of its speech). Once converged, a block holds the user's voice when, for two blocks in a row,
 * its ERLE is `marginDb` or more below the typical one (but not negative: an output louder than the
 * microphone is the canceller's own misadjustment) and it is clearly above the room's noise. Only those
 * pass; everything else while the agent speaks is echo.
 *
 * Echo blocks are replaced by comfort noise: a block of the room's own noise floor, recorded while the
 * agent was silent, replayed at a random offset and polarity — never silence, nor the echo turned down.
 * A VAD that hears digital silence lowers its noise model, and the room's noise coming back then sounds
 * like speech to it; an attenuated echo keeps the shape of speech.
 *
 * @example
 * ```ts
 * const suppressor = createEchoSuppressor({ sampleRateHz: 16_000, blockSamples: 320, tailMs: 250 });
 * canceller.cancel(mic, reference, out);
 * suppressor.process(mic, reference, out); // replaces `out` by comfort noise when it holds only echo
 * ```
 */

export interface EchoSuppressorOptions {
  sampleRateHz: number;
  blockSamples: number;
  /** How long after a reference block its echo can still be heard (the canceller's tail). */
  tailMs: number;
  /** Why 12 dB: a learning canceller removes a few dB; a converged one 20 dB and more. */
  convergedErleDb?: number;
  /** Why 10 dB: echo blocks scatter a few dB around the median ERLE; the user's voice falls 20 dB and more below it. */
  marginDb?: number;
}

export interface EchoSuppressor {
  /** Replaces `out` (the canceller's output for `mic`) in place by comfort noise if it holds only echo of `reference`. */
  process(mic: Int16Array, reference: Int16Array, out: Int16Array): void;
  /** Whether the last block passed (true) or was taken for echo (false). */
  lastPassed(): boolean;
  /** The canceller's typical ERLE in dB over the last seconds of the agent's speech (undefined before any). */
  typicalErleDb(): number | undefined;
  /** Whether the canceller has converged: the user can interrupt the agent (until then, half duplex). */
  converged(): boolean;
}

/** Why -55 dBFS: the agent's speech is far above it; the pauses of synthetic speech are far below. */
const ACTIVE_DBFS = -55;
/**
 * The typical ERLE is the median over the last 150 blocks (3 s of the agent's speech at 20 ms) once
 * converged — a barge-in's half second cannot move it — but over the last 50 (1 s) while still learning,
 * so half duplex ends about a second after the canceller has converged, not three.
 */
const WINDOW_BLOCKS = 150;
const LEARNING_WINDOW_BLOCKS = 50;
/** Why 25 blocks (0.5 s of audible echo): fewer give no median worth trusting; until then, half duplex. */
const MIN_HISTORY = 25;
/**
 * The noise floor is the 5th percentile of the output's block energies over the last 250 blocks (5 s)
 * while the agent was silent: the user may talk through most of that time (a session that starts with a
 * command), but not without pauses; and one odd block (a dropout) does not set it.
 */
const FLOOR_WINDOW_BLOCKS = 250;
const FLOOR_PERCENTILE = 0.05;
/** Why every 5 blocks: the floor and the typical ERLE move over seconds; sorting on every block would cost for nothing. */
const RECOMPUTE_EVERY = 5;
/** A block within 3 dB of the noise floor while the agent is silent is noise: it becomes the comfort noise. */
const NOISE_BLOCK_DB = 3;
/** Why 6 dB: the user's voice is clearly above the room's noise; the canceller's leftovers at noise level are not a voice. */
const VOICE_ABOVE_FLOOR_DB = 6;
/** ERLE is measured only on blocks where the microphone is 10 dB above the floor: below that, noise decides it. */
const AUDIBLE_ECHO_DB = 10;
const FULL_SCALE_ENERGY = 32768 * 32768;

const energyOf = (block: Int16Array) => {
  let sum = 0;
  for (let i = 0; i < block.length; i++) sum += block[i]! * block[i]!;
  return sum / block.length;
};
const db = (ratio: number) => 10 * Math.log10(ratio);

const scratch: number[] = [];
/** The `p` quantile of `values` (a few hundred at most: sorting a copy is cheap). */
function percentile(values: readonly number[], p: number): number {
  scratch.length = 0;
  scratch.push(...values);
  scratch.sort((a, b) => a - b);
  return scratch[Math.floor(p * (scratch.length - 1))]!;
}

export function createEchoSuppressor(options: EchoSuppressorOptions): EchoSuppressor {
  const { sampleRateHz, blockSamples } = options;
  const convergedErleDb = options.convergedErleDb ?? 12;
  const marginDb = options.marginDb ?? 10;
  const activeEnergy = FULL_SCALE_ENERGY * 10 ** (ACTIVE_DBFS / 10);
  // The reference blocks whose echo may be in the current block: this one and the tail before it.
  const tailBlocks = Math.ceil((options.tailMs * sampleRateHz) / 1000 / blockSamples) + 1;
  const recent = new Float64Array(tailBlocks);
  let recentAt = 0;
  /** Per-block ERLE (dB) of audible blocks while the agent spoke, oldest first. */
  const erles: number[] = [];
  /** Output energies of the last blocks while the agent was silent, for the noise floor. */
  const quiet: number[] = [];
  let floorEnergy = 0;
  let sinceFloor = RECOMPUTE_EVERY;
  let usual: number | undefined;
  let converged = false;
  let sinceUsual = RECOMPUTE_EVERY;
  /** The room's noise floor, recorded while the agent was silent. */
  const noise = new Int16Array(blockSamples);
  const comfort = new Int16Array(blockSamples);
  // Numerical Recipes LCG for the comfort noise's offset and polarity: no Math.random, runs repeat.
  let seed = 1;
  let gain = 1;
  let previousVoiceLike = false;

  const fillComfort = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const offset = seed % blockSamples;
    const sign = seed & 0x8000 ? 1 : -1;
    for (let i = 0; i < blockSamples; i++) comfort[i] = sign * noise[(i + offset) % blockSamples]!;
    return comfort;
  };

  return {
    lastPassed: () => gain === 1,
    typicalErleDb: () => usual,
    converged: () => converged,
    process(mic, reference, out) {
      recent[recentAt] = energyOf(reference);
      recentAt = (recentAt + 1) % tailBlocks;
      let envelope = 0;
      for (let i = 0; i < tailBlocks; i++) envelope = Math.max(envelope, recent[i]!);
      const outEnergy = energyOf(out);
      let next = 1;
      if (envelope < activeEnergy) {
        quiet.push(outEnergy);
        if (quiet.length > FLOOR_WINDOW_BLOCKS) quiet.shift();
        previousVoiceLike = false;
        if (++sinceFloor >= RECOMPUTE_EVERY || quiet.length < RECOMPUTE_EVERY) {
          sinceFloor = 0;
          floorEnergy = percentile(quiet, FLOOR_PERCENTILE);
        }
        if (outEnergy <= floorEnergy * 10 ** (NOISE_BLOCK_DB / 10)) noise.set(out);
      } else {
        const micEnergy = energyOf(mic);
        const erleDb = db((micEnergy + 1) / (outEnergy + 1));
        // The user's voice is in the microphone and passes the canceller: the output is quieter than the
        // microphone (ERLE ≥ 0; a louder output is the canceller's own misadjustment), clearly above the
        // room's noise, and far less cancelled than echo usually is; for two blocks in a row, so one odd
        // block never opens the path.
        const voiceLike = converged && erleDb >= 0 && erleDb < usual! - marginDb && outEnergy > floorEnergy * 10 ** (VOICE_ABOVE_FLOOR_DB / 10);
        const user = voiceLike && previousVoiceLike;
        previousVoiceLike = voiceLike;
        if (micEnergy > floorEnergy * 10 ** (AUDIBLE_ECHO_DB / 10)) {
          erles.push(erleDb);
          if (erles.length > WINDOW_BLOCKS) erles.shift();
          if (erles.length >= MIN_HISTORY && ++sinceUsual >= RECOMPUTE_EVERY) {
            sinceUsual = 0;
            usual = percentile(converged ? erles : erles.slice(-LEARNING_WINDOW_BLOCKS), 0.5);
            converged = usual >= convergedErleDb;
          }
        }
        if (!user) next = 0;
      }
      // Ramp from the last block's gain (a step would click), filling what is taken away with comfort noise.
      const from = gain;
      gain = next;
      if (from === 1 && next === 1) return;
      const filler = fillComfort();
      const step = (next - from) / out.length;
      for (let i = 0; i < out.length; i++) {
        const g = from + step * (i + 1);
        out[i] = Math.round(out[i]! * g + filler[i]! * (1 - g));
      }
    },
  };
}
