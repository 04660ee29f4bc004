/**
 * One room of the echo matrix (bench/echo-matrix.ts), its name, and the closed loop's options for it
 * (sim/echo-loop.ts), in a file of their own so the doc tables (bench/echo-overlap-table.ts) can name a
 * row without loading the closed loop, and the echo tests run the bench's rooms.
 *
 * @example
 * ```ts
 * cellName({ delay: 'jump', rt60Ms: 600, speakerOverUserDb: 10, client: 'bus-16k' });
 * // '300↔1400 ms, RT60 600, +10 dB, bus-16k'
 * const result = await runEchoLoop(loopOptions(cell, 6, 3, false));
 * ```
 */
import type { EchoCancellerKind } from '../adapters/audio/input-conditioner.js';
import type { EchoLoopOptions } from './echo-loop.js';

export interface EchoCell {
  delay: number | 'jump';
  rt60Ms: number;
  speakerOverUserDb: number;
  client: 'bus-16k' | 'bus-24k' | 'realtime-24k';
}

/** A `jump` cell's delays, ms: one per reply in turn (the device re-buffers while the agent is silent). */
export const JUMP_DELAYS_MS = [300, 1400] as const;
/** Why 1 ms: a dense enough noise tail for RT60 600 ms, cheap enough for the loop. */
export const CELL_TAIL_TAP_MS = 1;

export const cellName = (c: EchoCell) =>
  `${c.delay === 'jump' ? '300↔1400' : c.delay} ms, RT60 ${c.rt60Ms}, ` +
  `${c.speakerOverUserDb >= 0 ? '+' : ''}${c.speakerOverUserDb} dB, ${c.client}`;

/** The loop's options for a cell (`before`: a server with no per-session switch for Realtime clients). */
export function loopOptions(
  cell: EchoCell,
  replies: number,
  bargeIns: number,
  before: boolean,
  tailMs?: number,
  canceller?: EchoCancellerKind,
): EchoLoopOptions {
  const realtime = cell.client === 'realtime-24k';
  const audio = { ...(tailMs ? { echoTailMs: tailMs } : {}), ...(canceller ? { echoCanceller: canceller } : {}) };
  return {
    echoCancel: realtime && !before ? 'auto' : 'on',
    delayMs: cell.delay === 'jump' ? JUMP_DELAYS_MS : cell.delay,
    reverbMs: cell.rt60Ms,
    tailTapMs: CELL_TAIL_TAP_MS,
    speakerOverUserDb: cell.speakerOverUserDb,
    clientRateHz: cell.client === 'bus-16k' ? 16_000 : 24_000,
    ...(realtime ? { path: 'realtime' as const, noiseReduction: { type: 'far_field' as const } } : {}),
    replies,
    bargeIns,
    ...(tailMs || canceller ? { audio } : {}),
  };
}
