/**
 * `records`: what recording sessions costs. The reply scenario (in-process bus) runs with recording off,
 * on (the default settings: events, turns, history; a SQLite file in a temp dir, the default flush
 * interval) and on with the microphone audio too (`record.audio`, the heaviest setting). The variants
 * alternate over two rounds and each pools its rounds' turns, so drift on a shared machine (GC, other
 * processes) does not land on one variant. From the recorded runs: events recorded per second, rows per
 * transaction, commit time. Then the store's capacity: event rows fed as fast as it takes them, 1,000
 * per transaction.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../adapters/clock.js';
import type { MessageBus } from '../bus/message-bus.js';
import {
  createSessionRecorder,
  openRecordStore,
  type RecordStore,
  type SessionRecorder,
} from '../server/records/index.js';
import { replyStats, runReplyScenario } from './scenarios.js';
import type { TurnRecord } from './session-driver.js';
import { round, summarize, type Percentiles } from './stats.js';

export type RecordingVariant = 'off' | 'on' | 'on+audio';

export interface RecordsRow {
  scenario: 'records';
  sessions: number;
  recording: RecordingVariant;
  turns: number;
  firstAudioMs: Percentiles;
  firstAudioOverIdealMs: Percentiles;
  /** Against `off`: first audio p50 and over-ideal p50 (the ideal absorbs the LLM's own timing). */
  deltaFirstAudioP50Ms: number;
  deltaOverIdealP50Ms: number;
  cpuPercent: number;
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

const VARIANTS: RecordingVariant[] = ['off', 'on', 'on+audio'];
/** Why 2 rounds: enough to spread drift over the variants without doubling an already long scenario. */
const ROUNDS = 2;

const fileMb = (file: string) => (statSync(file, { throwIfNoEntry: false })?.size ?? 0) / 2 ** 20;

export async function runRecordsScenario(
  bus: MessageBus,
  sessions: number,
  pairsPerRound: number,
): Promise<RecordsRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'va-bench-records-'));
  const pooled = new Map<
    RecordingVariant,
    { turns: TurnRecord[]; cpu: number[]; seconds: number; store?: RecordStore; file?: string }
  >();
  try {
    for (const variant of VARIANTS) {
      const file = join(dir, `${variant}.db`);
      pooled.set(variant, {
        turns: [],
        cpu: [],
        seconds: 0,
        ...(variant === 'off' ? {} : { store: openRecordStore({ file }), file }),
      });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of VARIANTS) {
        const p = pooled.get(variant)!;
        const recorders: SessionRecorder[] = [];
        const startedAt = performance.now();
        const row = await runReplyScenario(bus, 'memory', sessions, pairsPerRound, {
          name: `records-${variant.replace('+', '-')}-${round}`,
          onTurns: (turns) => p.turns.push(...turns),
          ...(p.store
            ? {
                attach: () => {
                  const recorder = createSessionRecorder(p.store!, {
                    bus,
                    clock: systemClock,
                    audio: variant === 'on+audio',
                  });
                  recorders.push(recorder);
                  return recorder.attach;
                },
              }
            : {}),
        });
        p.seconds += (performance.now() - startedAt) / 1000;
        p.cpu.push(row.cpuPercent);
        for (const r of recorders) r.close('end');
      }
    }
    const off = replyStats(pooled.get('off')!.turns);
    return VARIANTS.map((variant): RecordsRow => {
      const p = pooled.get(variant)!;
      const stats = replyStats(p.turns);
      const store = p.store?.stats;
      return {
        scenario: 'records',
        sessions,
        recording: variant,
        turns: stats.turns,
        firstAudioMs: stats.firstAudioMs,
        firstAudioOverIdealMs: stats.firstAudioOverIdealMs,
        deltaFirstAudioP50Ms: round(stats.firstAudioMs.p50 - off.firstAudioMs.p50),
        deltaOverIdealP50Ms: round(stats.firstAudioOverIdealMs.p50 - off.firstAudioOverIdealMs.p50),
        cpuPercent: round(p.cpu.reduce((a, b) => a + b, 0) / p.cpu.length, 1),
        recordedEvents: store?.events ?? 0,
        eventsPerSecond: store ? round(store.events / p.seconds, 1) : 0,
        rowsPerTransaction: store ? round(store.rows / Math.max(1, store.transactions), 1) : 0,
        commitMs: store ? summarize(store.commitMs) : { p50: Number.NaN, p99: Number.NaN },
        dbMb: p.file ? round(fileMb(p.file) + fileMb(`${p.file}-wal`), 2) : 0,
      };
    });
  } finally {
    for (const p of pooled.values()) await p.store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The store fed event rows as fast as it takes them (a realistic bus message each), 1,000 per commit. */
export async function benchWriteThroughput(rows: number): Promise<WriteThroughputRow> {
  const dir = mkdtempSync(join(tmpdir(), 'va-bench-write-'));
  const store = openRecordStore({ file: join(dir, 'write.db') });
  const perTransaction = 1000;
  try {
    store.write({
      table: 'recording',
      recordingId: 'bench',
      sessionId: 'bench',
      startedWallMs: Date.now(),
      chartVersion: 'bench',
      config: {},
      audio: false,
    });
    const startedAt = performance.now();
    for (let seq = 0; seq < rows; seq++) {
      const event = {
        type: 'stt.partial',
        sessionId: 'bench',
        turnId: `u${seq >> 6}`,
        atMs: seq * 20,
        text: 'turn left and go to the kitchen',
      };
      store.write({
        table: 'event',
        recordingId: 'bench',
        seq,
        atMs: seq * 20,
        event,
        state: 'listening.hearing',
        status: 'active',
      });
      if ((seq + 1) % perTransaction === 0) store.flush();
    }
    store.flush();
    const seconds = (performance.now() - startedAt) / 1000;
    return {
      scenario: 'records-write',
      rows,
      rowsPerTransaction: perTransaction,
      rowsPerSecond: Math.round(rows / seconds),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
