/**
 * `voice-agent train-phrase`: a keyword head per phrase, trained on the speech embedding of
 *
 * - **positives**: the phrase said by every training speaker ({@link trainingSpeakers}), each heard
 *   through seeded rooms ({@link augment}), plus real recordings of it where the negatives folder has
 *   some (its `MANIFEST.tsv` names what each clip says);
 * - **negatives**: real people's recordings (every clip that does not say the phrase), and ordinary
 *   words and sentences, the other phrases among them, said by the same synthetic speakers in the same
 *   rooms, so that a head learns the phrase and not the synthesizer.
 *
 * A window (16 embeddings, 1.28 s) ending within 240 ms after the phrase's last sound is a positive;
 * windows ending before its last 160 ms are negatives (a head must not fire on "emergency" alone);
 * those between are not used. Same seed, speakers and recordings: the same head, byte for byte, from a
 * fresh process (eSpeak NG's synthesizer carries state from one request to the next).
 *
 * @example
 * ```ts
 * const written = await trainPhrases({
 *   phrases: ['stop'],
 *   seed: 1,
 *   frontEnd,
 *   outDir: 'heads',
 *   negativesDir: '../shared/speech/train',
 * });
 * ```
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { readWav } from '../../audio/wav.js';
import { clipEmbeddings, EMBEDDING_SIZE, HOP_SAMPLES, type FrontEnd } from '../front-end.js';
import { headFileName } from '../head-names.js';
import { encodeHead } from '../onnx-writer.js';
import { augment, speechSpan } from './augment.js';
import { createMlp, predict, trainMlp, type Example, type Mlp } from './mlp.js';
import { NEGATIVE_TEXTS } from './negative-texts.js';
import { seededRandom, type Random } from './random.js';
import { trainingSpeakers, type Speaker } from './voices.js';

/** What a head reads: 16 embeddings (1.28 s), as openWakeWord's heads do. */
export const HEAD_FRAMES = 16;
const HIDDEN = [32, 32];
/** Silence before every clip (a head's whole window), so its first words have a full window too. */
const PAD_SAMPLES = HEAD_FRAMES * HOP_SAMPLES;

export interface TrainLimits {
  /** Speakers per phrase (default: all 140). */
  speakers?: number;
  /**
   * `flite`: flite's speakers alone (each request a fresh synthesizer, so a run's audio never depends on the one
   * before).
   */
  voices?: 'all' | 'flite';
  /** Rooms each speaker's phrase is heard in. */
  roomsPerSpeaker?: number;
  /** Ordinary texts said as negatives, and by how many speakers each. */
  negativeTexts?: number;
  speakersPerNegative?: number;
  /** Real recordings used (default: all). */
  realClips?: number;
  steps?: number;
}

export interface TrainOptions {
  phrases: readonly string[];
  seed: number;
  frontEnd: FrontEnd;
  outDir: string;
  /**
   * Real recordings (WAV, 16 kHz mono), with an optional `MANIFEST.tsv` (file, transcript): negatives, and positives of
   * a phrase.
   */
  negativesDir?: string;
  limits?: TrainLimits;
  /** Where the embedded training set is kept between runs (none: built every run). */
  cacheDir?: string;
  onProgress?: (line: string) => void;
}

export interface TrainedHead {
  phrase: string;
  path: string;
  /** The threshold calibrated on the held-out real clips (in the file's metadata). */
  threshold: number;
  /** The share of its positive windows at its threshold or more. */
  recall: number;
  /** Held-out real clips (every fifth, never learned from) in which it reached its threshold. */
  heldOut: { accepted: number; clips: number };
  examples: { positives: number; negatives: number };
}

interface Clip {
  text: string;
  embeddings: Float32Array[];
  /** Where the speech ends, in samples from the clip's start (padding included); absent: no speech. */
  speechEnd?: number;
}

const says = (text: string, phrase: string) =>
  ` ${text.toLowerCase().replace(/[^a-z' ]/g, ' ')} `.includes(` ${phrase.toLowerCase()} `);

function floorNoise(length: number, rng: Random): Int16Array {
  // Why −70 dBFS: a quiet room through a real microphone; digital zero is not what a microphone hears.
  return Int16Array.from({ length }, () => Math.round(rng.normal() * 10));
}

function padded(samples: Int16Array, rng: Random): Int16Array {
  const out = new Int16Array(PAD_SAMPLES + samples.length);
  out.set(floorNoise(PAD_SAMPLES, rng));
  out.set(samples, PAD_SAMPLES);
  return out;
}

interface RealClip {
  text: string;
  samples: Int16Array;
}

