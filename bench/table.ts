/** The benchmark table, with the targets as PASS/MISS next to the numbers. */
import type { GuardRow } from './latency-guards.js';
import type { LocalStackRow } from './local-stack.js';
import type { PageRow } from './page-scenario.js';
import type { RecordsRow, WriteThroughputRow } from './records-scenario.js';
import type { BenchRow } from './scenarios.js';
import type { CostRow } from './cost-scenario.js';
import type { ServerRow } from './server-scenario.js';
import type { SessionsRow } from './sessions-scenario.js';

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
    'I/O wait p50/p99',
    'loop busy % (mean / busiest s)',
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
      r.ioWaitMs ? fmt(r.ioWaitMs) : '—',
      `${r.loopBusyPercent} / ${r.peakLoopBusyPercent}`,
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
  const noise = rows.filter((r) => r.falseInterruption);
  if (noise.length > 0) {
    console.log('\nFalse interruptions (a barge-in with no words: the cut reply resumes)\n');
    console.log(
      '| transport | sessions | barge-ins | resumed | noise end → resumed p50/p99 | frames after (cut turn) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const r of noise) {
      const f = r.falseInterruption!;
      console.log(
        `| ${r.transport} | ${r.sessions} | ${f.bargeIns} | ${f.resumed} | ${fmt(f.speechEndToResumeMs)} | ` +
          `${f.framesAfterInterrupt} |`,
      );
    }
  }
  console.log(
    '\nTargets: over ideal p50 <= 1 ms and p99 <= 5 ms at 100 sessions; stop→silence p99 <= 2 ms with 0 frames ' +
      'after;',
  );
  console.log(
    'vad onset→silence p99 <= 502 ms (500 ms minimum interruption); 1000 sessions: loop lag p99 < 20 ms, < 1 ' +
      'MB/session; NATS hop p99 < 1 ms.',
  );
}

export function printGuards(rows: GuardRow[]): void {
  console.log('\n| guard | samples | p50 / p99 ms | target | what |');
  console.log('|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.scenario} | ${r.samples} | ${fmt(r.measuredMs)} | < ` +
        `${r.targetMs}${mark(r.measuredMs.p99 < r.targetMs)} | ${r.what} |`,
    );
}

export function printLocal(row: LocalStackRow): void {
  console.log(
    `\nLocal stack, ${row.utterances} utterances (${row.recognized} recognized exactly), ms from the end of user ` +
      `speech:`,
  );
  console.log('| stage | p50 | p95 |');
  console.log('|---|---|---|');
  for (const [name, p] of Object.entries(row.stages))
    console.log(`| ${name} | ${p.p50} | ${p.p95}${name === 'firstAudio' ? mark(p.p50 < 250) : ''} |`);
}

/** Targets: 100 clients' first audio p99 within 10 ms of the ideal; 500 clients without an error. */
export function serverTargets(row: ServerRow) {
  return {
    firstAudio: row.sessions === 100 ? row.firstAudioOverIdealMs.p99 <= 10 : undefined,
    errors: row.sessions === 500 ? row.errors === 0 : undefined,
  };
}

