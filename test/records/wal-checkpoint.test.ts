/**
 * WAL checkpoints run on the store's worker thread, not on the event loop: 2 MB of audio rows (less than
 * SQLite's own automatic threshold of 1,000 pages, which the store turns off) reach the database file
 * while the store is open, and its WAL is reused rather than growing.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRecordStore } from '../../server/records/index.js';

const dir = mkdtempSync(join(tmpdir(), 'va-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(what: string, check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('WAL checkpoints', () => {
  it('copies committed rows into the database file from the worker thread', async () => {
    const file = join(dir, 'wal.db');
    const errors: unknown[] = [];
    const store = openRecordStore({ file, onError: (e) => errors.push(e) });
    store.write({ table: 'recording', recordingId: 'r1', sessionId: 's1', startedWallMs: 1, chartVersion: 'chart-x', config: {}, audio: true });
    const chunk = new Uint8Array(32_000);
    for (let seq = 0; seq < 64; seq++) store.write({ table: 'audio', recordingId: 'r1', seq, atMs: seq * 1000, sampleRateHz: 16_000, pcm: chunk });
    store.flush();
    await until('the audio in the database file', () => statSync(file).size > 2_000_000);
    // The next rows go to the start of the checkpointed WAL instead of growing it.
    const walBytes = statSync(`${file}-wal`).size;
    for (let seq = 64; seq < 96; seq++) store.write({ table: 'audio', recordingId: 'r1', seq, atMs: seq * 1000, sampleRateHz: 16_000, pcm: chunk });
    store.flush();
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(walBytes);
    expect(store.audio('r1')).toHaveLength(96);
    expect(errors).toEqual([]);
    store.close();
  });
});
