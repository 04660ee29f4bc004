/** The benchmark table, with the targets as PASS/MISS next to the numbers. */
import type { GuardRow } from './latency-guards.js';
import type { LocalStackRow } from './local-stack.js';
import type { BenchRow } from './scenarios.js';

const fmt = (p: { p50: number; p99: number }) => `${p.p50} / ${p.p99}`;
const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? ' PASS' : ' MISS');

export function targets(row: BenchRow) {
  const at100 = row.sessions === 100 || undefined;
  return {
    firstAudio: at100 && row.firstAudioOverIdealMs.p50 <= 1 && row.firstAudioOverIdealMs.p99 <= 5,
    interrupt: row.interruptToSilenceMs.p99 <= 2 && row.framesAfterInterrupt === 0,
    vad: Number.isNaN(row.vadOnsetToSilenceMs.p99) ? undefined : row.vadOnsetToSilenceMs.p99 <= 502,
    loopLag: row.sessions === 1000 ? row.loopLagMs.p99 < 20 : undefined,
    rss: row.sessions === 1000 && row.rssPerSessionMb !== null ? row.rssPerSessionMb < 1 : undefined,
    natsHop: row.transport === 'nats' && row.natsHopMs ? row.natsHopMs.p99 < 1 : undefined,
  };
}

export function printTable(rows: BenchRow[]): void {
  const header = [
    'scenario',
    'transport',
    'sessions',
    'turns',
    'first audio p50/p99',
    'ideal',
    'over ideal p50/p99',
    'stop→silence p50/p99',
    'frames after',
    'vad onset→silence p50/p99',
    'loop lag p50/p99',
    'cpu %',
    'MB/session',
    'hop p50/p99',
  ];
  const body = rows.map((r) => {
    const t = targets(r);
    return [
      r.scenario,
      r.transport,
      String(r.sessions),
      String(r.turns),
      fmt(r.firstAudioMs),
      String(r.idealFirstAudioMs),
      fmt(r.firstAudioOverIdealMs) + mark(t.firstAudio),
      fmt(r.interruptToSilenceMs) + mark(t.interrupt),
      String(r.framesAfterInterrupt),
      fmt(r.vadOnsetToSilenceMs) + mark(t.vad),
      fmt(r.loopLagMs) + mark(t.loopLag),
      String(r.cpuPercent),
      (r.rssPerSessionMb === null ? 'n/a' : String(r.rssPerSessionMb)) + mark(t.rss),
      r.natsHopMs ? fmt(r.natsHopMs) + mark(t.natsHop) : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
  console.log('\nTargets: over ideal p50 <= 1 ms and p99 <= 5 ms at 100 sessions; stop→silence p99 <= 2 ms with 0 frames after;');
  console.log('vad onset→silence p99 <= 502 ms (500 ms minimum interruption); 1000 sessions: loop lag p99 < 20 ms, < 1 MB/session; NATS hop p99 < 1 ms.');
}

export function printGuards(rows: GuardRow[]): void {
  console.log('\n| guard | samples | p50 / p99 ms | target | what |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.scenario} | ${r.samples} | ${fmt(r.measuredMs)} | < ${r.targetMs}${mark(r.measuredMs.p99 < r.targetMs)} | ${r.what} |`);
}

export function printLocal(row: LocalStackRow): void {
  console.log(`\nLocal stack, ${row.utterances} utterances (${row.recognized} recognized exactly), ms from the end of user speech:`);
  console.log('| stage | p50 | p95 |');
  console.log('|---|---|---|');
  for (const [name, p] of Object.entries(row.stages)) console.log(`| ${name} | ${p.p50} | ${p.p95}${name === 'firstAudio' ? mark(p.p50 < 250) : ''} |`);
}
