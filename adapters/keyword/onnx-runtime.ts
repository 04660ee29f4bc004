/**
 * The ONNX runtime the keyword engine runs on (`onnxruntime-node`, CPU only), loaded on first use, and
 * one way to open a model file with errors that name the file and the command that fixes it.
 *
 * `onnxruntime-node`'s install script fetches GPU libraries from outside the npm registry; the project's
 * `.npmrc` (`onnxruntime-node-install=skip`) and `bin/setup.sh` (`ONNXRUNTIME_NODE_INSTALL=skip`) skip
 * it: the CPU runtime is inside the npm package itself.
 *
 * @example
 * ```ts
 * const model = await openOnnxModel('/models/melspectrogram.onnx', { fix: 'voice-agent models keyword' });
 * const out = await model.run({ [model.inputNames[0]!]: tensor([1, 1760], samples) });
 * ```
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';

export type OnnxSession = Ort.InferenceSession;
export type OnnxTensor = Ort.Tensor;

/** A model file is missing, unreadable or not what the engine needs; the message names the file and the fix. */
export class KeywordModelError extends Error {
  override readonly name = 'KeywordModelError';
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

let runtime: typeof Ort | undefined;

/** `onnxruntime-node`, loaded once. */
export function onnxRuntime(): typeof Ort {
  if (runtime) return runtime;
  try {
    runtime = createRequire(import.meta.url)('onnxruntime-node') as typeof Ort;
  } catch (cause) {
    throw new Error(
      'the keyword engine needs the npm package `onnxruntime-node`: run `ONNXRUNTIME_NODE_INSTALL=skip ' +
        'npm install onnxruntime-node`',
      { cause },
    );
  }
  return runtime;
}

/**
 * Why one thread and sequential execution: the models are small (1–2 ms a call), a session serves many
 * streams in turn, and ORT's thread pool would contend with the other sessions' engines for two cores.
 */
const SESSION_OPTIONS: Ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
};

/** Opens `path` as an ONNX model; `fix` is the command that fetches or makes it (in the error). */
export async function openOnnxModel(path: string, context: { fix: string }): Promise<OnnxSession> {
  if (!existsSync(path)) throw new KeywordModelError(`${path} does not exist: run \`${context.fix}\``, path);
  const ort = onnxRuntime();
  try {
    return await ort.InferenceSession.create(path, SESSION_OPTIONS);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new KeywordModelError(
      `${path} is not a readable ONNX model (${reason}): run \`${context.fix}\` again`,
      path,
      { cause },
    );
  }
}

/** A float32 tensor of `dims` over `data`. */
export function tensor(dims: readonly number[], data: Float32Array): OnnxTensor {
  return new (onnxRuntime().Tensor)('float32', data, dims);
}

/** The declared shape of a model's first input (symbolic dimensions as -1). */
export function inputShape(session: OnnxSession): number[] {
  const name = session.inputNames[0];
  const meta = (
    session.inputMetadata as unknown as ReadonlyArray<{
      name: string;
      isTensor: boolean;
      shape?: ReadonlyArray<number | string>;
    }>
  ).find((m) => m.name === name);
  return (meta?.shape ?? []).map((d) => (typeof d === 'number' ? d : -1));
}

/** Runs a one-input, one-output model and returns its output's data. */
export async function runOnce(
  session: OnnxSession,
  dims: readonly number[],
  data: Float32Array,
): Promise<Float32Array> {
  const out = await session.run({ [session.inputNames[0]!]: tensor(dims, data) });
  return out[session.outputNames[0]!]!.data as Float32Array;
}