/** The WAV files under `dir` with what they say (from `MANIFEST.tsv`, else unknown: ''). */
function readRealClips(dir: string, limit: number | undefined): RealClip[] {
  const manifest = new Map<string, string>();
  const manifestPath = join(dir, 'MANIFEST.tsv');
  if (existsSync(manifestPath)) {
    for (const line of readFileSync(manifestPath, 'utf8').split('\n').slice(1)) {
      const [file, transcript] = line.split('\t');
      if (file) manifest.set(file, transcript ?? '');
    }
  }
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.wav'))
    .sort();
  return files.slice(0, limit ?? files.length).map((file) => {
    const { pcm, sampleRateHz } = readWav(new Uint8Array(readFileSync(join(dir, file))));
    if (sampleRateHz !== 16_000)
      throw new Error(`${join(dir, file)} is ${sampleRateHz} Hz: the negatives must be 16 kHz mono WAV`);
    const samples = new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.byteLength & ~1)));
    return { text: manifest.get(relative(dir, join(dir, file))) ?? '', samples };
  });
}

/** Training windows of one clip for `phrase`: positives and negatives by where each window ends. */
function windowsOf(clip: Clip, phrase: string, into: { positives: Example[]; negatives: Example[] }): void {
  const isPositive = clip.speechEnd !== undefined && says(clip.text, phrase);
  for (let end = HEAD_FRAMES; end <= clip.embeddings.length; end++) {
    const endSample = end * HOP_SAMPLES;
    const input = new Float32Array(HEAD_FRAMES * EMBEDDING_SIZE);
    for (let k = 0; k < HEAD_FRAMES; k++) input.set(clip.embeddings[end - HEAD_FRAMES + k]!, k * EMBEDDING_SIZE);
    if (!isPositive) {
      if (!says(clip.text, phrase)) into.negatives.push({ input, label: 0 });
      continue;
    }
    const speechEnd = clip.speechEnd!;
    if (endSample >= speechEnd && endSample < speechEnd + 3 * HOP_SAMPLES) into.positives.push({ input, label: 1 });
    else if (endSample < speechEnd - 2 * HOP_SAMPLES) into.negatives.push({ input, label: 0 });
  }
}

/** Every clip a run learns from, embedded once and shared by the phrases it trains. */
export interface TrainingSet {
  /** Real recordings (their own words, and with a room added), and generated noise alone. */
  real: Clip[];
  /** Ordinary texts said by the synthetic speakers. */
  ordinary: Clip[];
  /** Held out: real recordings no head learns from, for the false accepts a head is reported with. */
  heldOut: Clip[];
  speakers: number;
  texts: number;
  /** The generator's state once the set was built. */
  rngState?: number;
}

/**
 * The training set from `options.cacheDir` when a run with the same seed, limits, phrases and recordings
 * built it before (keyed by all of them), else built and kept there. Building it is most of a run.
 */
async function cachedTrainingSet(
  options: TrainOptions,
  build: () => Promise<TrainingSet>,
  say: (line: string) => void,
): Promise<TrainingSet> {
  if (!options.cacheDir) return build();
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        seed: options.seed,
        limits: options.limits ?? {},
        phrases: options.phrases,
        negatives: options.negativesDir ?? null,
        v: 1,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const file = join(options.cacheDir, `training-set-${key}.bin`);
  if (existsSync(file)) {
    say(`training set from ${file}`);
    return deserialize(readFileSync(file)) as TrainingSet;
  }
  const set = await build();
  await mkdir(options.cacheDir, { recursive: true });
  await writeFile(file, serialize(set));
  return set;
}

/** Why every fifth: enough clips (about 240) to count false accepts on; the other four fifths to learn from. */
const HELD_OUT_EVERY = 5;
/** Generated noise alone (white, pink, brown in turn), seconds each: a head must not fire on a room. */
const NOISE_CLIPS = 24;

