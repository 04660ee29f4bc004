/**
 * The figures of the Realtime conformance suite (test/conformance/): each client file prints one per
 * scenario it passes (its result and first-audio time), and with {@link FIGURES_ENV} set also appends it
 * to that file, which the `realtime-clients` benchmark (bench/realtime-clients.ts) reads.
 *
 * @example
 * ```ts
 * report('openai 6.49', 'typed text', 'ok', 42); // conformance | openai 6.49 | typed text | ok | first audio 42 ms
 * ```
 */
import { appendFileSync } from 'node:fs';

/**
 * Where {@link report} also writes its figures, one JSON object a line (the `realtime-clients` benchmark
 * reads them).
 */
export const FIGURES_ENV = 'VA_CONFORMANCE_FIGURES';

/** One figure of the suite, as the benchmark reads it. */
export interface ConformanceFigure {
  client: string;
  scenario: string;
  result: string;
  /** ms from the request (or the user's end of speech) to the first audio; `null` where the client does not say. */
  firstAudioMs: number | null;
}

/**
 * One figure of the suite, printed: the client, the scenario, its result and its first audio (ms from the
 * request). With `VA_CONFORMANCE_FIGURES` set, also appended to that file.
 */
export function report(client: string, scenario: string, result: string, firstAudioMs: number | null): void {
  const figure = firstAudioMs === null ? '-' : `${Math.round(firstAudioMs)} ms`;
  console.log(`conformance | ${client} | ${scenario} | ${result} | first audio ${figure}`);
  const path = process.env[FIGURES_ENV];
  const row: ConformanceFigure = {
    client,
    scenario,
    result,
    firstAudioMs: firstAudioMs === null ? null : Math.round(firstAudioMs),
  };
  if (path) appendFileSync(path, `${JSON.stringify(row)}\n`);
}
