/**
 * The echo matrix's CI subset (the whole matrix: bench/echo-matrix.ts, docs/echo.md): the local stack
 * hearing its own replies through rooms the base test does not cover — a delay beyond the filter's tail
 * (found and aligned by the delay estimator), a long reverberation (RT60 600 ms: a noise impulse
 * response), the speaker louder and quieter than the user, a 24 kHz device, and a Realtime client that
 * turned echo cancellation on for itself (`noise_reduction: far_field`, `audio.echoCancel: auto`).
 * No reply may be cut short while the user is silent; every real barge-in must stop the reply.
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
  [
    '600 ms delay, RT60 600 ms, speaker ' + '10 dB louder than the user, bus 16 ' + 'kHz',
    { delay: 600, rt60Ms: 600, speakerOverUserDb: 10, client: 'bus-16k' },
    12,
  ],
  [
    '40 ms delay, RT60 200 ms, speaker 6 ' + 'dB quieter, bus 24 kHz',
    { delay: 40, rt60Ms: 200, speakerOverUserDb: -6, client: 'bus-24k' },
    12,
  ],
];

describe('echo matrix (CI subset)', () => {
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
