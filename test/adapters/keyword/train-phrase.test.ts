import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadHead } from '../../../adapters/keyword/index.js';

const run = promisify(execFile);
const TRAIN_SHARE = '../shared/speech/train';

/** Trains the tiny head in a fresh process (eSpeak NG's synthesizer carries state between requests). */
async function trainIn(dir: string): Promise<Uint8Array> {
  await run(
    process.execPath,
    ['--import', 'tsx', 'test/support/train-tiny.ts', dir, ...(existsSync(TRAIN_SHARE) ? [TRAIN_SHARE] : [])],
    {
      timeout: 120_000,
    },
  );
  return readFileSync(join(dir, 'zebra.onnx'));
}

describe('voice-agent train-phrase', () => {
  it('a head trained twice from the same seed is the same file, and loads as a head', async () => {
    const first = await trainIn(mkdtempSync(join(tmpdir(), 'head-a-')));
    const second = await trainIn(mkdtempSync(join(tmpdir(), 'head-b-')));
    expect(first.byteLength).toBeGreaterThan(100_000);
    expect(Buffer.compare(first, second)).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'head-c-'));
    const path = join(dir, 'zebra.onnx');
    await import('node:fs/promises').then((fs) => fs.writeFile(path, first));
    const head = await loadHead({ phrase: 'zebra', path });
    expect(head.windowFrames).toBe(16);
  }, 180_000);
});
