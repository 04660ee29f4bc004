/**
 * `records`: what recording sessions costs. The reply scenario (in-process bus) runs twice in one
 * process, recording off and then on — a SQLite file in a temp dir, the default flush interval, audio
 * recorded too (the heaviest setting) — and first audio is compared. From the recorded run: events
 * recorded per second, rows per transaction and commit time. Then the store's capacity: event rows fed
 * as fast as it takes them, committed 1,000 per transaction.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../adapters/clock.js';
import type { MessageBus } from '../bus/message-bus.js';
import { createSessionRecorder, openRecordStore, type SessionRecorder } from '../server/records/index.js';
import { runReplyScenario } from './scenarios.js';
import { round, summarize, type Percentiles } from './stats.js';

export interface RecordsRow {
  scenario: 'records';
  sessions: number;
  turns: { off: number; on: number };
  firstAudioMs: { off: Percentiles; on: Percentiles };
  overIdealMs: { off: Percentiles; on: Percentiles };
  cpuPercent: { off: number; on: number };
  recordedEvents: number;
  eventsPerSecond: number;
  rowsPerTransaction: number;
  commitMs: Percentiles;
  dbMb: number;
}

export interface WriteThroughputRow {
  scenario: 'records-write';
  rows: number;
  rowsPerTransaction: number;
  rowsPerSecond: number;
}

export async function runRecordsScenario(bus: MessageBus, sessions: number, pairs: number): Promise<RecordsRow> {
  const off = await runReplyScenario(bus, 'memory', sessions, pairs, { name: 'records-off' });
  const dir = mkdtempSync(join(tmpdir(), 'va-bench-records-'));
  const file = join(dir, 'records.db');
  const store = openRecordStore({ file });
  const recorders: SessionRecorder[] = [];
  const startedAt = performance.now();
  try {
    const on = await runReplyScenario(bus, 'memory', sessions, pairs, {
      name: 'records-on',
      attach: () => {
        const recorder = createSessionRecorder(store, { bus, clock: systemClock, audio: true });
        recorders.push(recorder);
        return recorder.attach;
      },
    });
    const seconds = (performance.now() - startedAt) / 1000;
    for (const r of recorders) r.close('end');
    const { stats } = store;
    return {
      scenario: 'records',
      sessions,
      turns: { off: off.turns, on: on.turns },
      firstAudioMs: { off: off.firstAudioMs, on: on.firstAudioMs },
      overIdealMs: { off: off.firstAudioOverIdealMs, on: on.firstAudioOverIdealMs },
      cpuPercent: { off: off.cpuPercent, on: on.cpuPercent },
      recordedEvents: stats.events,
      eventsPerSecond: round(stats.events / seconds, 1),
      rowsPerTransaction: round(stats.rows / Math.max(1, stats.transactions), 1),
      commitMs: summarize(stats.commitMs),
      dbMb: round((statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0)) / 2 ** 20, 2),
    };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The store fed event rows as fast as it takes them (a realistic bus message each), 1,000 per commit. */
export function benchWriteThroughput(rows: number): WriteThroughputRow {
  const dir = mkdtempSync(join(tmpdir(), 'va-bench-write-'));
  const store = openRecordStore({ file: join(dir, 'write.db') });
  const perTransaction = 1000;
  try {
    store.write({ table: 'recording', recordingId: 'bench', sessionId: 'bench', startedWallMs: Date.now(), chartVersion: 'bench', config: {}, audio: false });
    const startedAt = performance.now();
    for (let seq = 0; seq < rows; seq++) {
      const event = { type: 'stt.partial', sessionId: 'bench', turnId: `u${seq >> 6}`, atMs: seq * 20, text: 'turn left and go to the kitchen' };
      store.write({ table: 'event', recordingId: 'bench', seq, atMs: seq * 20, event, state: 'listening.hearing', status: 'active' });
      if ((seq + 1) % perTransaction === 0) store.flush();
    }
    store.flush();
    const seconds = (performance.now() - startedAt) / 1000;
    return { scenario: 'records-write', rows, rowsPerTransaction: perTransaction, rowsPerSecond: Math.round(rows / seconds) };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
