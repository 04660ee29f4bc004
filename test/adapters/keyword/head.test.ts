import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headPathOf, loadKeywordEngine } from '../../../adapters/keyword/engine.js';
import { EMBEDDING_SIZE } from '../../../adapters/keyword/front-end.js';
import { loadHead } from '../../../adapters/keyword/head.js';
import { frontEndPaths } from '../../../adapters/keyword/model-files.js';
import { KeywordModelError } from '../../../adapters/keyword/onnx-runtime.js';
import { encodeHead } from '../../../adapters/keyword/onnx-writer.js';
import { createMlp, predict } from '../../../adapters/keyword/train/mlp.js';
import { seededRandom } from '../../../adapters/keyword/train/random.js';

const dir = mkdtempSync(join(tmpdir(), 'keyword-heads-'));

describe('keyword heads', () => {
  it('an encoded head scores in the ONNX runtime what the network computes', async () => {
    const net = createMlp([16 * EMBEDDING_SIZE, 8, 4, 1], seededRandom(3));
    const path = join(dir, 'encoded.onnx');
    writeFileSync(path, encodeHead({ frames: 16, layers: net.layers, metadata: { phrase: 'encoded' } }));
    const head = await loadHead({ phrase: 'encoded', path });
    expect(head.windowFrames).toBe(16);
    const rng = seededRandom(4);
    const window = Array.from({ length: 16 }, () => Float32Array.from({ length: EMBEDDING_SIZE }, () => rng.normal()));
    const flat = new Float32Array(16 * EMBEDDING_SIZE);
    window.forEach((e, i) => flat.set(e, i * EMBEDDING_SIZE));
    expect(await head.score(window)).toBeCloseTo(predict(net, flat), 5);
  });

  it('a missing head names the file and the command that makes it', async () => {
    const path = join(dir, 'absent.onnx');
    await expect(loadHead({ phrase: 'absent', path })).rejects.toThrow(
      new RegExp(`${path} does not exist: run \`voice-agent train-phrase "absent"\``),
    );
  });

  it('a corrupt head names the file', async () => {
    const path = join(dir, 'corrupt.onnx');
    writeFileSync(path, 'not a model');
    const error = await loadHead({ phrase: 'corrupt', path }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeywordModelError);
    expect((error as KeywordModelError).message).toContain(`${path} is not a readable ONNX model`);
    expect((error as KeywordModelError).path).toBe(path);
  });

  it('a model of another shape is refused as a head', async () => {
    const melspectrogram = frontEndPaths().melspectrogram;
    await expect(loadHead({ phrase: 'mel', path: melspectrogram })).rejects.toThrow(
      /is not a keyword head: its input is \[-1, -1\]/,
    );
  });

  it('a phrase with no head says how to make one', () => {
    expect(() => headPathOf('xylophone')).toThrow(
      'no keyword head for "xylophone": run `voice-agent train-phrase "xylophone"`',
    );
  });

  it('an engine with a missing head does not load', async () => {
    await expect(loadKeywordEngine({ phrases: ['stop', 'xylophone'] })).rejects.toThrow(/xylophone/);
  });
});
