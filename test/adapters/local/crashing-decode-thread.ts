/**
 * A pocketsphinx decode thread (pocketsphinx-worker.ts) that ends itself at the first audio of a stream
 * opened on the channel `crash`, once that audio is decoded: a crash mid-utterance. Every other stream
 * decodes as on the real thread.
 */
import { parentPort } from 'node:worker_threads';
import type { DecodeJob } from '../../../adapters/stt/pocketsphinx-worker.js';

// First: a message the thread receives before its own listener is attached would never reach it.
await import('../../../adapters/stt/pocketsphinx-worker.js');
const crashing = new Set<number>();
parentPort?.on('message', (job: DecodeJob) => {
  if (job.type === 'open' && job.channel === 'crash') crashing.add(job.id);
  if (job.type === 'push' && crashing.has(job.id)) process.exit(3);
});
