/**
 * A bench's simulated users decide per turn (play the whole reply or stop it, how long to pause) with
 * {@link turnRoll}: the same in every run, so a bench is repeatable, and unrelated between users and
 * turns, as independent people are. A fixed pattern (every fourth turn in full, for everyone) puts all
 * users in lockstep: they play their long replies at once and take their short turns at once, a load
 * swinging from idle to saturated that no set of independent users makes.
 *
 * @example
 * ```ts
 * const plays = turnRoll(client, turn, 1) < 0.25; // one turn in four, a different quarter per client
 * ```
 */

/** A number in [0, 1) for user `i`'s turn `n` (an integer hash); a different `salt` gives an unrelated draw. */
export function turnRoll(i: number, n: number, salt: number): number {
  let h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(n + 1, 0x85ebca6b) ^ salt;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}
