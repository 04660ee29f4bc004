/**
 * The scenarios of `npm run bench`, one entry each: its name (`--scenario NAME`), what it measures, the
 * flags it reads, how it runs, how its rows print and which of them `--json` writes. bench/run.ts reads
 * the command line into a {@link BenchContext}, runs the chosen entries in this table's order, prints
 * them, then writes the JSON. A new scenario is one more entry.
 *
 * Every scenario's module is imported inside its `run` and `print`, never at the top: a module's heap
 * stays for the whole run, and a server measured in this process would pay for it in garbage collection
 * (playwright-core alone holds ~34 MB; docs/benchmarks.md, *Machine and method*).
 *
 * The entries live by kind in bench/scenarios-server.ts and bench/scenarios-speech.ts; what an entry is,
 * in bench/bench-scenario.ts.
 *
 * @example
 * ```ts
 * scenarioNamed('cost').measures; // 'CPU per typed turn and µs per microphone frame in …'
 * ```
 */
import type { BenchScenario } from './bench-scenario.js';
import {
  memoryGuard,
  failoverGuard,
  phraseGuard,
  localScenario,
  replyScenario,
  scaleScenario,
  serverScenario,
  costScenario,
  sessionsScenario,
  pageScenario,
  recordsScenario,
  inspectScenario,
  checkScenario,
  capacityScenario,
  realtimeClientsScenario,
} from './scenarios-server.js';
import {
  echoScenario,
  noiseScenario,
  estopScenario,
  grammarScenario,
  endOfTurnScenario,
  liveScenario,
  wakeScenario,
  keywordScenario,
} from './scenarios-speech.js';

/** Every scenario, in the order a run takes them. */
export const SCENARIOS: ReadonlyArray<BenchScenario<unknown>> = [
  memoryGuard,
  failoverGuard,
  phraseGuard,
  localScenario,
  replyScenario,
  scaleScenario,
  serverScenario,
  costScenario,
  sessionsScenario,
  pageScenario,
  recordsScenario,
  echoScenario,
  noiseScenario,
  estopScenario,
  grammarScenario,
  endOfTurnScenario,
  inspectScenario,
  liveScenario,
  wakeScenario,
  keywordScenario,
  checkScenario,
  capacityScenario,
  realtimeClientsScenario,
];

/** The scenario of one name, or an error listing them all. */
export function scenarioNamed(name: string): BenchScenario<unknown> {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`--scenario ${name}: use one of ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return found;
}
