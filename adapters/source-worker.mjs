// Starts a worker thread whose code is TypeScript, when the project runs from its sources (tests, `tsx`
// runs): a worker does not inherit the loader that lets the main thread import `.ts` files, so this
// registers tsx (a development dependency) in the worker, then imports `workerData.entry`. The built
// package (dist/) starts its compiled workers directly and never loads this file.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);
