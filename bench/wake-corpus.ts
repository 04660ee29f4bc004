/**
 * Audio for the wake-word benchmark, made offline with the local voices, as a sequence of parts of one
 * continuous microphone stream (16 kHz samples over a −70 dBFS floor, pauses between the parts):
 *
 * - **distractors** (no wake phrase): every sentence of the robot grammar and {@link OUT_OF_GRAMMAR}'s
 *   ordinary phrases, each spoken by every voice, in a seeded shuffled order, 0.3–1.5 s apart; every
 *   fourth over generated noise at 10 dB SNR (white, pink, babble, fan in turn); then each noise alone.
 *   "hello robot" (a command) is among them: the nearest miss of "hey robot";
 * - **wake trials**: the wake phrase alone and before a command ("hey robot, turn left"), each after an
 *   ordinary sentence of the same voice;
 * - **stop trials**: each stop phrase alone.
 */
import { readFileSync } from 'node:fs';
import { jsgfSentences } from '../adapters/stt/jsgf-sentences.js';
import { OUT_OF_GRAMMAR, type CorpusVoice } from './grammar-corpus.js';
import { makeNoise, NOISE_KINDS, type NoiseKind } from './noise-signals.js';
import { resampleAll } from '../adapters/audio/resample.js';
import { atLevel, CORPUS_RATE_HZ, powerDbfs } from './speech-corpus.js';
import { shuffleInPlace } from './stats.js';

export const GRAMMAR = 'examples/robot-commands.jsgf';
/** Why −70 dBFS: a quiet room through a real microphone; a digital-zero floor is not what a decoder hears. */
const FLOOR_DBFS = -70;
/** Why 10 dB: a loud room (a fan next to the robot, a cafeteria); cleaner speech is the easier case. */
const NOISY_SNR_DB = 10;
/** Noise alone, per kind (s): the long stretches a robot hears with nobody talking. */
const NOISE_ALONE_S = 150;

export interface WakePart {
  kind: 'speech' | 'noise' | 'wake' | 'stop';
  /** What was said (speech, wake and stop parts), or the noise's kind. */
  text: string;
  voice?: string;
  samples: Int16Array;
  /** Silence after the part (samples of floor noise). */
  pauseSamples: number;
}

/** `text` spoken by `voice` as 16 kHz samples; not cached (an hour of speech would stay in memory). */
async function say(voice: CorpusVoice, text: string): Promise<Int16Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of voice.engine.synthesize({ text, signal: new AbortController().signal })) parts.push(chunk);
  const pcm = await resampleAll(new Uint8Array(Buffer.concat(parts)), voice.engine.sampleRateHz, CORPUS_RATE_HZ);
  const samples = new Int16Array(pcm.byteLength >> 1);
  new Uint8Array(samples.buffer).set(pcm.subarray(0, samples.length * 2));
  return samples;
}

