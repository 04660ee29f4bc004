/**
 * The user talks while the robot talks, with echo cancellation on (the echo closed loop's third phase,
 * sim/echo-overlap.ts, on the simulated clock, so runs repeat exactly): on the Realtime path, a
 * client whose microphone hears the reply 100 ms later with reflections (RT60 300 ms), a command early in
 * a reply must cut it, and "stop" must fire the emergency stop; on the bus device path, a command during an
 * action's spoken outcome ("Arrived at the kitchen.") and right after a reply ends, and with the speaker 10 dB
 * over the user, "stop" 0.8 s into a reply must fire the emergency stop. Recordings of real
 * people (`../shared/speech/human`) are used when present; absent, those cases say so and are skipped.
 * Asserted: which reply was cut and that the e-stop came, by ids and order, never timing.
 */
import { describe, expect, it } from 'vitest';
import { loadHumanSpeech } from '../../sim/human-speech.js';
import { loopOptions, type EchoCell } from '../../sim/echo-cell.js';
import { runEchoLoop } from '../../sim/echo-loop.js';
import { momentName, overlapCases, type OverlapCase } from '../../sim/echo-overlap.js';

const REALTIME: EchoCell = { delay: 100, rt60Ms: 300, speakerOverUserDb: 0, client: 'realtime-24k' };
const BUS: EchoCell = { delay: 300, rt60Ms: 400, speakerOverUserDb: 0, client: 'bus-16k' };
const LOUD_SPEAKER: EchoCell = { ...BUS, speakerOverUserDb: 10 };
const human = loadHumanSpeech();

async function run(cell: EchoCell, cases: OverlapCase[]) {
  const result = await runEchoLoop({ ...loopOptions(cell, 2, 0, false), overlaps: cases });
  console.log(
    result.overlaps
      .map(
        (o) =>
          `${o.voice} ${o.utterance} @ ${momentName(o.moment)}: ${o.result} (${o.said} over ${o.replyTurnId}, heard ` +
          `"${o.transcript ?? ''}")`,
      )
      .join('\n'),
  );
  // Talking over the robot never made it cut a reply of its own accord before: the first phase's replies.
  expect(result.falseBargeIns).toBe(0);
  return result.overlaps;
}

describe('the user over the robot, echo cancellation on', () => {
  it('Realtime path, 100 ms echo: a command 0.8 s into a reply cuts it, "stop" 0.8 s in fires the e-stop', async () => {
    const outcomes = await run(REALTIME, overlapCases({ moments: [{ intoReplyMs: 800 }], voices: ['synthetic'] }));
    expect(outcomes.map((o) => [o.utterance, o.result])).toEqual([
      ['command', 'heard'],
      ['stop', 'heard'],
    ]);
  }, 180_000);

  it.skipIf(!human.available)(
    `Realtime path, 100 ms echo: real people's commands and stops 0.8 s into a ` +
      `reply${human.available ? '' : ` (skipped: ${human.reason})`}`,
    async () => {
      const outcomes = await run(REALTIME, overlapCases({ moments: [{ intoReplyMs: 800 }], voices: ['human'] }));
      expect(outcomes.map((o) => [o.utterance, o.result])).toEqual([
        ['command', 'heard'],
        ['stop', 'heard'],
      ]);
    },
    180_000,
  );

  it(
    'bus device, the speaker 10 dB over the user: "stop" 0.8 s into a reply fires the e-stop, from ' + 'the spotter',
    async () => {
      // Heard by the spotter's search of the linear filter's output before the residual suppressor, which
      // carves the bands it takes for echo out of the user's "stop" (lost here when only its output was searched).
      const outcomes = await run(
        LOUD_SPEAKER,
        overlapCases({ moments: [{ intoReplyMs: 800 }], utterances: ['stop'], voices: ['synthetic'] }),
      );
      expect(outcomes.map((o) => [o.utterance, o.result, o.estoppedBy])).toEqual([['stop', 'heard', 'spotter']]);
    },
    180_000,
  );

  it(
    "bus device, 300 ms echo: a command during an action's spoken outcome cuts it; one right after a " +
      'reply is heard',
    async () => {
      const outcomes = await run(
        BUS,
        overlapCases({ moments: ['follow-up', 'after-reply'], utterances: ['command'], voices: ['synthetic'] }),
      );
      expect(outcomes.map((o) => [momentName(o.moment), o.result])).toEqual([
        ['follow-up', 'heard'],
        ['after-reply', 'heard'],
      ]);
      // The outcome cut is the action's own reply (turn f<n>), not the command's.
      expect(outcomes[0]!.replyTurnId).toMatch(/^f\d+$/);
    },
    180_000,
  );
});
