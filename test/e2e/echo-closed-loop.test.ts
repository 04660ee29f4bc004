/**
 * The agent's own voice comes back into its microphone (a robot's speaker next to its microphone): the
 * local stack from the engine pool, on the simulated clock, with the speaker output fed back through a
 * simulated room — 40 to 120 ms delay, -6 dB, a 150 ms reverberant tail — while a user (other flite
 * voices) gives commands and talks over the long greeting (see sim/echo-loop.ts).
 *
 * Without echo cancellation the agent interrupts itself (and answers its own echo); with it, no reply
 * is cut short over 20 replies, every command is heard as said, and every real barge-in stops the reply.
 * Where no echo comes back at all, the canceller must not get in the user's way either.
 */
import { describe, expect, it } from 'vitest';
import { runEchoLoop } from '../../sim/echo-loop.js';

/**
 * Why 300 s: a hang guard, not a timing check. The loop is CPU-bound on the simulated clock (engines, the
 * simulated room, the stop spotter on every microphone frame: half the CPU), 40 s (the headset's 6
 * replies) to 100 s (20 replies) of CPU each, and a loaded CI machine gives it half a core or less.
 */
const LOOP_TIMEOUT_MS = 300_000;

describe('echo closed loop', () => {
  it(
    'without echo cancellation, the echo of its own replies makes the agent interrupt itself',
    async () => {
      const result = await runEchoLoop({ echoCancel: 'off', delayMs: 80, replies: 6, bargeIns: 0 });
      console.log(
        `echo cancellation off: ${result.falseBargeIns} false barge-ins, ${result.falseSpeechStarts} false ` +
          `speech starts over ${result.replies} replies`,
      );
      expect(result.falseBargeIns).toBeGreaterThan(0);
    },
    LOOP_TIMEOUT_MS,
  );

  it.each([40, 120])(
    'with echo cancellation (%i ms delay): no false barge-in over 20 replies, every real barge-in stops the reply',
    async (delayMs) => {
      // The stop spotter off in these two only: they count echo barge-ins over 20 replies each, and the
      // spotter is half of their CPU; the case without a canceller above and the echo matrix run it as shipped.
      const halfDuplex: Array<{ fromMs: number; durationMs: number }> = [];
      const replyStarts: number[] = [];
      const result = await runEchoLoop({
        echoCancel: 'on',
        delayMs,
        replies: 20,
        bargeIns: 5,
        stopSpotter: false,
        onMessage: (m) => {
          if (m.type === 'session.notice' && m.code === 'echo_half_duplex')
            halfDuplex.push({ fromMs: m.fromMs, durationMs: m.durationMs });
          if (m.type === 'playback.started' && m.kind !== 'filler') replyStarts.push(m.atMs);
        },
      });
      console.log(
        `echo cancellation on, ${delayMs} ms: ${result.falseBargeIns} false barge-ins, ` +
          `${result.falseSpeechStarts} false speech starts over ${result.replies} replies; ` +
          `${result.bargeInsStopped}/${result.bargeInsAttempted} barge-ins stopped the reply ` +
          `(${result.simulatedSeconds} s simulated)`,
      );
      expect(result.replies).toBeGreaterThanOrEqual(20);
      expect(result.falseBargeIns).toBe(0);
      expect(result.falseSpeechStarts).toBe(0);
      expect(result.commandTranscripts).toEqual(result.commands);
      expect(result.bargeInsStopped).toBe(result.bargeInsAttempted);
      // The filter learns each room over the agent's first replies there, half duplex meanwhile (told as
      // echo_half_duplex, not silent); then a dozen replies and more are spoken full duplex.
      expect(halfDuplex.length, JSON.stringify(halfDuplex)).toBeGreaterThan(0);
      expect(halfDuplex[0]!.fromMs).toBeGreaterThanOrEqual(replyStarts[0]!);
      expect(halfDuplex.every((span) => span.durationMs > 0)).toBe(true);
      expect(halfDuplex.filter((span) => span.fromMs >= replyStarts[3]! && span.fromMs <= replyStarts[20]!)).toEqual(
        [],
      );
    },
    LOOP_TIMEOUT_MS,
  );

  it(
    'with echo cancellation on but no echo coming back (a headset), the user still interrupts every time',
    async () => {
      const result = await runEchoLoop({ echoCancel: 'on', delayMs: 80, echoGainDb: -90, replies: 6, bargeIns: 5 });
      console.log(
        `echo cancellation on, no echo: ${result.falseBargeIns} false barge-ins; ` +
          `${result.bargeInsStopped}/${result.bargeInsAttempted} barge-ins stopped the reply`,
      );
      expect(result.falseBargeIns).toBe(0);
      expect(result.commandTranscripts).toEqual(result.commands);
      expect(result.bargeInsStopped).toBe(result.bargeInsAttempted);
    },
    LOOP_TIMEOUT_MS,
  );
});