export function printServer(rows: ServerRow[]): void {
  console.log('\nServer over WebSocket (Realtime clients in a child process, fake engines), ms at the client:');
  const header = [
    'sessions',
    'server processes',
    'turns',
    'connect p50/p99',
    'first text p50/p99',
    'first audio p50/p99',
    'ideal',
    'over ideal p50/p99',
    'stops',
    'cancel→last audio p50/p99',
    'cancel→done p50/p99',
    'audio after done',
    'full reply wall/audio p50/p99',
    'errors',
    'late turns',
    'server loop lag p50/p99',
    'server loop busy % (mean / busiest s)',
    'server cpu %',
    'clients cpu %',
    'MB/session',
    'inspected (msg/s, cpu %)',
  ];
  const body = rows.map((r) => {
    const t = serverTargets(r);
    const codes = Object.entries(r.errorCodes)
      .map(([code, n]) => `${code}×${n}`)
      .join(', ');
    return [
      String(r.sessions),
      String(r.processes),
      String(r.turns),
      fmt(r.connectMs),
      fmt(r.firstTextMs),
      fmt(r.firstAudioMs),
      String(r.idealFirstAudioMs),
      fmt(r.firstAudioOverIdealMs) + mark(t.firstAudio),
      String(r.stops),
      fmt(r.cancelToLastAudioMs),
      fmt(r.cancelToDoneMs),
      String(r.audioAfterDone),
      fmt(r.playbackStretch),
      String(r.errors) + mark(t.errors) + (codes ? ` (${codes})` : ''),
      String(r.lateTurns),
      fmt(r.loopLagMs),
      `${r.loopBusyPercent} / ${r.peakLoopBusyPercent}`,
      String(r.cpuPercent),
      String(r.clientCpuPercent),
      r.rssPerSessionMb === null ? 'n/a' : String(r.rssPerSessionMb),
      r.inspected ? `${r.inspected} ${r.inspectFeed} (${r.inspectMessagesPerSecond}/s, ${r.inspectCpuPercent} %)` : '0',
    ];
  });
  printRows(header, body);
  console.log(
    'Targets: 100 clients: first audio p99 <= ideal + 10 ms; 500 clients: no errors. Loop lag, CPU and ' +
      'MB/session are the server process alone (several processes: the worst lag, the summed CPU).',
  );
  console.log(
    'Late turns: no first audio or no response.done within 15 s. Full reply wall/audio: 1 = played in real time, 2 ' +
      '= twice as slow.',
  );
  console.log("\nWhat the server loop's lag p99 hides (one sample per stall; several processes: the worst of each):");
  printRows(
    ['sessions', 'longest stall (ms)', 'full GCs', 'longest full GC (ms)', 'GC pauses (% of the window)'],
    rows.map((r) => [
      String(r.sessions),
      String(r.longestStallMs),
      String(r.fullGcs),
      String(r.longestFullGcMs),
      String(r.gcPercent),
    ]),
  );
  const staged = rows.filter((r) => r.stages);
  if (staged.length === 0) return;
  console.log(
    "\nWhere the time to first audio goes (--stages: the server's bus tapped, joined with the clients' times on " +
      'the wall clock), ms p50/p99:',
  );
  printRows(
    [
      'sessions',
      'turns',
      'client → user.text',
      'user.text → first token',
      'TTS first chunk over its latency',
      'first chunk → playback.started',
      'playback.started → client',
    ],
    staged.map((r) => {
      const s = r.stages!;
      return [
        String(r.sessions),
        String(s.turns),
        fmt(s.inbound),
        fmt(s.toFirstToken),
        fmt(s.ttsOverLatency),
        fmt(s.toPlayback),
        fmt(s.outbound),
      ];
    }),
  );
}

export function printCost(rows: CostRow[]): void {
  console.log(
    "\nCost per turn and per microphone frame (in-process, serve's session host and Realtime connection, fake " +
      'engines, no sockets):',
  );
  printRows(
    [
      'sessions',
      'turns',
      'CPU per turn (ms)',
      'loop busy per turn (ms)',
      'of it the chart (ms)',
      'events per turn (transcript deltas)',
      'µs per microphone frame',
    ],
    rows.map((r) => [
      String(r.sessions),
      String(r.turns),
      String(r.cpuPerTurnMs),
      String(r.busyPerTurnMs),
      String(r.chartPerTurnMs),
      `${r.eventsPerTurn} (${r.transcriptDeltasPerTurn})`,
      String(r.microsecondsPerMicFrame),
    ]),
  );
  for (const r of rows) {
    console.log(
      `The chart per turn, ${r.sessions} sessions (events it processed, slowest first): ` +
        `${r.chartEvents.map((e) => `${e.type} ×${e.perTurn} ${e.microsecondsEach} µs`).join(', ')}`,
    );
  }
}

