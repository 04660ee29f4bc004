/**
 * bench/scenario-table.ts is the one list of `npm run bench`'s scenarios: names are unique, each says what
 * it measures, and docs/benchmarks.md's option table names every one of them (and no other).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCENARIOS, scenarioNamed } from '../scenario-table.js';

describe('the bench scenario table', () => {
  it('has one entry per name, each saying what it measures', () => {
    const names = SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SCENARIOS) expect(s.measures.length, s.name).toBeGreaterThan(10);
    expect(scenarioNamed('reply').name).toBe('reply');
    expect(() => scenarioNamed('nothing')).toThrow(/use one of memory, failover/);
  });

  it("is what docs/benchmarks.md's --scenario option lists", () => {
    const doc = readFileSync('docs/benchmarks.md', 'utf8');
    const row = doc.split('\n').find((line) => line.startsWith('| `--scenario NAME'))!;
    const listed = [...row.split('|')[2]!.matchAll(/`([\w-]+)`/g)].map((m) => m[1]!);
    expect([...listed].sort()).toEqual(SCENARIOS.map((s) => s.name).sort());
  });
});