async function buildTrainingSet(
  options: TrainOptions,
  rng: Random,
  speakers: readonly Speaker[],
  hear: Hear,
): Promise<TrainingSet> {
  const say = options.onProgress ?? (() => {});
  const limits = options.limits ?? {};
  const recordings = options.negativesDir ? readRealClips(options.negativesDir, limits.realClips) : [];
  const backgrounds = recordings.map((clip) => clip.samples);
  const set: TrainingSet = { real: [], ordinary: [], heldOut: [], speakers: speakers.length, texts: 0 };
  for (const [i, clip] of recordings.entries()) {
    const span = speechSpan(clip.samples);
    const embedded = {
      text: clip.text,
      embeddings: await clipEmbeddings(options.frontEnd, padded(clip.samples, rng)),
      speechEnd: PAD_SAMPLES + span.end,
    };
    if (i % HELD_OUT_EVERY === 0) {
      set.heldOut.push(embedded);
      continue;
    }
    set.real.push(embedded);
    // The same voice in another room: a real voice must not fire a head whatever the room.
    const roomed = augment(clip.samples, { rng, backgrounds, leadSamples: 1600, tailSamples: 1600 });
    set.real.push({
      text: clip.text,
      embeddings: await clipEmbeddings(options.frontEnd, padded(roomed.samples, rng)),
      speechEnd: PAD_SAMPLES + roomed.speechEnd,
    });
    if ((i + 1) % 200 === 0) say(`real recordings embedded: ${i + 1}/${recordings.length}`);
  }
  for (let i = 0; i < (recordings.length > 0 ? NOISE_CLIPS : 0); i++) {
    const quiet = new Float32Array(3 * 16_000);
    const noisy = augment(quiet, { rng, backgrounds, leadSamples: 0, tailSamples: 0, noiseOnly: true });
    set.real.push({ text: '', embeddings: await clipEmbeddings(options.frontEnd, padded(noisy.samples, rng)) });
  }
  const texts = [...NEGATIVE_TEXTS, ...options.phrases].slice(0, limits.negativeTexts ?? Infinity);
  set.texts = texts.length;
  for (const [i, text] of texts.entries()) {
    const chosen = rng.shuffled(speakers).slice(0, limits.speakersPerNegative ?? 8);
    for (const speaker of chosen) set.ordinary.push(await hear(speaker, text, backgrounds));
    if ((i + 1) % 25 === 0) say(`ordinary speech said: ${i + 1}/${texts.length} texts`);
  }
  return set;
}

type Hear = (speaker: Speaker, text: string, backgrounds: readonly Int16Array[]) => Promise<Clip>;

/** Each clip's highest score (the clips that do not say the phrase): what a session would have spotted in it. */
function clipScores(net: ReturnType<typeof createMlp>, clips: readonly Clip[], phrase: string): number[] {
  const examples = { positives: [] as Example[], negatives: [] as Example[] };
  return clips
    .filter((clip) => !says(clip.text, phrase))
    .map((clip) => {
      examples.negatives.length = 0;
      windowsOf(clip, phrase, examples);
      return Math.max(0, ...examples.negatives.map((e) => predict(net, e.input)));
    });
}

/**
 * The threshold a head is shipped with: just above the highest score of held-out real speech, never
 * under 0.5 (openWakeWord's default) nor over 0.95 (a head must still spot its phrase).
 */
export function calibratedThreshold(heldOutScores: readonly number[]): number {
  const highest = Math.max(0, ...heldOutScores);
  return Math.round(Math.min(0.95, Math.max(0.5, highest + 0.02)) * 100) / 100;
}

/** Trains a head for each phrase and writes it into `outDir`; resolves with what was written. */
export async function trainPhrases(options: TrainOptions): Promise<TrainedHead[]> {
  const say = options.onProgress ?? (() => {});
  const limits = options.limits ?? {};
  const rng = seededRandom(options.seed);
  const speakers = trainingSpeakers(seededRandom(options.seed + 1), { espeak: limits.voices !== 'flite' });
  const recordings = options.negativesDir ? `; real recordings from ${options.negativesDir}` : '';
  say(`${speakers.length} synthetic speakers${recordings}`);
  const hear = hearerOf(options.frontEnd, rng);
  const build = async () => ({ ...(await buildTrainingSet(options, rng, speakers, hear)), rngState: rng.save() });
  const set = await cachedTrainingSet(options, build, say);
  // A cached set leaves the generator where building it would have: the positives are the same either way.
  if (set.rngState !== undefined) rng.restore(set.rngState);
  const run: HeadRun = { options, limits, speakers, set, hear, say };
  const written: TrainedHead[] = [];
  for (const phrase of options.phrases) written.push(await trainHead(run, phrase));
  return written;
}

/** What every phrase's head is trained with. */
interface HeadRun {
  options: TrainOptions;
  limits: TrainLimits;
  speakers: readonly Speaker[];
  set: TrainingSet;
  hear: Hear;
  say: (line: string) => void;
}

/** A speaker's text heard in a seeded room (with one of `backgrounds` or generated noise), embedded. */
function hearerOf(frontEnd: FrontEnd, rng: Random): Hear {
  return async (speaker, text, backgrounds) => {
    const heard = augment(await speaker.say(text), {
      rng,
      backgrounds,
      leadSamples: Math.round(rng.between(0.1, 0.8) * 16_000),
      tailSamples: Math.round(rng.between(0.2, 0.5) * 16_000),
    });
    const embeddings = await clipEmbeddings(frontEnd, padded(heard.samples, rng));
    return { text, embeddings, speechEnd: PAD_SAMPLES + heard.speechEnd };
  };
}