/** Numerical Recipes LCG, uniform in [0, 1). */
function uniform(seed: number): () => number {
  let state = (seed * 2654435761 + 1) >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

const floorNext = uniform(7);
/** `n` samples of the −70 dBFS floor (roughly Gaussian). */
export function floor(n: number): Int16Array {
  const rms = 32_768 * 10 ** (FLOOR_DBFS / 20);
  return Int16Array.from({ length: n }, () => Math.round((floorNext() + floorNext() + floorNext() - 1.5) * 2 * rms));
}

const toInt16 = (x: ArrayLike<number>, floorToo = true): Int16Array => {
  const f = floorToo ? floor(x.length) : new Int16Array(x.length);
  return Int16Array.from({ length: x.length }, (_, i) =>
    Math.max(-32_768, Math.min(32_767, Math.round(x[i]! + f[i]!))),
  );
};

async function noiseBank(voices: readonly CorpusVoice[], seconds: number): Promise<Map<NoiseKind, Float32Array>> {
  const bank = new Map<NoiseKind, Float32Array>();
  for (const kind of NOISE_KINDS) bank.set(kind, await makeNoise(kind, seconds * CORPUS_RATE_HZ, voices));
  return bank;
}

/** The sentences of the distractor hour (no wake phrase), in every voice, shuffled; `share` of them (quick runs). */
export function distractorPlan(voices: readonly CorpusVoice[], share = 1): Array<{ text: string; voice: CorpusVoice }> {
  const sentences = [...jsgfSentences(readFileSync(GRAMMAR, 'utf8')), ...OUT_OF_GRAMMAR];
  const all = voices.flatMap((voice) => sentences.map((text) => ({ text, voice })));
  return shuffleInPlace(all, uniform(11)).slice(0, Math.ceil(all.length * share));
}

/** The distractor stream, part by part (synthesized as it goes, so the hour is never all in memory). */
export async function* distractors(
  voices: readonly CorpusVoice[],
  options: { share: number; noiseAloneS?: number },
): AsyncGenerator<WakePart> {
  const next = uniform(13);
  const pause = () => Math.round((0.3 + 1.2 * next()) * CORPUS_RATE_HZ);
  const noiseAloneS = options.noiseAloneS ?? NOISE_ALONE_S * options.share;
  const bank = await noiseBank(voices, 30);
  let noisy = 0;
  for (const [i, { text, voice }] of distractorPlan(voices, options.share).entries()) {
    const speech = await say(voice, text);
    if (i % 4 !== 3) {
      yield { kind: 'speech', text, voice: voice.name, samples: toInt16(speech), pauseSamples: pause() };
      continue;
    }
    const kind = NOISE_KINDS[noisy++ % NOISE_KINDS.length]!;
    const noise = bank.get(kind)!;
    const level = atLevel(noise, powerDbfs(speech) - NOISY_SNR_DB);
    const offset = Math.floor(next() * (noise.length - speech.length - 1));
    yield {
      kind: 'speech',
      text: `${text} (${kind} noise)`,
      voice: voice.name,
      samples: toInt16(Float32Array.from(speech, (x, k) => x + level[offset + k]!)),
      pauseSamples: pause(),
    };
  }
  for (const kind of NOISE_KINDS) {
    const noise = await makeNoise(kind, Math.round(noiseAloneS * CORPUS_RATE_HZ), voices);
    yield { kind: 'noise', text: kind, samples: toInt16(noise), pauseSamples: pause() };
  }
}

/** Commands said after the wake phrase: every fourth sentence of the grammar. */
export function wakeCommands(): string[] {
  return jsgfSentences(readFileSync(GRAMMAR, 'utf8')).filter((_, i) => i % 4 === 0);
}

/**
 * Per voice: an ordinary sentence, then the wake phrase alone or before a command, for each command;
 * then each stop phrase alone (after an ordinary sentence too).
 */
export async function* trials(
  voices: readonly CorpusVoice[],
  wakePhrase: string,
  stopPhrases: readonly string[],
  commands: readonly string[],
): AsyncGenerator<WakePart> {
  const next = uniform(17);
  const pause = () => Math.round((0.5 + next()) * CORPUS_RATE_HZ);
  const ordinary = (i: number) => OUT_OF_GRAMMAR[i % OUT_OF_GRAMMAR.length]!;
  let n = 0;
  for (const voice of voices) {
    for (const command of ['', ...commands]) {
      const before = ordinary(n++);
      yield {
        kind: 'speech',
        text: before,
        voice: voice.name,
        samples: toInt16(await say(voice, before)),
        pauseSamples: pause(),
      };
      const text = command ? `${wakePhrase}, ${command}` : wakePhrase;
      yield { kind: 'wake', text, voice: voice.name, samples: toInt16(await say(voice, text)), pauseSamples: pause() };
    }
    for (const stop of stopPhrases) {
      const before = ordinary(n++);
      yield {
        kind: 'speech',
        text: before,
        voice: voice.name,
        samples: toInt16(await say(voice, before)),
        pauseSamples: pause(),
      };
      yield {
        kind: 'stop',
        text: stop,
        voice: voice.name,
        samples: toInt16(await say(voice, stop)),
        pauseSamples: pause(),
      };
    }
  }
}
