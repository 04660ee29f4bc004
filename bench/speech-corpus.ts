/**
 * Speech for the audio benchmarks, made offline with the local voices: flite (kal16, slt, rms, awb) and,
 * when the optional package is installed, eSpeak-NG (several English accents). Everything is 16 kHz
 * s16le samples; eSpeak's 22.05 kHz is resampled with the Speex resampler.
 */
import { resampleAll } from '../adapters/audio/resample.js';
import { checkEspeakInstalled, createEspeakTts } from '../adapters/tts/espeak.js';
import { createFliteTts } from '../adapters/tts/flite.js';
import type { TtsEngine } from '../adapters/tts/types.js';

export const CORPUS_RATE_HZ = 16_000;

export interface Voice {
  name: string;
  engine: TtsEngine;
}

const FLITE_VOICES = ['kal16', 'slt', 'rms', 'awb'];
const ESPEAK_VOICES = ['en-us', 'en-gb-scotland', 'en-029', 'en-gb-x-rp', 'en-us-nyc'];

/** Every local English voice: flite's four, and eSpeak's accents if eSpeak is installed (`skipped` says why not). */
export function localVoices(): { voices: Voice[]; skipped?: string } {
  const voices = FLITE_VOICES.map((v) => ({ name: `flite ${v}`, engine: createFliteTts({ voice: v }) }));
  try {
    checkEspeakInstalled();
  } catch (error) {
    return { voices, skipped: (error as Error).message };
  }
  return {
    voices: [...voices, ...ESPEAK_VOICES.map((v) => ({ name: `espeak ${v}`, engine: createEspeakTts({ voice: v }) }))],
  };
}

const spoken = new Map<string, Int16Array>();

/** `text` spoken by `voice`, as 16 kHz samples (made once per process). */
export async function speak(voice: Voice, text: string): Promise<Int16Array> {
  const key = `${voice.name}|${text}`;
  const cached = spoken.get(key);
  if (cached) return cached;
  const parts: Uint8Array[] = [];
  for await (const chunk of voice.engine.synthesize({ text, signal: new AbortController().signal })) parts.push(chunk);
  const pcm = await resampleAll(new Uint8Array(Buffer.concat(parts)), voice.engine.sampleRateHz, CORPUS_RATE_HZ);
  const samples = new Int16Array(pcm.byteLength >> 1);
  new Uint8Array(samples.buffer).set(pcm.subarray(0, samples.length * 2));
  spoken.set(key, samples);
  return samples;
}

/** Mean power of `samples` in dBFS (full scale = 0 dB). */
export function powerDbfs(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return 10 * Math.log10(sum / Math.max(1, samples.length) / (32768 * 32768) + 1e-20);
}

/** `samples` scaled to a mean power of `dbfs`. */
export function atLevel(samples: ArrayLike<number>, dbfs: number): Float32Array {
  const gain = 10 ** ((dbfs - powerDbfs(samples)) / 20);
  return Float32Array.from(samples, (x) => x * gain);
}
