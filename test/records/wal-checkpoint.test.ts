/**
 * WAL checkpoints run on the store's worker thread, not on the event loop: 2 MB of audio rows (less than
 * SQLite's own automatic threshold of 1,000 pages, which the store turns off) reach the database file
 * while the store is open. Once `close()` settles, the worker has let go of the file too: no WAL or
 * shared-memory file is left, so the file may be moved or its directory removed.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRecordStore } from '../../server/records/index.js';
import { until } from '../support/until.js';

const dir = mkdtempSync(join(tmpdir(), 'va-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAL checkpoints', () => {
  it('copies committed rows into the database file from the worker thread', async () => {
    const file = join(dir, 'wal.db');
    const errors: unknown[] = [];
    const store = openRecordStore({ file, onError: (e) => errors.push(e) });
    store.write({
      table: 'recording',
      recordingId: 'r1',
      sessionId: 's1',
      startedWallMs: 1,
      chartVersion: 'chart-x',
      config: {},
      audio: true,
    });
    const chunk = new Uint8Array(32_000);
    for (let seq = 0; seq < 64; seq++)
      store.write({ table: 'audio', recordingId: 'r1', seq, atMs: seq * 1000, sampleRateHz: 16_000, pcm: chunk });
    store.flush();
    await until('the audio in the database file', () => statSync(file).size > 2_000_000);
    expect(store.audio('r1')).toHaveLength(64);
    expect(errors).toEqual([]);
    // The worker checkpointed, so it holds the file open: only its own close deletes the WAL.
    await store.close();
    expect(readdirSync(dir)).toEqual(['wal.db']);
  });
});
