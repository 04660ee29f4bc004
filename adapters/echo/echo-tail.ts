/**
 * The agent's speech over the echo tail, block by block, as the echo suppressor judges it: the reference's
 * energy in the blocks whose echo may be in the current one, its decaying envelope, and how loud the
 * microphone was where it held only that echo.
 *
 * The envelope holds the reference's peak for `holdBlocks` (the echo can come that much after the aligned
 * reference), then decays 60 dB over the rest of the tail: no echo the tail covers outlasts that.
 *
 * @example
 * ```ts
 * const tail = createEchoTail(14, 5);
 * tail.push(energyOf(referenceBlock));
 * const speaking = tail.peak() >= activeEnergy;
 * const overEchoDb = 10 * Math.log10((energyOf(micBlock) + 1) / (tail.envelope() + 1));
 * tail.close(speaking ? energyOf(micBlock) : 0); // the block's echo level; the next block begins
 * ```
 */
export interface EchoTail {
  /** The current block's reference energy (first, for each block). */
  push(referenceEnergy: number): void;
  /** The loudest reference block of the tail: the agent spoke within it when that is over the active level. */
  peak(): number;
  /** The reference's decaying envelope at the current block. */
  envelope(): number;
  /** The same at the last closed block. */
  lastEnvelope(): number;
  /** The loudest microphone energy among the tail's echo blocks. */
  echoPeak(): number;
  /** Ends the current block with the microphone energy it held of echo (0: the user's voice, or silence). */
  close(echoLevel: number): void;
}

/** A tail of `tailBlocks` blocks, the envelope held at its peak for `holdBlocks` of them (at most all but one). */
export function createEchoTail(tailBlocks: number, holdBlocks: number): EchoTail {
  const recent = new Float64Array(tailBlocks);
  const echoLevels = new Float64Array(tailBlocks);
  let at = 0;
  const hold = Math.min(holdBlocks, tailBlocks - 1);
  const decayPerBlock = 10 ** (-60 / 10 / (tailBlocks - hold));
  /** The envelope with `newest` the current block: each older block's energy decayed by its age. */
  const envelopeAt = (newest: number) => {
    let envelope = 0;
    let weight = 1;
    for (let age = 0; age < tailBlocks; age++) {
      envelope = Math.max(envelope, recent[(newest - age + tailBlocks) % tailBlocks]! * weight);
      if (age >= hold) weight *= decayPerBlock;
    }
    return envelope;
  };
  const max = (values: Float64Array) => {
    let peak = 0;
    for (let i = 0; i < tailBlocks; i++) peak = Math.max(peak, values[i]!);
    return peak;
  };
  return {
    push(referenceEnergy) {
      recent[at] = referenceEnergy;
    },
    peak: () => max(recent),
    envelope: () => envelopeAt(at),
    lastEnvelope: () => envelopeAt((at - 1 + tailBlocks) % tailBlocks),
    echoPeak: () => max(echoLevels),
    close(echoLevel) {
      echoLevels[at] = echoLevel;
      at = (at + 1) % tailBlocks;
    },
  };
}
