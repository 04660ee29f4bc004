/**
 * `--scenario realtime-clients`: the Realtime conformance suite (test/conformance/), each client library
 * unmodified against `serve()` on the deterministic fakes, run as vitest runs it; every scenario that
 * passes records its client, its result and its first audio (sim/conformance-figures.ts, `report`), and
 * every test that fails is listed with its message. One run: the figures are of this machine, under its
 * load, with the fake engines (they measure the server and the client library, not speech engines).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIGURES_ENV, type ConformanceFigure } from '../sim/conformance-figures.js';

export interface RealtimeClientRow {
  scenario: 'realtime-clients';
  client: string;
  /** The conformance scenario (typed text, streamed speech, barge-in + truncate, tool, …). */
  case: string;
  result: string;
  firstAudioMs: number | null;
}

export interface RealtimeClientsResult {
  rows: RealtimeClientRow[];
  /** Tests that failed: their full name and first line of error. */
  failures: string[];
}

interface VitestJson {
  testResults: Array<{ assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>;
}

/** Runs test/conformance/ in a vitest process of its own and reads what its scenarios recorded. */
export function runRealtimeClients(progress: (line: string) => void): RealtimeClientsResult {
  const dir = mkdtempSync(join(tmpdir(), 'va-realtime-clients-'));
  const figures = join(dir, 'figures.jsonl');
  const json = join(dir, 'vitest.json');
  try {
    progress('realtime-clients: test/conformance/ (each client library against serve() on the fakes)');
    // Why one worker: each file's scenarios time the first audio; files running side by side would share the cores.
    spawnSync(
      'npx',
      ['vitest', 'run', 'test/conformance/', '--maxWorkers=1', '--reporter=json', `--outputFile=${json}`],
      {
        env: { ...process.env, [FIGURES_ENV]: figures },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const rows: RealtimeClientRow[] = existsSync(figures)
      ? readFileSync(figures, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as ConformanceFigure)
          .map((f) => ({
            scenario: 'realtime-clients' as const,
            client: f.client,
            case: f.scenario,
            result: f.result,
            firstAudioMs: f.firstAudioMs,
          }))
      : [];
    const report = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as VitestJson) : { testResults: [] };
    const failures = report.testResults.flatMap((file) =>
      file.assertionResults
        .filter((t) => t.status === 'failed')
        .map((t) => `${t.fullName}: ${(t.failureMessages[0] ?? '').split('\n')[0]!.slice(0, 200)}`),
    );
    if (!existsSync(json)) failures.push('vitest wrote no report: the suite did not run');
    return { rows, failures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printRealtimeClients(result: RealtimeClientsResult): void {
  console.log(
    '\nRealtime clients (test/conformance/, fake engines), first audio in ms from the request (speech: from ' +
      'speech_stopped):',
  );
  console.log('| client | scenario | result | first audio ms |');
  console.log('|---|---|---|---|');
  for (const r of result.rows) console.log(`| ${r.client} | ${r.case} | ${r.result} | ${r.firstAudioMs ?? '-'} |`);
  if (result.failures.length === 0) console.log('Every scenario passed.');
  for (const f of result.failures) console.log(`FAILED ${f}`);
}
