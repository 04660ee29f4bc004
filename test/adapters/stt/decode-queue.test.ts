/**
 * The decode thread's job order: oldest first across streams; a stream whose final or pause partial is
 * awaited runs its jobs, in their order, before other streams' audio; an abort drops its stream's queued
 * audio.
 */
import { describe, expect, it } from 'vitest';
import { createDecodeQueue } from '../../../adapters/stt/decode-queue.js';

type Job = { type: 'open' | 'push' | 'flush' | 'finish' | 'abort'; id: number; n?: number };
const drain = (queue: ReturnType<typeof createDecodeQueue<Job>>) => {
  const order: string[] = [];
  for (let job = queue.next(); job; job = queue.next()) order.push(`${job.type}${job.id}${job.n ?? ''}`);
  return order;
};

describe('the decode queue', () => {
  it('runs the oldest job first while no answer is awaited', () => {
    const queue = createDecodeQueue<Job>();
    for (const job of [
      { type: 'open', id: 1 },
      { type: 'push', id: 1, n: 1 },
      { type: 'open', id: 2 },
      { type: 'push', id: 2, n: 1 },
      { type: 'push', id: 1, n: 2 },
    ] as Job[])
      queue.add(job);
    expect(drain(queue)).toEqual(['open1', 'push11', 'open2', 'push21', 'push12']);
    expect(queue.size).toBe(0);
  });

  it("runs a stream's jobs up to its awaited final before the other streams' audio, in their own order", () => {
    const queue = createDecodeQueue<Job>();
    for (const job of [
      { type: 'push', id: 1, n: 1 },
      { type: 'push', id: 2, n: 1 },
      { type: 'push', id: 1, n: 2 },
      { type: 'push', id: 2, n: 2 },
      { type: 'finish', id: 2 },
      { type: 'push', id: 3, n: 1 },
      { type: 'flush', id: 3 },
    ] as Job[])
      queue.add(job);
    expect(drain(queue)).toEqual(['push21', 'push22', 'finish2', 'push31', 'flush3', 'push11', 'push12']);
  });

  it("drops an aborted stream's queued audio, and keeps its open so the set it takes is given back", () => {
    const queue = createDecodeQueue<Job>();
    for (const job of [
      { type: 'open', id: 1 },
      { type: 'push', id: 1, n: 1 },
      { type: 'push', id: 2, n: 1 },
      { type: 'push', id: 1, n: 2 },
      { type: 'abort', id: 1 },
    ] as Job[])
      queue.add(job);
    expect(drain(queue)).toEqual(['open1', 'abort1', 'push21']);
  });
});
