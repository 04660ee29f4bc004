/**
 * The trainer's one source of chance: a seeded generator (mulberry32), so a head trained from the same
 * seed, voices and recordings is the same file.
 *
 * @example
 * ```ts
 * const rng = seededRandom(7);
 * const gain = rng.between(-30, -6);
 * ```
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  between(low: number, high: number): number;
  /** An integer in [0, n). */
  below(n: number): number;
  pick<T>(items: readonly T[]): T;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** `items` in a new seeded order (Fisher–Yates). */
  shuffled<T>(items: readonly T[]): T[];
  /** The generator's state, and a return to one. */
  save(): number;
  restore(saved: number): void;
}

export function seededRandom(seed: number): Random {
  const state = { s: seed >>> 0 };
  const next = (): number => {
    state.s = (state.s + 0x6d2b79f5) >>> 0;
    let t = state.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const below = (n: number) => Math.floor(next() * n);
  return {
    next,
    save: () => state.s,
    restore: (saved) => {
      state.s = saved >>> 0;
    },
    between: (low, high) => low + (high - low) * next(),
    below,
    pick: (items) => items[below(items.length)]!,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    shuffled: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = below(i + 1);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
