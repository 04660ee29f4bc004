/**
 * Child-process helper for the store's file-error tests: opens the records database named on the
 * command line and prints the outcome as one JSON line (`{ ok }` or `{ name, message }`). Run as another
 * user, it shows what a read-only file does to a process that cannot write it (root writes any file).
 */
import { openRecordStore } from '../../server/records/index.js';

const file = process.argv[2];
if (!file) throw new Error('usage: open-record-store.ts FILE');
try {
  await openRecordStore({ file }).close();
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(JSON.stringify({ name: (error as Error).name, message: (error as Error).message }));
}