export function printSessions(row: SessionsRow): void {
  console.log(
    `\nSession creation on the local stack (${row.stack}), ${row.sessions} sessions one after another, pool warm ` +
      `in ${row.poolWarmUpMs} ms:`,
  );
  const rssOk = row.rssPerSessionMb < 5;
  const createOk = row.createMs.p99 < 20;
  printRows(
    ['sessions', 'create p50/p99 (max) ms', 'RSS MB/session', 'heap MB/session', 'end p50/p99 ms'],
    [
      [
        String(row.sessions),
        `${fmt(row.createMs)} (${row.createMs.max})${mark(createOk)}`,
        String(row.rssPerSessionMb) + mark(rssOk),
        String(row.heapPerSessionMb),
        fmt(row.endMs),
      ],
    ],
  );
  console.log('Targets: creation p99 < 20 ms with warm pools; RSS < 5 MB per session; 100 sessions in one process.');
}

function printRows(header: string[], body: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
}

export function printPage(row: PageRow): void {
  console.log(
    `\nBrowser page in headless Chromium (local stack, ${row.loops} loops, AudioContext ${row.audioContextRateHz} ` +
      `Hz), ms in the page:`,
  );
  console.log('| measure | samples | p50 | p95 |');
  console.log('|---|---|---|---|');
  console.log(
    `| speech end → first reply audio played | ${row.replies} | ${row.firstAudioMs.p50} | ${row.firstAudioMs.p95} |`,
  );
  console.log(
    `| (server: speech end → first frame sent) | ${row.replies} | ${row.serverFirstAudioMs.p50} | ` +
      `${row.serverFirstAudioMs.p95} |`,
  );
  console.log(
    `| barge-in: user's first sound → page silent | ${row.bargeIns} | ${row.onsetToSilentMs.p50} | ` +
      `${row.onsetToSilentMs.p95} |`,
  );
  console.log(
    `| barge-in: speech_started → page silent | ${row.bargeIns} | ${row.speechStartedToSilentMs.p50} | ` +
      `${row.speechStartedToSilentMs.p95} |`,
  );
  console.log(
    `Not included: the browser's output latency to the loudspeaker (${row.outputLatencyMs} ms reported here).`,
  );
}

/**
 * Recording off vs on in one run (target: first audio p50 +1 ms at most with the default settings), and the store's
 * write path.
 */
export function printRecords(rows: RecordsRow[], write: WriteThroughputRow[]): void {
  const header = [
    'sessions',
    'recording',
    'turns',
    'first audio p50/p99',
    'over ideal p50/p99',
    'Δ first audio p50',
    'Δ over ideal p50',
    'cpu %',
    'events/s',
    'rows/transaction',
    'commit ms p50/p99',
    'db MB',
  ];
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${n}`;
  const body = rows.map((r) => {
    const off = r.recording === 'off';
    return [
      String(r.sessions),
      r.recording,
      String(r.turns),
      fmt(r.firstAudioMs),
      fmt(r.firstAudioOverIdealMs),
      off ? '' : signed(r.deltaFirstAudioP50Ms) + (r.recording === 'on' ? mark(r.deltaFirstAudioP50Ms <= 1) : ''),
      off ? '' : signed(r.deltaOverIdealP50Ms),
      String(r.cpuPercent),
      off ? '' : String(r.eventsPerSecond),
      off ? '' : String(r.rowsPerTransaction),
      off ? '' : fmt(r.commitMs),
      off ? '' : String(r.dbMb),
    ];
  });
  console.log('\nrecords (reply scenario, in-process; variants alternated over two rounds, turns pooled)');
  printRows(header, body);
  for (const w of write)
    console.log(
      `store capacity: ${w.rows} event rows, ${w.rowsPerTransaction} per transaction: ${w.rowsPerSecond} rows/s`,
    );
}
