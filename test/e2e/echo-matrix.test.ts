/**
 * The echo matrix's CI cell (the whole matrix: bench/echo-matrix.ts, `npm run bench -- --scenario echo`,
 * docs/echo.md): the local stack hearing its own replies through a room the base test does not cover — a
 * delay beyond the filter's tail (found and aligned by the delay estimator), RT60 400 ms, and a Realtime
 * client that turned echo cancellation on for itself (`noise_reduction: far_field`, `audio.echoCancel:
 * auto`). No reply may be cut short while the user is silent; every real barge-in must stop the reply.
 * Why one cell: each costs about a minute of CPU; the louder speaker, the 600 ms reverberation and the
 * 24 kHz device run in the bench's matrix.
 */
import { describe, expect, it } from 'vitest';
import { loopOptions, type EchoCell } from '../../sim/echo-cell.js';
import { runEchoLoop } from '../../sim/echo-loop.js';

const CELLS: Array<[string, EchoCell, number]> = [
  [
    '300 ms delay, RT60 400 ms, ' + 'Realtime client with far_field',
    { delay: 300, rt60Ms: 400, speakerOverUserDb: 0, client: 'realtime-24k' },
    12,
  ],
];

describe('echo matrix (CI cell)', () => {
  it.each(CELLS)(
    '%s: no false barge-in, every real barge-in stops the reply',
    async (_name, cell, replies) => {
      const result = await runEchoLoop(loopOptions(cell, replies, 3, false));
      console.log(
        `${_name}: ${result.falseBargeIns} false barge-ins over ${result.replies} replies, ` +
          `${result.bargeInsStopped}/${result.bargeInsAttempted} barge-ins stopped; delay ` +
          `${JSON.stringify(result.echoDelay)}`,
      );
      // The delay estimator found the room's delay (its alignment margin is 30 ms).
      expect(Math.abs((result.echoDelay?.estimatedMs ?? 0) - (cell.delay as number))).toBeLessThan(5);
      expect(result.replies).toBeGreaterThanOrEqual(replies);
      expect(result.falseBargeIns).toBe(0);
      expect(result.bargeInsStopped).toBe(result.bargeInsAttempted);
    },
    // A hang guard, not a timing check: a cell is CPU-bound on the simulated clock (about a minute on a quiet 2-core
    // machine).
    300_000,
  );
});
