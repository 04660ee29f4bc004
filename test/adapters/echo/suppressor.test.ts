/**
 * The echo suppressor after the canceller: half duplex while the canceller learns (the agent's echo
 * never reaches the VAD, even unconverged), the user's voice through once it has converged, and comfort
 * noise at the room's level — never silence — where echo was taken out.
 */
import { describe, expect, it } from 'vitest';
import { createEchoSuppressor } from '../../../adapters/echo/suppressor.js';

const BLOCK = 320;
let seed = 1;
/** Seeded white noise at `dbfs` mean power. */
function noise(dbfs: number): Int16Array {
  const amplitude = 32768 * 10 ** (dbfs / 20) * Math.sqrt(3);
  return Int16Array.from({ length: BLOCK }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return Math.round(((seed / 2 ** 32) * 2 - 1) * amplitude);
  });
}
const dbfs = (x: Int16Array) => 10 * Math.log10(x.reduce((n, v) => n + v * v, 0) / x.length / 32768 ** 2 + 1e-12);
const add = (a: Int16Array, b: Int16Array) => a.map((v, i) => v + b[i]!);
const scale = (a: Int16Array, g: number) => a.map((v) => Math.round(v * g));
const SILENT = new Int16Array(BLOCK);

function setup(tailMs = 100) {
  const suppressor = createEchoSuppressor({ sampleRateHz: 16_000, blockSamples: BLOCK, tailMs });
  // A second of the room while the agent is silent: the noise floor (-60 dBFS) and the comfort noise.
  for (let i = 0; i < 50; i++) {
    const room = noise(-60);
    suppressor.process(room, SILENT, room.slice());
  }
  /** One block while the agent speaks: the canceller left `cancelled` of the echo; the user adds `user`. */
  const block = (cancelled: number, user?: Int16Array, echoGain = 0.5) => {
    const reference = noise(-20);
    const echo = add(scale(reference, echoGain), noise(-60));
    const mic = user ? add(echo, user) : echo;
    const out = add(scale(echo, cancelled), user ?? SILENT);
    suppressor.process(mic, reference, out);
    return { out, passed: suppressor.lastPassed() };
  };
  return { suppressor, block };
}

