/**
 * WAL checkpoints off the event loop. SQLite copies the write-ahead log back into the database file
 * (and fsyncs it) at a checkpoint; done by the writing connection, as by default, that stalls the event
 * loop for 10–40 ms every few seconds once audio is recorded — the loop that paces every session's
 * playback. Here a worker thread with its own connection runs a PASSIVE checkpoint (which never blocks
 * the writer) every `everyMs`, and the store's connection never checkpoints itself.
 *
 * If the worker cannot run, `onFailure` is called once and the store goes back to SQLite's automatic
 * checkpoints: slower tails, nothing lost.
 *
 * @example
 * ```ts
 * db.pragma('wal_autocheckpoint = 0');
 * const checkpointer = startCheckpointer('voice-agent.db', 1000, () => db.pragma('wal_autocheckpoint = 1000'));
 * // … at close
 * await checkpointer.stop();
 * ```
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface Checkpointer {
  /**
   * Asks the worker to close its connection and end. The promise settles once the worker has let go of
   * the file (its last close may still delete the WAL), so a caller may then move or remove it.
   */
  stop(): Promise<void>;
}

/** Plain JavaScript, so the worker runs the same from source (tsx, vitest) and from `dist/`. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlitePath);
const db = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message), code: error && error.code });
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Why 1 s: a PASSIVE checkpoint waits for nobody, so the lock it takes is brief. */
const CHECKPOINT_BUSY_TIMEOUT_MS = 1000;
/** Why 2 s: twice the longest a checkpoint waits on a lock; a worker still running after that is ended. */
const STOP_DEADLINE_MS = 2 * CHECKPOINT_BUSY_TIMEOUT_MS;

export function startCheckpointer(file: string, everyMs: number, onFailure: (error: Error) => void): Checkpointer {
  const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, everyMs, sqlitePath, busyTimeoutMs: CHECKPOINT_BUSY_TIMEOUT_MS },
  });
  // The worker never keeps the process alive on its own.
  worker.unref();
  let failed = false;
  const fail = (error: Error) => {
    if (failed) return;
    failed = true;
    onFailure(error);
  };
  worker.on('error', fail);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (m: { error?: string; code?: string }) => {
    // A busy checkpoint is skipped and tried again next time; anything else means the worker is useless.
    if (m.error && !m.code?.startsWith('SQLITE_BUSY')) fail(new Error(`WAL checkpoint of ${file} failed: ${m.error}`));
  });
  return {
    stop() {
      // Held while it closes: a process awaiting this with nothing else to do would otherwise exit first.
      worker.ref();
      if (failed) void worker.terminate();
      else {
        worker.postMessage('stop');
        const deadline = setTimeout(() => void worker.terminate(), STOP_DEADLINE_MS);
        void exited.then(() => clearTimeout(deadline));
      }
      return exited;
    },
  };
}
