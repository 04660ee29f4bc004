/**
 * One tuned value of an engine's table (`adapters/echo/tuning.ts`, `adapters/spotter/tuning.ts`): its value,
 * why it has that value, and what it was chosen on; and {@link valuesOf}, which reads a group's values by
 * name where the code uses them. Each table names its own bases (`Basis`): how far a value can be trusted
 * on data nothing here measured.
 *
 * @example
 * ```ts
 * const GROUP = {
 *   HOLD_MS: { value: 300, why: 'Why 300 ms: …', chosenOn: 'reasoned' },
 * } satisfies Record<string, Tuned>;
 * const { HOLD_MS } = valuesOf(GROUP); // 300
 * ```
 */

/** One tuned value: the value, why it is that, and what it was chosen on. */
export interface Tuned<Basis extends string = string> {
  readonly value: number;
  readonly why: string;
  readonly chosenOn: Basis;
}

/** A group's values by name, for the code that uses them. */
export function valuesOf<G extends Record<string, Tuned>>(group: G): { readonly [K in keyof G]: number } {
  return Object.fromEntries(Object.entries(group).map(([name, tuned]) => [name, tuned.value])) as {
    readonly [K in keyof G]: number;
  };
}
