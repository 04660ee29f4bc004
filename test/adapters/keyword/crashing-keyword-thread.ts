/**
 * The keyword thread (engine-worker.ts) that ends itself when a block starts with the sample −32768: a
 * crash while a stream's hop is scored. Every other block is scored as on the real thread.
 */
import { parentPort } from 'node:worker_threads';
import type { KeywordJob } from '../../../adapters/keyword/engine-worker.js';

// First: a message the thread receives before its own listener is attached would never reach it.
await import('../../../adapters/keyword/engine-worker.js');
parentPort?.on('message', (job: KeywordJob) => {
  if (job.type === 'push' && job.samples[0] === -32_768) process.exit(4);
});
