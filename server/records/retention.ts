/**
 * Retention: recordings older than `maxAgeMs`, and all but the newest `maxSessions`, are deleted with
 * their events, emitted entries, turns and audio. Recordings still being written (`keep`) are never
 * touched. Outbox rows are deleted only once delivered: an undelivered turn record outlives its
 * recording, because the outbox is the promise that it reaches JetStream.
 *
 * @example
 * ```ts
 * const deleted = applyRetention(db, { maxAgeMs: 7 * 86_400_000, maxSessions: 1000 }, Date.now(), new Set(), 50);
 * ```
 */
import type Database from 'better-sqlite3';

export interface RetentionPolicy {
  /** Recordings that started longer ago than this are deleted. */
  maxAgeMs: number;
  /** Only the newest this many recordings are kept. */
  maxSessions: number;
}

/**
 * Deletes at most `limit` recordings (oldest first) in one transaction and returns how many it deleted;
 * call again while it returns `limit` (the periodic sweep does that a chunk at a time, so a large backlog
 * never holds the event loop for long).
 */
export function applyRetention(
  db: Database.Database,
  policy: RetentionPolicy,
  nowWallMs: number,
  keep: ReadonlySet<string>,
  limit: number,
): number {
  const cutoffWallMs = nowWallMs - policy.maxAgeMs;
  // The newest `maxSessions` recordings survive; anything ranked after them, or past the age limit,
  // goes. Open recordings count towards `maxSessions` but are never deleted.
  const candidates = db
    .prepare(
      `SELECT id FROM (
         SELECT id, started_wall_ms, ROW_NUMBER() OVER (ORDER BY started_wall_ms DESC, rowid DESC) AS rank
         FROM recordings
       ) WHERE started_wall_ms < ? OR rank > ?
       ORDER BY started_wall_ms ASC`,
    )
    .pluck()
    .all(cutoffWallMs, policy.maxSessions) as string[];
  const doomed = candidates.filter((id) => !keep.has(id)).slice(0, limit);
  if (doomed.length === 0) return 0;
  const deleteFrom = ['events', 'emitted', 'turns', 'audio'].map((table) =>
    db.prepare(`DELETE FROM ${table} WHERE recording_id = ?`),
  );
  const deleteRecording = db.prepare('DELETE FROM recordings WHERE id = ?');
  const deleteDelivered = db.prepare('DELETE FROM outbox WHERE recording_id = ? AND delivered_wall_ms IS NOT NULL');
  db.transaction(() => {
    for (const id of doomed) {
      for (const statement of deleteFrom) statement.run(id);
      deleteDelivered.run(id);
      deleteRecording.run(id);
    }
  }).immediate();
  return doomed.length;
}
