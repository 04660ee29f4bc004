import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHumanSpeech, readHumanClip } from '../../../sim/human-speech.js';

describe('recordings of real people', () => {
  it('reports an absent corpus with where it looked, instead of throwing', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'no-corpus-')), 'human');
    const corpus = loadHumanSpeech(dir);
    expect(corpus.available).toBe(false);
    if (!corpus.available) expect(corpus.reason).toContain(dir);
  });

  const corpus = loadHumanSpeech();
  it.skipIf(!corpus.available)('reads the manifest and every clip at 16 kHz (needs ../shared/speech/human)', () => {
    const stops = corpus.clips.filter((clip) => clip.transcript === 'stop');
    expect(stops.length).toBeGreaterThan(0);
    const first = readHumanClip(corpus, stops[0]!);
    expect(first.sampleRateHz).toBe(16_000);
    expect(first.samples.length).toBeGreaterThan(1_600);
    expect(corpus.clips.some((clip) => clip.category === '5_noise' && clip.transcript === '')).toBe(true);
  });
});
