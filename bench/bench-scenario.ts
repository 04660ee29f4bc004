/**
 * What one scenario of `npm run bench` is (bench/scenario-table.ts lists them): its name, what it
 * measures, the flags it reads, how it runs, prints and writes its rows; and what it reads of the
 * command line (a {@link BenchContext}, made by bench/run.ts).
 *
 * @example
 * ```ts
 * const entry = scenario<CostRow>({
 *   name: 'cost',
 *   measures: 'CPU per typed turn and per microphone frame',
 *   flags: ['--sessions'],
 *   run: async (ctx) => [await (await import('./cost-scenario.js')).runCostScenario(100, 10_000, ctx.progress)],
 *   print: async (rows) => (await import('./table.js')).printCost(rows),
 * });
 * ```
 */

/** What a scenario reads of the command line, and what it may share with the others. */
export interface BenchContext {
  /** `--quick`: shorter windows, a smoke run. */
  quick: boolean;
  /** `--transport`: the buses of `reply` and `scale`. */
  transports: Array<'memory' | 'nats'>;
  /** `--orders N`: the real recordings' spotter rows again in N − 1 shuffled orders. */
  orders: number;
  /** The value after `--name`, if given. */
  arg(name: string): string | undefined;
  /** Whether `--name` is on the command line. */
  flag(name: string): boolean;
  /** A line on stderr: what is running now. */
  progress(line: string): void;
}

export interface BenchScenario<T> {
  /** `--scenario NAME`. */
  name: string;
  /** One line: what it measures (`npm run bench -- --list`). */
  measures: string;
  /** The flags it reads besides `--quick` and `--json`. */
  flags?: string[];
  /** Refuses a wrong flag before anything runs. */
  check?(ctx: BenchContext): void;
  /** Runs it; the results print and go to `--json` once every chosen scenario has run. */
  run(ctx: BenchContext): Promise<T[]>;
  /** Prints its results. Scenarios that share one print function print as one table, in the table's order. */
  print(results: T[]): void | Promise<void>;
  /** The rows `--json` writes (default: the results themselves). */
  json?(results: T[]): unknown[];
}

/** One entry, typed on its own results and stored beside the others. */
export const scenario = <T>(entry: BenchScenario<T>): BenchScenario<unknown> =>
  entry as unknown as BenchScenario<unknown>;

/** `--sessions` as numbers, or the scenario's default. */
export const sessionCounts = (ctx: BenchContext, fallback: string) =>
  (ctx.arg('sessions') ?? fallback).split(',').map(Number);
