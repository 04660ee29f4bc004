/**
 * A commit that fails while the session runs (another connection holds the write lock) loses nothing:
 * the rows stay queued, `onError` hears about it once per failure streak, and the next tick after the
 * lock is gone writes them all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../adapters/testing/manual-clock.js';
import { DatabaseLockedError, openRecordStore } from '../../server/records/index.js';

const dir = mkdtempSync(join(tmpdir(), 'va-commit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('store commits', () => {
  it('keeps the rows of a commit that failed on a lock and writes them once the lock is gone', async () => {
    const file = join(dir, 'retry.db');
    const clock = new ManualClock();
    const errors: unknown[] = [];
    const store = openRecordStore({ file, clock, flushEveryMs: 50, onError: (e) => errors.push(e) });
    const other = new Database(file);
    const events = () => other.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
    const recording = {
      table: 'recording',
      recordingId: 'r1',
      sessionId: 's1',
      startedWallMs: 1,
      chartVersion: 'chart-x',
      config: {},
      audio: false,
    } as const;
    store.write(recording);
    other.exec('BEGIN IMMEDIATE');
    for (let seq = 0; seq < 3; seq++) {
      store.write({
        table: 'event',
        recordingId: 'r1',
        seq,
        atMs: seq * 10,
        event: { type: 'user.text' },
        state: 'idle.waiting',
        status: 'active',
      });
      await clock.advance(50);
    }
    expect(store.stats.failures).toBe(3);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DatabaseLockedError);
    expect((errors[0] as Error).message).toContain(`records database ${file} is locked by another connection`);
    other.exec('ROLLBACK');
    expect(events()).toBe(0);
    await clock.advance(50);
    expect(events()).toBe(3);
    expect(store.stats).toMatchObject({ transactions: 1, rows: 4, events: 3, dropped: 0 });
    expect(store.events('r1').map((e) => e.seq)).toEqual([0, 1, 2]);
    other.close();
    await store.close();
  });
});
