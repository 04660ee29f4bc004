/**
 * The order a decode thread runs its streams' jobs in. Each stream's own jobs keep their order; across
 * streams the oldest job runs first, except that a stream with a `flush` or `finish` queued (the user
 * paused, or stopped: the session waits on that answer) runs its jobs up to it before the others' audio.
 * So under load a final waits for its own utterance's audio, not for every other session's. An `abort`
 * goes ahead too, and drops the audio its stream has queued, which no one will read.
 *
 * @example
 * ```ts
 * const queue = createDecodeQueue<DecodeJob>();
 * queue.add({ type: 'push', id: 1, audio });
 * queue.add({ type: 'finish', id: 2 });
 * queue.next(); // stream 2's jobs first
 * ```
 */

/** A job of one stream, by its id. */
export interface StreamJobLike {
  type: string;
  id: number;
}

export interface DecodeQueue<J extends StreamJobLike> {
  add(job: J): void;
  /** The job to run now, taken from the queue; undefined when it is empty. */
  next(): J | undefined;
  readonly size: number;
}

const isAnswerAwaited = (job: StreamJobLike) => job.type === 'finish' || job.type === 'flush';
const isAudio = (job: StreamJobLike) => job.type === 'push' || job.type === 'flush';

export function createDecodeQueue<J extends StreamJobLike>(): DecodeQueue<J> {
  const jobs: J[] = [];
  return {
    get size() {
      return jobs.length;
    },
    add(job) {
      if (job.type === 'abort') {
        for (let i = jobs.length - 1; i >= 0; i--) if (jobs[i]!.id === job.id && isAudio(jobs[i]!)) jobs.splice(i, 1);
      }
      jobs.push(job);
    },
    next() {
      const awaited = jobs.find((job) => isAnswerAwaited(job) || job.type === 'abort');
      // The awaited stream's oldest job: its own order is kept.
      const at = awaited ? jobs.findIndex((job) => job.id === awaited.id) : 0;
      return jobs.length === 0 ? undefined : jobs.splice(at, 1)[0];
    },
  };
}
