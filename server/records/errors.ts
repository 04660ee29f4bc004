/**
 * Typed errors of the session records. Every message names the database file and says how to fix the
 * problem; the SQLite error is kept as `cause`.
 *
 * @example
 * ```ts
 * try {
 *   openRecordStore({ file: 'voice-agent.db' });
 * } catch (error) {
 *   if (error instanceof DatabaseLockedError) console.error(error.message); // names the file and the fix
 * }
 * ```
 */

/** Base class: something is wrong with the records database `file`. */
export class RecordStoreError extends Error {
  override name = 'RecordStoreError';
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Another connection holds the write lock (a second process writing, or a long transaction). */
export class DatabaseLockedError extends RecordStoreError {
  override name = 'DatabaseLockedError';
}

/** The file is not a SQLite database, or its pages are damaged. */
export class DatabaseCorruptError extends RecordStoreError {
  override name = 'DatabaseCorruptError';
}

/** The file (or its directory, where SQLite keeps the WAL) cannot be written. */
export class DatabaseReadOnlyError extends RecordStoreError {
  override name = 'DatabaseReadOnlyError';
}

/** The file was written by a newer voice-agent whose schema this one does not know. */
export class DatabaseVersionError extends RecordStoreError {
  override name = 'DatabaseVersionError';
}

/** No recording matches what was asked for. */
export class RecordingNotFoundError extends RecordStoreError {
  override name = 'RecordingNotFoundError';
}

const sqliteCode = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
};

/**
 * Maps a better-sqlite3 error to the typed error that explains it, or returns it unchanged when it is
 * not about the file (a bug in a statement stays a bug).
 */
export function toStoreError(file: string, error: unknown): unknown {
  if (error instanceof RecordStoreError) return error;
  const code = sqliteCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new DatabaseLockedError(
      `records database ${file} is locked by another connection (${reason}): stop the other process that writes ` +
        `it, or give this one its own file with --db`,
      file,
      { cause: error },
    );
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new DatabaseCorruptError(
      `records database ${file} is not a valid SQLite database (${reason}): move it aside (mv ${file} ` +
        `${file}.broken) and start again, or point --db at another file`,
      file,
      { cause: error },
    );
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_CANTOPEN' ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_AUTH'
  ) {
    return new DatabaseReadOnlyError(
      `records database ${file} cannot be written (${reason}): make the file and its directory writable by this ` +
        `user (SQLite keeps ${file}-wal and ${file}-shm beside it), or point --db at a writable path ` +
        `(VA_RECORD__ENABLED=false records nothing)`,
      file,
      { cause: error },
    );
  }
  return error;
}
