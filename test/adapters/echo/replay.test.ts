/**
 * The echo step's replay after a move of the delay (`echo/replay.ts`): a filter that learnt the room at
 * one delay, moved to another where the same room is heard (a device re-buffered), cancels the echo of
 * what played before the move only once the microphone's last half second has been run through it again
 * at the new delay; and the replay says how much it then cancels.
 */
import { describe, expect, it } from 'vitest';
import { createEchoCanceller } from '../../../adapters/echo/canceller.js';
import { replayEchoErleDb } from '../../../adapters/echo/replay.js';
import { createEchoPath } from '../../../sim/echo-path.js';
import { energyOf, lcg, speechLike } from '../../support/speech-like.js';

const RATE = 16_000;
const BLOCK = 320;
const MARGIN = 480;

/**
 * A filter learns the room for 5 s of replies at 1.4 s; a second reply's echo comes back at 0.3 s (the
 * same room), the filter is fed the old alignment's (silent) reference until 120 ms into that echo, then
 * moved, with or without the replay. Returns the replay's ERLE and the ERLE of the next 300 ms.
 */
function moveAndMeasure(replay: boolean) {
  const reference = new Int16Array(9 * RATE);
  reference.set(speechLike(5, 1));
  const secondAt = 7 * RATE;
  reference.set(speechLike(2, 2), secondAt);
  const played = (from: number, count: number) =>
    Int16Array.from({ length: count }, (_, i) => reference[from + i] ?? 0);
  const read = (start: number, out: Int16Array) => out.set(played(start, out.length));
  const rooms = [1400, 300].map((delayMs) =>
    createEchoPath({ sampleRateHz: RATE, delayMs, gainDb: -6, reverbMs: 400, seed: 5 }),
  );
  const canceller = createEchoCanceller({ sampleRateHz: RATE, blockSamples: BLOCK, tailMs: 500 });
  const noise = lcg(3);
  const history = new Int16Array(RATE / 2);
  const ref = new Int16Array(BLOCK);
  const late = new Int16Array(BLOCK);
  const out = new Int16Array(BLOCK);
  let aligned = 1.4 * RATE - MARGIN;
  const moveAt = secondAt + 0.42 * RATE;
  let replayed: number | undefined;
  let micAfter = 0;
  let outAfter = 0;
  for (let start = 0; start + BLOCK <= 8 * RATE; start += BLOCK) {
    const room = start < secondAt ? rooms[0]! : rooms[1]!;
    const mic = Int16Array.from(room.render(played, start, BLOCK), (x) => Math.round(x + (noise() * 2 - 1) * 30));
    history.copyWithin(0, BLOCK);
    history.set(mic, history.length - BLOCK);
    if (start === moveAt) {
      aligned = 0.3 * RATE - MARGIN;
      const before = history.subarray(0, history.length - BLOCK);
      if (replay)
        replayed = replayEchoErleDb({
          canceller,
          mic: before,
          micEnd: start,
          reference: { read },
          alignedSamples: aligned,
          noiseEnergy: 300,
        });
    }
    read(start - aligned, ref);
    read(start - aligned - canceller.lateOffsetSamples!, late);
    canceller.cancel(mic, ref, out, late);
    if (start >= moveAt && start < moveAt + 0.3 * RATE) {
      micAfter += energyOf(mic);
      outAfter += energyOf(out);
    }
  }
  canceller.close();
  return { replayed, afterDb: 10 * Math.log10(micAfter / outAfter) };
}

describe('echo replay after a move', () => {
  it(
    'cancels the echo right after a move between two delays of the same room only with the replay, and ' +
      'measures it',
    () => {
      const without = moveAndMeasure(false);
      const withReplay = moveAndMeasure(true);
      expect(withReplay.replayed).toBeGreaterThan(18);
      expect(withReplay.afterDb).toBeGreaterThan(without.afterDb + 6);
      expect(withReplay.afterDb).toBeGreaterThan(18);
    },
  );
});
