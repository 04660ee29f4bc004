/**
 * Recordings of real people for benches and tests: `../shared/speech/human/` beside the repository
 * (16 kHz mono 16-bit WAV, described by its `MANIFEST.tsv`). They are read from there and never copied
 * into the repository; when the folder is absent, {@link humanSpeechDir} says so and callers skip.
 *
 * @example
 * ```ts
 * const corpus = loadHumanSpeech();
 * if (!corpus.available) console.log(corpus.reason);
 * for (const clip of corpus.clips.filter((c) => c.transcript === 'stop')) useSamples(readHumanClip(corpus, clip));
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWav } from '../adapters/audio/wav.js';

/** The folders of the corpus: single words, short commands, read sentences, wake words, noise alone. */
export type HumanSpeechCategory = '1_words' | '2_commands' | '3_sentences' | '4_wake' | '5_noise';

export interface HumanClip {
  /** Path relative to the corpus folder, e.g. `1_words/an4_stop_fash.wav`. */
  file: string;
  /** Lowercase words spoken; empty for noise. */
  transcript: string;
  speaker: string;
  category: HumanSpeechCategory;
  durationMs: number;
  license: string;
}

export type HumanSpeechCorpus =
  { available: true; dir: string; clips: HumanClip[] } | { available: false; dir: string; clips: []; reason: string };

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the corpus is looked for: `HUMAN_SPEECH_DIR`, else `../shared/speech/human` beside the repository. */
export function humanSpeechDir(): string {
  return process.env.HUMAN_SPEECH_DIR ?? resolve(REPO_ROOT, '../shared/speech/human');
}

const CATEGORIES = new Set<string>(['1_words', '2_commands', '3_sentences', '4_wake', '5_noise']);

/** Reads `MANIFEST.tsv`; an absent corpus is reported, not thrown, so a test can skip with the reason. */
export function loadHumanSpeech(dir = humanSpeechDir()): HumanSpeechCorpus {
  const manifest = join(dir, 'MANIFEST.tsv');
  if (!existsSync(manifest)) {
    return {
      available: false,
      dir,
      clips: [],
      reason:
        `no recordings of real people at ${dir} (set HUMAN_SPEECH_DIR, or put shared/speech/human beside the ` +
        `repository)`,
    };
  }
  const [header, ...rows] = readFileSync(manifest, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const columns = header!.split('\t');
  const at = (cells: string[], name: string) => cells[columns.indexOf(name)] ?? '';
  const clips = rows.map((row): HumanClip => {
    const cells = row.split('\t');
    const category = at(cells, 'category');
    if (!CATEGORIES.has(category))
      throw new Error(`${manifest}: unknown category "${category}" for ${at(cells, 'file')}`);
    return {
      file: at(cells, 'file'),
      transcript: at(cells, 'transcript').trim(),
      speaker: at(cells, 'speaker'),
      category: category as HumanSpeechCategory,
      durationMs: Math.round(Number(at(cells, 'duration_s')) * 1000),
      license: at(cells, 'license'),
    };
  });
  return { available: true, dir, clips };
}

/** One clip's samples at 16 kHz. */
export function readHumanClip(
  corpus: HumanSpeechCorpus,
  clip: HumanClip,
): { samples: Int16Array; sampleRateHz: number } {
  const { pcm, sampleRateHz } = readWav(readFileSync(join(corpus.dir, clip.file)));
  const samples = new Int16Array(pcm.byteLength >> 1);
  new Uint8Array(samples.buffer).set(pcm.subarray(0, samples.length * 2));
  return { samples, sampleRateHz };
}
