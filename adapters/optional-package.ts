/**
 * Engines a user may not want ship as optional npm packages (`openai`, `msedge-tts`, `sherpa-onnx-node`):
 * `npm install --omit=optional` leaves them out, and the default engines (fvad, pocketsphinx, flite) run
 * without them. An adapter loads its package when the module loads and, when it is absent, fails only once
 * it is used, with the install command in the message.
 *
 * @example
 * ```ts
 * const edge = await importOptional(() => import('msedge-tts'), 'msedge-tts');
 * const { MsEdgeTTS } = requirePackage(edge, 'msedge-tts', '`tts.engine: edge`');
 * ```
 */

import { createRequire } from 'node:module';

/** An optional npm package an engine needs is not installed. */
export class MissingPackageError extends Error {
  override readonly name = 'MissingPackageError';
  constructor(
    readonly packageName: string,
    neededBy: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${neededBy} needs the npm package \`${packageName}\`, which is not installed: run \`npm install ` +
        `${packageName}\``,
      options,
    );
  }
}

/** Whether `error` says that `packageName` itself (not something it imports) cannot be found. */
export function isPackageNotFound(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return error.message.includes(`'${packageName}'`) || error.message.includes(`'${packageName}/`);
}

/**
 * Imports an optional package, or `undefined` when it is not installed. Any other failure (a broken
 * install) is thrown as it is. `load` is a literal `import('…')` so the compiler keeps the package's types.
 */
export async function importOptional<T>(load: () => Promise<T>, packageName: string): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    if (isPackageNotFound(error, packageName)) return undefined;
    throw error;
  }
}

/** The loaded package, or a {@link MissingPackageError} naming what needs it and how to install it. */
export function requirePackage<T>(loaded: T | undefined, packageName: string, neededBy: string): T {
  if (loaded === undefined) throw new MissingPackageError(packageName, neededBy);
  return loaded;
}

/** `require` of an optional CommonJS package (native addons), with a {@link MissingPackageError} when absent. */
export function requireOptional<T>(packageName: string, neededBy: string): T {
  return withMissingPackage(packageName, neededBy, () => createRequire(import.meta.url)(packageName) as T);
}

/** Where an optional package's entry file is, with a {@link MissingPackageError} when it is absent. */
export function resolveOptional(packageName: string, neededBy: string): string {
  return withMissingPackage(packageName, neededBy, () => createRequire(import.meta.url).resolve(packageName));
}

function withMissingPackage<T>(packageName: string, neededBy: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (isPackageNotFound(error, packageName)) throw new MissingPackageError(packageName, neededBy, { cause: error });
    throw error;
  }
}
