/**
 * A session's learned keyword spotting: one {@link FeatureStream} (the speech embedding, every 80 ms)
 * read by every head the session listens with. Each hop scores every head; a phrase is spotted when its
 * score reaches the head's threshold, once per rise (it must fall under the threshold again before the
 * next spotting).
 *
 * @example
 * ```ts
 * const engine = await loadKeywordEngine({ phrases: ['stop', 'yes'] });
 * const stream = engine.open();
 * for (const frame of microphone) {
 *   for (const spotted of (await stream.push(frame)).spotted) console.log(spotted.phrase);
 * }
 * ```
 */
import {
  createFeatureStream,
  HOP_MS,
  loadFrontEnd,
  SAMPLE_RATE_HZ,
  type FrontEnd,
  type FrontEndPaths,
} from './front-end.js';
import { loadHead, trainCommand, type KeywordHead } from './head.js';
import { FETCH_FRONT_END_COMMAND, findHead, frontEndPaths } from './model-files.js';
import { KeywordModelError } from './onnx-runtime.js';

/** Why 0.5: openWakeWord's default, and the threshold the project's heads are trained and measured at. */
export const DEFAULT_THRESHOLD = 0.5;

export interface KeywordScores {
  /** Stream time at the end of this hop (ms). */
  endMs: number;
  /** Each head's score at this hop, by phrase. */
  scores: Record<string, number>;
}

export interface KeywordSpotting {
  phrase: string;
  score: number;
  /** Stream time at the end of the hop that spotted it (ms): the phrase ended at most 80 ms before. */
  endMs: number;
}

export interface KeywordStream {
  /** 16 kHz samples (16-bit scale) in any pieces; each completed hop's scores and the phrases spotted. */
  push(samples: Int16Array | Float32Array): Promise<{ hops: KeywordScores[]; spotted: KeywordSpotting[] }>;
  /** Optional: the stream is over (an engine on a thread forgets it there); blocks pushed before are still told. */
  close?(): void;
}

export interface KeywordEngine {
  readonly heads: readonly KeywordHead[];
  /** 16 kHz: what every stream takes. */
  readonly sampleRateHz: number;
  /** A new stream (one per microphone); streams share the models. */
  open(): KeywordStream;
}

export interface KeywordEngineOptions {
  /** The phrases to listen for; each needs a head (`heads[phrase]`, else {@link findHead}). */
  phrases: readonly string[];
  /** A head file per phrase, overriding the shipped and trained ones. */
  heads?: Readonly<Record<string, string>>;
  /** Per phrase; else the head's own calibrated threshold, else `threshold`. */
  thresholds?: Readonly<Record<string, number>>;
  /** For a head without a threshold of its own; default {@link DEFAULT_THRESHOLD}. */
  threshold?: number;
  frontEnd?: FrontEndPaths;
}

const frontEnds = new Map<string, Promise<FrontEnd>>();

/** The front end at `paths`, loaded once per process. */
export function sharedFrontEnd(paths: FrontEndPaths = frontEndPaths()): Promise<FrontEnd> {
  const key = `${paths.melspectrogram}|${paths.embedding}`;
  const cached = frontEnds.get(key);
  if (cached) return cached;
  const loading = loadFrontEnd(paths, FETCH_FRONT_END_COMMAND);
  frontEnds.set(key, loading);
  loading.catch(() => frontEnds.delete(key));
  return loading;
}

/** The head file of `phrase`, or an error naming the command that makes one. */
export function headPathOf(phrase: string, configured?: Readonly<Record<string, string>>): string {
  const path = configured?.[phrase] ?? findHead(phrase);
  if (path === undefined) {
    throw new KeywordModelError(
      `no keyword head for "${phrase}": run \`${trainCommand(phrase)}\`, or name a file in the ` + `configuration`,
      phrase,
    );
  }
  return path;
}

/** Loads the front end and a head per phrase; errors name the file and the command that fixes it. */
export async function loadKeywordEngine(options: KeywordEngineOptions): Promise<KeywordEngine> {
  const frontEnd = await sharedFrontEnd(options.frontEnd);
  const heads = await Promise.all(
    options.phrases.map((phrase) => loadHead({ phrase, path: headPathOf(phrase, options.heads) })),
  );
  const thresholds = new Map(
    heads.map((h) => [
      h.phrase,
      options.thresholds?.[h.phrase] ?? h.threshold ?? options.threshold ?? DEFAULT_THRESHOLD,
    ]),
  );
  const threshold = (phrase: string) => thresholds.get(phrase)!;
  const history = Math.max(...heads.map((h) => h.windowFrames), 1);
  return {
    heads,
    sampleRateHz: SAMPLE_RATE_HZ,
    open() {
      const features = createFeatureStream(frontEnd);
      const state = { embeddings: [] as Float32Array[], above: new Set<string>(), hops: 0, tail: Promise.resolve() };
      const scoreHops = async (samples: Int16Array | Float32Array) => {
        const hops: KeywordScores[] = [];
        const spotted: KeywordSpotting[] = [];
        for (const embedding of await features.push(samples)) {
          state.embeddings.push(embedding);
          if (state.embeddings.length > history) state.embeddings.shift();
          state.hops += 1;
          const endMs = state.hops * HOP_MS;
          const scores: Record<string, number> = {};
          for (const head of heads) {
            // A head scores once its whole window has been heard (openWakeWord's streams start the same way).
            const score = state.embeddings.length >= head.windowFrames ? await head.score(state.embeddings) : 0;
            scores[head.phrase] = score;
            const reached = score >= threshold(head.phrase);
            if (reached && !state.above.has(head.phrase)) spotted.push({ phrase: head.phrase, score, endMs });
            if (reached) state.above.add(head.phrase);
            else state.above.delete(head.phrase);
          }
          hops.push({ endMs, scores });
        }
        return { hops, spotted };
      };
      return {
        push(samples) {
          // In order: a push's hops are scored (awaiting each head) only after the pushes before it.
          const result = state.tail.then(() => scoreHops(samples));
          state.tail = result.then(
            () => undefined,
            () => undefined,
          );
          return result;
        },
      };
    },
  };
}
