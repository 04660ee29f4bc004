/**
 * A keyword head: a small model that reads the last few speech embeddings (openWakeWord's heads read 16,
 * 1.28 s) and says how likely its phrase just ended, 0..1. Any openWakeWord model file is one (input
 * `[1, frames, 96]`, one output); so are the heads `voice-agent train-phrase` writes.
 *
 * @example
 * ```ts
 * const head = await loadHead({ phrase: 'stop', path: 'heads/stop.onnx' });
 * const score = await head.score(lastEmbeddings); // lastEmbeddings.length >= head.windowFrames
 * ```
 */
import { readFileSync } from 'node:fs';
import { EMBEDDING_SIZE } from './front-end.js';
import { readOnnxMetadata } from './onnx-metadata.js';
import { inputShape, KeywordModelError, openOnnxModel, runOnce, type OnnxSession } from './onnx-runtime.js';

export interface HeadSource {
  /** The phrase the head spots, as configured (`stop`, `hey jarvis`). */
  phrase: string;
  path: string;
  /** The command that makes or fetches this file, named in errors (default: `voice-agent train-phrase PHRASE`). */
  fix?: string;
}

export interface KeywordHead {
  readonly phrase: string;
  readonly path: string;
  /** How many embeddings (80 ms each) the head reads. */
  readonly windowFrames: number;
  /** The threshold its training calibrated (the file's `threshold` metadata), when it has one. */
  readonly threshold?: number;
  /** The head's score for the window ending with the last of `embeddings` (at least `windowFrames` of them). */
  score(embeddings: readonly Float32Array[]): Promise<number>;
}

/** The command that writes a head for `phrase`. */
export function trainCommand(phrase: string): string {
  return `voice-agent train-phrase ${JSON.stringify(phrase)}`;
}

/** Loads a head and checks its shape: input `[1, frames, 96]`, one score out. */
export async function loadHead(source: HeadSource): Promise<KeywordHead> {
  const fix = source.fix ?? trainCommand(source.phrase);
  const session = await openOnnxModel(source.path, { fix });
  const shape = inputShape(session);
  const windowFrames = shape[1] ?? -1;
  if (shape.length !== 3 || shape[2] !== EMBEDDING_SIZE || windowFrames < 1 || windowFrames > 64) {
    throw new KeywordModelError(
      `${source.path} is not a keyword head: its input is [${shape.join(', ')}], a head reads [1, frames, ` +
        `${EMBEDDING_SIZE}] (openWakeWord's models do): run \`${fix}\``,
      source.path,
    );
  }
  const probe = await scoreWith(session, windowFrames, new Float32Array(windowFrames * EMBEDDING_SIZE)).catch(
    (cause: unknown) => {
      throw new KeywordModelError(`${source.path} fails on a window of embeddings: run \`${fix}\``, source.path, {
        cause,
      });
    },
  );
  if (!Number.isFinite(probe.score) || probe.outputs !== 1) {
    throw new KeywordModelError(
      `${source.path} gives ${probe.outputs} outputs, a head gives one score: run \`${fix}\``,
      source.path,
    );
  }
  const window = new Float32Array(windowFrames * EMBEDDING_SIZE);
  const calibrated = Number(readOnnxMetadata(readFileSync(source.path)).threshold);
  return {
    phrase: source.phrase,
    path: source.path,
    windowFrames,
    ...(calibrated > 0 && calibrated < 1 ? { threshold: calibrated } : {}),
    async score(embeddings) {
      const first = embeddings.length - windowFrames;
      for (let i = 0; i < windowFrames; i++) window.set(embeddings[first + i]!, i * EMBEDDING_SIZE);
      return (await scoreWith(session, windowFrames, window)).score;
    },
  };
}

async function scoreWith(
  session: OnnxSession,
  frames: number,
  window: Float32Array,
): Promise<{ score: number; outputs: number }> {
  const out = await runOnce(session, [1, frames, EMBEDDING_SIZE], window);
  return { score: out[0]!, outputs: out.length };
}
