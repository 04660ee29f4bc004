/**
 * The layering rule, checked on the source: imports only point downwards. From the bottom: `bus` (subjects,
 * messages, transports) ← `adapters` (engines, audio, clock) ← `actors` (one per stage) ← `machines` (the
 * chart) ← `runtime` (configuration, engines, one session assembled and run) ← `server` (HTTP, Realtime,
 * records) ← `lib` (the library) ← `bin`, `bench`; `sim` (the simulation harness the tests and benches
 * share, kept out of the package) sits beside `lib`, and `test` on top. A file may import its own layer
 * and the layers below it, never one above: the chart never reaches into the runtime, the runtime never
 * into the server, the harness never into the tests or benches.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Layers of one rank never import each other: `lib` and `sim`; `bin` and `bench`, both entry points. */
const RANK: Record<string, number> = {
  bus: 0,
  adapters: 1,
  actors: 2,
  machines: 3,
  runtime: 4,
  server: 5,
  lib: 6,
  sim: 6,
  bin: 7,
  bench: 7,
  test: 8,
};
const LAYERS = Object.keys(RANK);
/**
 * Pairs of layers apart whatever their ranks: the command line ships without the harness, and the tests
 * reach what the benches share only through it.
 */
const APART: ReadonlyArray<readonly [string, string]> = [
  ['bin', 'sim'],
  ['test', 'bench'],
];
const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The imports of one file (path relative to the root) that point to a higher layer. */
function upwardImportsOf(file: string, text: string): string[] {
  const layer = file.split('/')[0]!;
  const found: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2]!;
    if (!specifier.startsWith('.')) continue;
    const target = relative(ROOT, resolve(ROOT, dirname(file), specifier)).split(/[\\/]/)[0]!;
    const targetRank = RANK[target];
    if (targetRank === undefined) continue;
    const apart = APART.some(([from, to]) => from === layer && to === target);
    if (targetRank > RANK[layer]! || (targetRank === RANK[layer] && target !== layer) || apart) {
      found.push(`${file} → ${specifier} (${layer} may not import ${target})`);
    }
  }
  return found;
}

describe('layers', () => {
  it('every import points to its own layer or one below', () => {
    const found = LAYERS.flatMap((layer) =>
      sourceFiles(join(ROOT, layer)).flatMap((path) =>
        upwardImportsOf(relative(ROOT, path).split(/[\\/]/).join('/'), readFileSync(path, 'utf8')),
      ),
    );
    expect(found).toEqual([]);
  });

  it('the check catches upward imports of every kind', () => {
    expect(upwardImportsOf('bus/x.ts', "import type { Clock } from '../adapters/clock.js';")).toHaveLength(1);
    expect(upwardImportsOf('actors/x.ts', "export type { SttCommand } from '../machines/events.js';")).toHaveLength(1);
    expect(upwardImportsOf('machines/x.ts', "const m = await import('../server/serve.js');")).toHaveLength(1);
    expect(upwardImportsOf('machines/x.ts', "import { loadConfig } from '../runtime/config.js';")).toHaveLength(1);
    expect(
      upwardImportsOf('runtime/x.ts', "import type { RecordOptions } from '../server/records/options.js';"),
    ).toHaveLength(1);
    expect(upwardImportsOf('runtime/config/x.ts', "import { serve } from '../../server/serve.js';")).toHaveLength(1);
    expect(upwardImportsOf('bench/x.ts', "import { run } from '../bin/commands/run.js';")).toHaveLength(1);
    expect(upwardImportsOf('server/x.ts', "import { createAgent } from '../lib/agent.js';")).toHaveLength(1);
    expect(upwardImportsOf('sim/x.ts', "import { until } from '../test/support/until.js';")).toHaveLength(1);
    expect(upwardImportsOf('sim/x.ts', "import { round } from '../bench/stats.js';")).toHaveLength(1);
    expect(upwardImportsOf('test/x/y.test.ts', "import { round } from '../../bench/stats.js';")).toHaveLength(1);
    expect(upwardImportsOf('bin/x.ts', "import { startNatsServer } from '../sim/nats-server.js';")).toHaveLength(1);
    expect(upwardImportsOf('test/x/y.test.ts', "import { runEchoLoop } from '../../sim/echo-loop.js';")).toEqual([]);
    expect(upwardImportsOf('bench/x.ts', "import { runEchoLoop } from '../sim/echo-loop.js';")).toEqual([]);
    expect(upwardImportsOf('lib/x.ts', "import { assembleSession } from '../runtime/assemble-session.js';")).toEqual(
      [],
    );
    expect(upwardImportsOf('server/x.ts', "import { buildEngines } from '../runtime/engine-pool.js';")).toEqual([]);
    expect(upwardImportsOf('runtime/x.ts', "import { sessionMachine } from '../machines/session.machine.js';")).toEqual(
      [],
    );
    expect(
      upwardImportsOf(
        'machines/x.ts',
        "import { a } from '../actors/inputs.js';\nimport { b } from './config.js';\nimport { z } from " + "'zod';",
      ),
    ).toEqual([]);
  });
});