describe('echo suppressor', () => {
  it('while the canceller is still learning, replaces every block of the agent’s echo by the room’s noise', () => {
    const { suppressor, block } = setup();
    const levels: number[] = [];
    // The canceller removes only 3 dB: the echo is still loud.
    for (let i = 0; i < 100; i++) levels.push(dbfs(block(0.7).out));
    expect(suppressor.typicalErleDb()).toBeLessThan(12);
    expect(suppressor.converged()).toBe(false);
    // Comfort noise at the room's level, never digital silence, never the echo (-29 dBFS).
    expect(Math.max(...levels.slice(1))).toBeLessThan(-57);
    expect(Math.min(...levels.slice(1))).toBeGreaterThan(-63);
  });

  it(
    'a hold closes the path on its first block at once: an echo nothing cancels does not pass, not even ' + 'ramped',
    () => {
      const { suppressor } = setup();
      // The agent silent, the path open; then a block of loud echo arrives early (its delay moved): a hold.
      const room = noise(-60);
      suppressor.process(room, SILENT, room.slice());
      expect(suppressor.lastPassed()).toBe(true);
      const echo = noise(-30);
      const out = echo.slice();
      suppressor.process(echo, SILENT, out, true);
      expect(suppressor.lastPassed()).toBe(false);
      // The room's noise (-60 dBFS), not half the echo (-33 dBFS, what a ramp over the block let through).
      expect(dbfs(out)).toBeLessThan(-55);
    },
  );

  it('during that time a user no louder than the echo cannot interrupt (half duplex)', () => {
    const { block } = setup();
    for (let i = 0; i < 40; i++) block(0.7);
    // The echo is at -26 dBFS; the user as loud: 3 dB over the echo alone, within what echo scatters.
    const user = [0, 1, 2, 3].map(() => block(0.7, noise(-26)));
    expect(user.some((b) => b.passed)).toBe(false);
  });

  it('but a user far louder than the echo passes from the second block on, with no filter converged', () => {
    const { suppressor, block } = setup();
    for (let i = 0; i < 40; i++) block(0.7);
    expect(suppressor.converged()).toBe(false);
    // 16 dB over the echo (the user nearer the microphone than the speaker): the microphone far over
    // what the reference's envelope ever brought back.
    const user = [0, 1, 2, 3].map(() => block(0.7, noise(-10)));
    expect(user.map((b) => b.passed)).toEqual([false, true, true, true]);
    expect(suppressor.startedUser()).toBe(false);
    // Passed as the microphone heard it: a learning filter's output is no better.
    expect(dbfs(user[3]!.out)).toBeGreaterThan(-11);
    // Back to the echo alone: the weak sounds between a user's syllables pass for 200 ms, then held again.
    const after = Array.from({ length: 14 }, () => block(0.7).passed);
    expect(after).toEqual([...Array<boolean>(10).fill(true), false, false, false, false]);
  });

  it('once converged, the echo stays out and the user’s voice passes from its second block on', () => {
    const { suppressor, block } = setup();
    for (let i = 0; i < 100; i++) block(0.03); // ≈ 30 dB cancelled
    expect(suppressor.typicalErleDb()).toBeGreaterThan(25);
    expect(suppressor.converged()).toBe(true);
    expect(block(0.03).passed).toBe(false);
    const barge = [0, 1, 2, 3, 4].map(() => block(0.03, noise(-24)));
    expect(barge.map((b) => b.passed)).toEqual([false, true, true, true, true]);
    // A passed block is the canceller's output untouched: the user at -24 dBFS (plus a little echo).
    expect(dbfs(barge[4]!.out)).toBeGreaterThan(-25);
    expect(block(0.03).passed).toBe(false);
  });

  it(
    'says which blocks it was half duplex over: the agent’s speech before the canceller converged, not ' +
      'after, nor its silence',
    () => {
      const { suppressor, block } = setup();
      block(0.7);
      expect(suppressor.halfDuplex()).toBe(true);
      for (let i = 0; i < 100; i++) block(0.03);
      expect(suppressor.converged()).toBe(true);
      expect(suppressor.halfDuplex()).toBe(false);
      suppressor.relearn();
      block(0.03);
      expect(suppressor.halfDuplex()).toBe(true);
      // The agent silent for longer than the tail (100 ms): nothing to be half duplex over.
      for (let i = 0; i < 10; i++) {
        const room = noise(-60);
        suppressor.process(room, SILENT, room.slice());
      }
      expect(suppressor.halfDuplex()).toBe(false);
    },
  );

  it('once converged, a user far louder than the echo passes on loudness too, with no hangover after', () => {
    const { suppressor, block } = setup();
    for (let i = 0; i < 100; i++) block(0.03);
    expect(suppressor.converged()).toBe(true);
    // The filter misadjusted by the user's voice (it removes 3 dB): only the loudness test can tell.
    const user = [0, 1, 2].map(() => block(0.7, noise(-10)));
    expect(user.map((b) => b.passed)).toEqual([false, true, true]);
    expect(block(0.03).passed).toBe(false);
  });

  it('the silent tail after a reply does not count as a canceller that removed the echo', () => {
    const { suppressor, block } = setup(500);
    for (let i = 0; i < 40; i++) block(0.7);
    // The echo path moved (a relearn), then the reply was cut: half a second of the tail, the microphone at
    // the room's noise. No echo was due there, so it says nothing about the canceller.
    suppressor.relearn();
    for (let i = 0; i < 26; i++) {
      const room = noise(-60);
      suppressor.process(room, SILENT, room.slice());
    }
    // The next reply's echo, cancelled by 3 dB: still learning, held.
    const next = Array.from({ length: 10 }, () => block(0.7));
    expect(suppressor.converged()).toBe(false);
    expect(next.some((b) => b.passed)).toBe(false);
  });

  it('never takes an output louder than the microphone for the user: that is the canceller misadjusting', () => {
    const { block } = setup();
    for (let i = 0; i < 100; i++) block(0.03);
    const misadjusted = [0, 1, 2].map(() => block(1.5));
    expect(misadjusted.some((b) => b.passed)).toBe(false);
  });

  it('a barge-in does not knock a converged canceller back into half duplex', () => {
    const { suppressor, block } = setup();
    for (let i = 0; i < 100; i++) block(0.03);
    for (let round = 0; round < 4; round++) {
      // The user talks over the agent for 0.6 s, then the agent speaks alone for 0.4 s.
      const barge = Array.from({ length: 30 }, () => block(0.03, noise(-24)));
      expect(barge.filter((b) => b.passed).length).toBeGreaterThanOrEqual(28);
      for (let i = 0; i < 20; i++) block(0.03);
      expect(suppressor.converged()).toBe(true);
    }
  });

  it('with no echo coming back (a headset), stops holding the microphone after a second of the agent’s speech', () => {
    const { suppressor, block } = setup();
    // The microphone hears only the room while the agent speaks; the canceller passes it through.
    const early = Array.from({ length: 60 }, () => block(1, undefined, 0));
    expect(early.slice(0, 20).some((b) => b.passed)).toBe(false);
    expect(suppressor.converged()).toBe(true);
    const barge = [0, 1, 2, 3].map(() => block(1, noise(-30), 0));
    expect(barge.map((b) => b.passed)).toEqual([false, true, true, true]);
  });

  it(
    'replaces a block the canceller made louder by the microphone’s, and reports a canceller that keeps ' + 'doing so',
    () => {
      const { suppressor, block } = setup();
      for (let i = 0; i < 100; i++) block(0.03);
      expect(suppressor.diverged()).toBe(false);
      // The canceller now adds its own (wrong) estimate: its output is 6 dB louder than the microphone.
      const louder = Array.from({ length: 30 }, () => block(2));
      expect(louder.every((b) => !b.passed)).toBe(true);
      expect(suppressor.diverged()).toBe(true);
      // Reported once; the strong echo is then treated as unlearned: half duplex again.
      expect(suppressor.diverged()).toBe(false);
      expect(suppressor.converged()).toBe(false);
    },
  );

  it('passes everything untouched while the agent is silent', () => {
    const { suppressor } = setup();
    const user = noise(-20);
    const out = user.slice();
    suppressor.process(user, SILENT, out);
    expect(out).toEqual(user);
    expect(suppressor.lastPassed()).toBe(true);
  });
});
