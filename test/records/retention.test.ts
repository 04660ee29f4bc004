/**
 * Retention on explicit timestamps and a simulated clock: at open and at every sweep, recordings older
 * than `maxAgeMs` and all but the newest `maxSessions` go with all their rows; a recording still being
 * written stays whatever its age; an undelivered outbox row outlives its recording.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../adapters/testing/manual-clock.js';
import { openRecordStore, type RecordRow, type RecordStore } from '../../server/records/index.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2026, 0, 15);
const dir = mkdtempSync(join(tmpdir(), 'va-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recordingRows(id: string, startedWallMs: number): RecordRow[] {
  return [
    {
      table: 'recording',
      recordingId: id,
      sessionId: `s-${id}`,
      startedWallMs,
      chartVersion: 'chart-x',
      config: {},
      audio: true,
    },
    {
      table: 'event',
      recordingId: id,
      seq: 0,
      atMs: 0,
      event: { type: 'xstate.init' },
      state: 'idle.waiting',
      status: 'active',
    },
    {
      table: 'emitted',
      recordingId: id,
      seq: 0,
      eventSeq: 0,
      atMs: 0,
      emitted: { kind: 'notice', turnId: '-', code: 'no_input', detail: '8000 ms' },
    },
    { table: 'turn', recordingId: id, ordinal: 0, turn: { id: `s-${id}#t1`, turnId: 't1', outcome: 'finished' } },
    { table: 'audio', recordingId: id, seq: 0, atMs: 0, sampleRateHz: 16_000, pcm: new Uint8Array(640) },
    {
      table: 'outbox',
      recordingId: id,
      msgId: `${id}.t1`,
      subject: `va.s-${id}.record.turn`,
      payload: new Uint8Array([1]),
      createdWallMs: startedWallMs,
    },
  ];
}

const ids = (store: RecordStore) =>
  store
    .recordings()
    .map((r) => r.id)
    .sort();

describe('retention', () => {
  it('deletes by age and by count at open and at every sweep, never a recording being written', async () => {
    const file = join(dir, 'retention.db');
    const seed = openRecordStore({ file, wallClock: () => T0 });
    const ages = { d10: 10, d8: 8, d3: 3, d2: 2, d1: 1, d0: 0 };
    for (const [id, days] of Object.entries(ages))
      for (const row of recordingRows(id, T0 - days * DAY_MS)) seed.write(row);
    seed.flush();
    // d8's turn record reached JetStream; d10's never did.
    const d8 = seed.outbox.pending(10).find((r) => r.msgId === 'd8.t1')!;
    seed.outbox.delivered(d8.id, 1);
    await seed.close();

    let nowWallMs = T0;
    const clock = new ManualClock();
    const store = openRecordStore({
      file,
      clock,
      wallClock: () => nowWallMs,
      retention: { maxAgeMs: 7 * DAY_MS, maxSessions: 3, everyMs: HOUR_MS },
    });
    // At open: d10 and d8 are too old, and of the rest only the newest three stay.
    expect(ids(store)).toEqual(['d0', 'd1', 'd2']);
    const raw = new Database(file, { readonly: true });
    const rowsOf = (id: string) =>
      ['events', 'emitted', 'turns', 'audio'].map(
        (table) => raw.prepare(`SELECT COUNT(*) FROM ${table} WHERE recording_id = ?`).pluck().get(id) as number,
      );
    expect(rowsOf('d10')).toEqual([0, 0, 0, 0]);
    expect(rowsOf('d3')).toEqual([0, 0, 0, 0]);
    expect(rowsOf('d2')).toEqual([1, 1, 1, 1]);
    const outbox = () => raw.prepare('SELECT msg_id FROM outbox ORDER BY id').pluck().all();
    // The undelivered record of a deleted recording is kept for the relay; the delivered one is gone.
    expect(outbox()).toEqual(['d10.t1', 'd3.t1', 'd2.t1', 'd1.t1', 'd0.t1']);

    // A recording starts now and is still being written.
    for (const row of recordingRows('live', nowWallMs)) store.write(row);
    const detach = store.attach({ recordingId: 'live', collect: () => undefined });
    store.flush();
    // An hour later the sweep keeps the newest three, the live one among them.
    nowWallMs += HOUR_MS;
    await clock.advance(HOUR_MS);
    expect(ids(store)).toEqual(['d0', 'd1', 'live']);
    // Eight days on, everything is past the age limit, but the live recording stays while it is written.
    nowWallMs += 8 * DAY_MS;
    await clock.advance(HOUR_MS);
    expect(ids(store)).toEqual(['live']);
    expect(store.recordings()[0]).toMatchObject({ id: 'live', live: true });
    detach();
    expect(store.applyRetention()).toBe(1);
    expect(ids(store)).toEqual([]);
    raw.close();
    await store.close();
  });

  it('deletes a backlog larger than one deletion chunk (50) completely at open', async () => {
    const file = join(dir, 'backlog.db');
    const seed = openRecordStore({ file, wallClock: () => T0 });
    for (let i = 0; i < 130; i++) for (const row of recordingRows(`r${i}`, T0 - 30 * DAY_MS + i)) seed.write(row);
    seed.flush();
    await seed.close();
    const store = openRecordStore({
      file,
      wallClock: () => T0,
      retention: { maxAgeMs: 7 * DAY_MS, maxSessions: 100, everyMs: HOUR_MS },
    });
    expect(store.recordings()).toEqual([]);
    await store.close();
  });
});