/** Trains, calibrates and writes the head for `phrase`. */
async function trainHead(run: HeadRun, phrase: string): Promise<TrainedHead> {
  const { options, limits, set, say } = run;
  const rooms = limits.roomsPerSpeaker ?? 3;
  const positives: Clip[] = [];
  const mine = run.speakers.slice(0, limits.speakers ?? run.speakers.length);
  for (const speaker of mine) {
    for (let room = 0; room < rooms; room++) positives.push(await run.hear(speaker, phrase, []));
  }
  say(`"${phrase}": ${positives.length} synthetic positives`);
  const examples = { positives: [] as Example[], negatives: [] as Example[] };
  for (const clip of [...positives, ...set.ordinary, ...set.real]) windowsOf(clip, phrase, examples);
  if (examples.positives.length === 0) {
    throw new Error(`no positive examples of "${phrase}": are the speakers installed (flite, eSpeak NG)?`);
  }
  const net = fitHead(run, phrase, examples);
  const heldOutScores = clipScores(net, set.heldOut, phrase);
  const threshold = calibratedThreshold(heldOutScores);
  const accepted = examples.positives.filter((e) => predict(net, e.input) >= threshold).length;
  const recall = accepted / examples.positives.length;
  const heldOut = { accepted: heldOutScores.filter((s) => s >= threshold).length, clips: heldOutScores.length };
  const speakersSaid = `${mine.length} synthetic speakers × ${rooms} rooms`;
  const bytes = encodeHead({
    frames: HEAD_FRAMES,
    layers: net.layers,
    metadata: {
      phrase,
      seed: String(options.seed),
      threshold: String(threshold),
      trainedOn: `${speakersSaid}; ${set.texts} ordinary texts; ${set.real.length} real and noise clips`,
      heldOutFalseAccepts: `${heldOut.accepted}/${heldOut.clips}`,
    },
  });
  const path = await writeHead(options.outDir, phrase, bytes);
  const [size, share] = [(bytes.length / 1024).toFixed(0), (recall * 100).toFixed(1)];
  say(
    `"${phrase}": wrote ${path} (${size} KB), threshold ${threshold}: ${share} % of its positive windows; ` +
      `held-out real clips accepted: ${heldOut.accepted}/${heldOut.clips}`,
  );
  const counts = { positives: examples.positives.length, negatives: examples.negatives.length };
  return { phrase, path, threshold, recall, heldOut, examples: counts };
}

/** A head trained on `examples`, then again on the negatives it still half accepts. */
function fitHead(run: HeadRun, phrase: string, examples: { positives: Example[]; negatives: Example[] }): Mlp {
  const { options, say } = run;
  const net = createMlp([HEAD_FRAMES * EMBEDDING_SIZE, ...HIDDEN, 1], seededRandom(options.seed + 2));
  const steps = run.limits.steps ?? 1000;
  const progress = (step: number, loss: number) => {
    if (step % 500 === 0) say(`"${phrase}": step ${step}, loss ${loss.toFixed(4)}`);
  };
  // Why 4: a false stop or wake costs more than a repeated phrase; openWakeWord weighs negatives up too.
  trainMlp(net, examples.positives, examples.negatives, {
    steps,
    batch: 128,
    rng: seededRandom(options.seed + 3),
    negativeWeight: 4,
    onProgress: progress,
  });
  // Then again on the negatives it still half accepts, weighed up: what a wide net of ordinary speech misses.
  const hard = examples.negatives.filter((e) => predict(net, e.input) >= 0.1);
  say(`"${phrase}": ${hard.length} of ${examples.negatives.length} negative windows still at 0.1 or more`);
  if (hard.length > 0) {
    trainMlp(net, examples.positives, [...hard, ...hard, ...examples.negatives], {
      steps: Math.round(steps / 2),
      batch: 128,
      rng: seededRandom(options.seed + 4),
      learningRate: 5e-4,
      negativeWeight: 8,
      onProgress: progress,
    });
  }
  return net;
}

/** Writes a head's file into `outDir` whole (through a partial file renamed); resolves with its path. */
async function writeHead(outDir: string, phrase: string, bytes: Uint8Array): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const path = join(outDir, headFileName(phrase));
  await writeFile(`${path}.partial`, bytes);
  await rename(`${path}.partial`, path);
  return path;
}
