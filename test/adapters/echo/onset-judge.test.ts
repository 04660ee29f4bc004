/**
 * The echo step's onset judge on synthetic signals: a reply (speech-like noise) starts after a pause, its
 * echo comes back through a reverberant room at a delay the step no longer knows, and the user may start
 * talking before that echo does. Held, the judge finds the echo at the one delay the quiet before it left
 * (to the sample), and tells the user from it while the echo is still on its way.
 */
import { describe, expect, it } from 'vitest';
import { createEchoOnsetJudge, type EchoOnsetVerdict } from '../../../adapters/echo/onset-judge.js';
import { createEchoPath } from '../../../sim/echo-path.js';
import { energyOf, lcg, speechLike } from '../../support/speech-like.js';

const RATE = 16_000;
const BLOCK = 320;
const NOISE = 30;

/**
 * A reply from 1 s on, echoed at `delayMs`, and (optionally) the user from `userAtMs`; every block pushed
 * held, as the echo step does while the delay is being found again. Returns the verdicts with their time.
 */
function judge(
  delayMs: number,
  options: { userAtMs?: number; userSeconds?: number; holdFromMs?: number; seconds?: number; known?: number[] } = {},
) {
  const seconds = options.seconds ?? 3;
  const reference = new Int16Array(seconds * RATE);
  reference.set(speechLike(seconds - 1, 3), RATE);
  const user = new Int16Array(seconds * RATE);
  if (options.userAtMs !== undefined)
    user.set(speechLike(options.userSeconds ?? 0.5, 4), (options.userAtMs * RATE) / 1000);
  const played = (from: number, count: number) =>
    Int16Array.from({ length: count }, (_, i) => reference[from + i] ?? 0);
  const room = createEchoPath({ sampleRateHz: RATE, delayMs, gainDb: -6, reverbMs: 400, seed: 5 });
  const onsets = createEchoOnsetJudge({
    sampleRateHz: RATE,
    blockSamples: BLOCK,
    maxDelayMs: 1600,
    reference: { read: (start, out) => out.set(played(start, out.length)) },
  });
  for (const ms of options.known ?? []) onsets.remember((ms * RATE) / 1000);
  const noise = lcg(9);
  const history = new Int16Array(RATE / 2);
  const verdicts: Array<{ atMs: number; verdict: EchoOnsetVerdict; userHeard: boolean }> = [];
  const heard: boolean[] = [];
  for (let start = 0; start + BLOCK <= reference.length; start += BLOCK) {
    const echo = room.render(played, start, BLOCK);
    const mic = Int16Array.from(echo, (x, i) => Math.round(x + user[start + i]! + (noise() * 2 - 1) * NOISE));
    history.copyWithin(0, BLOCK);
    history.set(mic, history.length - BLOCK);
    const verdict = onsets.push({
      micEnergy: energyOf(mic),
      playedEnergy: energyOf(played(start, BLOCK)),
      noiseEnergy: (NOISE * NOISE) / 3,
      // The echo's direct sound at -6 dB, its room adding a little.
      echoGain: 0.3,
      holding: start >= ((options.holdFromMs ?? 0) * RATE) / 1000,
      mic: history,
      micEnd: start + BLOCK,
    });
    if (verdict) verdicts.push({ atMs: ((start + BLOCK) * 1000) / RATE, verdict, userHeard: onsets.userHeard });
    // As the echo step does: the echo found, the hold is over.
    if (verdict?.echo) onsets.release();
    heard.push(onsets.userHeard);
  }
  return { verdicts, heard };
}

describe('echo onset judge', () => {
  it.each([300, 1400])('finds an echo at %i ms, the one delay the quiet before it left, to the sample', (delayMs) => {
    const { verdicts } = judge(delayMs);
    expect(verdicts).toHaveLength(1);
    const [{ atMs, verdict }] = verdicts as [(typeof verdicts)[number]];
    expect(verdict.echo).toBe(true);
    if (!verdict.echo) return;
    expect(Math.abs(verdict.samples - (delayMs * RATE) / 1000)).toBeLessThanOrEqual(2);
    // Within the echo's first 320 ms (it comes back at 1 s + the delay, the reply's first syllable).
    expect(atMs - (1000 + delayMs)).toBeLessThanOrEqual(400);
  });

  it(
    'tells the user, talking while the echo that grew to 1.4 s is on its way, from the echo, until they are ' + 'quiet',
    () => {
      const { verdicts, heard } = judge(1400, { userAtMs: 1500 });
      const [user, echo] = verdicts as [(typeof verdicts)[number], (typeof verdicts)[number]];
      expect(user.verdict.echo).toBe(false);
      expect(user.userHeard).toBe(true);
      // Judged within 320 ms of the user's first syllable, long before the echo comes back (2.4 s).
      expect(user.atMs).toBeLessThan(1500 + 450);
      // Let through while the user talks (to 2 s); 200 ms of quiet after, no more.
      expect(heard[Math.floor(1950 / 20)]).toBe(true);
      expect(heard[Math.floor(2300 / 20)]).toBe(false);
      // The echo, when it comes, is the echo, at 1.4 s.
      expect(echo.verdict.echo).toBe(true);
      if (echo.verdict.echo) expect(Math.abs(echo.verdict.samples - 1.4 * RATE)).toBeLessThanOrEqual(2);
    },
  );

  it('finds the echo under the user, at a delay it was found at before, when the user talks on into it', () => {
    // The user talks from 1.5 to 2.6 s; the echo comes back at 2.4 s, at 1.4 s as it did before.
    const { verdicts, heard } = judge(1400, { userAtMs: 1500, userSeconds: 1.1, known: [300, 1400] });
    const [user, echo] = verdicts as [(typeof verdicts)[number], (typeof verdicts)[number]];
    expect(user.verdict.echo).toBe(false);
    expect(echo.verdict.echo).toBe(true);
    if (echo.verdict.echo) expect(Math.abs(echo.verdict.samples - 1.4 * RATE)).toBeLessThanOrEqual(2);
    expect(echo.atMs).toBeGreaterThan(2400);
    expect(echo.atMs).toBeLessThan(2400 + 300);
    expect(heard[Math.floor(2800 / 20)]).toBe(false);
    // Without the delay known, the user's pass runs on into the echo.
    expect(judge(1400, { userAtMs: 1500, userSeconds: 1.1 }).heard[Math.floor(2800 / 20)]).toBe(true);
  });

  it('judges only while held, and a sound only in its first 320 ms', () => {
    // Held from 2 s on: the echo began at 1.3 s; its first 320 ms were not held.
    expect(judge(300, { holdFromMs: 2000 }).verdicts).toHaveLength(0);
  });
});
