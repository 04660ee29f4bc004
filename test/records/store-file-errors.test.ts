/**
 * A records database that cannot be used is a typed error naming the file and the fix, at open — each
 * condition made for real: another connection holding the write lock, a file of garbage bytes, a file
 * this process may not write, a file from a newer schema, a directory that does not exist.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DatabaseCorruptError,
  DatabaseLockedError,
  DatabaseVersionError,
  openRecordStore,
  RecordStoreError,
  SCHEMA_VERSION,
} from '../../server/records/index.js';

const dir = mkdtempSync(join(tmpdir(), 'va-records-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('records database file errors', () => {
  it('names a file locked by another connection, and the fix', async () => {
    const file = join(dir, 'locked.db');
    await openRecordStore({ file }).close();
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      let error: unknown;
      try {
        openRecordStore({ file });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DatabaseLockedError);
      expect((error as DatabaseLockedError).file).toBe(file);
      expect((error as Error).message).toContain(`records database ${file} is locked by another connection`);
      expect((error as Error).message).toContain(
        'stop the other process that writes it, or give this one its own file with --db',
      );
      expect((error as Error).cause).toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    // Once the other connection lets go, the same file opens.
    await openRecordStore({ file }).close();
  });

  it('names a file of garbage bytes as corrupt, and how to move it aside', () => {
    const file = join(dir, 'garbage.db');
    writeFileSync(file, Buffer.from('this is not a database '.repeat(200)));
    expect(() => openRecordStore({ file })).toThrow(DatabaseCorruptError);
    expect(() => openRecordStore({ file })).toThrow(`records database ${file} is not a valid SQLite database`);
    expect(() => openRecordStore({ file })).toThrow(`mv ${file} ${file}.broken`);
  });

  it('names a read-only file, and the fix', async () => {
    const file = join(dir, 'readonly.db');
    await openRecordStore({ file }).close();
    chmodSync(file, 0o444);
    // Root writes any file, so as root the child process runs without the capability that allows it.
    const asRoot = process.getuid?.() === 0;
    const command = asRoot ? 'setpriv' : process.execPath;
    const args = [
      ...(asRoot
        ? [
            '--bounding-set',
            '-dac_override,-dac_read_search',
            '--inh-caps',
            '-dac_override,-dac_read_search',
            '--',
            process.execPath,
          ]
        : []),
      '--import',
      'tsx',
      'test/support/open-record-store.ts',
      file,
    ];
    const child = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
    expect(child.status, child.stderr).toBe(0);
    const outcome = JSON.parse(child.stdout.trim().split('\n').pop()!) as { name: string; message: string };
    expect(outcome.name).toBe('DatabaseReadOnlyError');
    expect(outcome.message).toContain(`records database ${file} cannot be written`);
    expect(outcome.message).toContain('make the file and its directory writable by this user');
  });

  it('refuses a file written by a newer schema instead of guessing', () => {
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openRecordStore({ file })).toThrow(DatabaseVersionError);
    expect(() => openRecordStore({ file })).toThrow(
      `has schema version ${SCHEMA_VERSION + 1}, newer than this voice-agent's ${SCHEMA_VERSION}: upgrade voice-agent`,
    );
  });

  it('names a directory that does not exist, and a missing file opened for reading', () => {
    const file = join(dir, 'no-such-dir', 'x.db');
    expect(() => openRecordStore({ file })).toThrow(RecordStoreError);
    expect(() => openRecordStore({ file })).toThrow(`directory ${join(dir, 'no-such-dir')} does not exist: create it`);
    const missing = join(dir, 'missing.db');
    expect(() => openRecordStore({ file: missing, readonly: true })).toThrow(
      `records database ${missing} does not exist`,
    );
  });
});
