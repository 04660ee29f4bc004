/**
 * The e-stop's simulated microphone: phrases spoken by TTS voices (the benches take the grammar bench's,
 * bench/grammar-corpus.ts) at the local stack's 16 kHz and a Realtime client's 24 kHz, and a microphone
 * that sends 20 ms frames in real time over a −70 dBFS noise floor (a quiet room, never digital zero)
 * with a phrase mixed in on demand.
 *
 * Times are "when the sample was captured": a frame sent at `t` holds the samples of `[t − 20 ms, t)`, so
 * the word's first sample (the first above {@link ONSET_DBFS}) was captured at
 * `sendTime − 20 ms + offsetInFrame`. Latencies are measured from there, as a user's stopwatch would.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { resampleAll } from '../adapters/audio/resample.js';
import type { TtsEngine } from '../adapters/tts/types.js';

/** Why −40 dBFS: well above the −70 dBFS floor and the voices' own leading hiss; the first phone's onset. */
export const ONSET_DBFS = -40;
const FRAME_MS = 20;
const NOISE_FLOOR_DBFS = -70;
/** Why quality 10: the client's own resampler is taken to be good; the server's is what is measured. */
const CLIENT_QUALITY = 10;

/** A voice that speaks the phrases, and its name in the rows. */
export interface PhraseVoice {
  name: string;
  engine: TtsEngine;
}

export interface SpokenPhrase {
  voice: string;
  text: string;
  /** The phrase at each rate (s16 mono), keyed by rate in Hz. */
  byRate: Map<number, Int16Array>;
}

function toSamples(pcm: Uint8Array): Int16Array {
  const out = new Int16Array(pcm.byteLength >> 1);
  new Uint8Array(out.buffer).set(pcm.subarray(0, out.length * 2));
  return out;
}

/** `texts` in every voice, at every rate of `ratesHz`. */
export async function speakPhrases(voices: PhraseVoice[], texts: string[], ratesHz: number[]): Promise<SpokenPhrase[]> {
  const out: SpokenPhrase[] = [];
  for (const voice of voices) {
    for (const text of texts) {
      const parts: Uint8Array[] = [];
      for await (const chunk of voice.engine.synthesize({ text, signal: new AbortController().signal }))
        parts.push(chunk);
      const raw = new Uint8Array(Buffer.concat(parts));
      const byRate = new Map<number, Int16Array>();
      for (const rate of ratesHz)
        byRate.set(rate, toSamples(await resampleAll(raw, voice.engine.sampleRateHz, rate, CLIENT_QUALITY)));
      out.push({ voice: voice.name, text, byRate });
    }
  }
  return out;
}

/** Index of the first sample at or above {@link ONSET_DBFS} (0 if none is). */
export function onsetIndex(samples: Int16Array): number {
  const level = 32_768 * 10 ** (ONSET_DBFS / 20);
  const at = samples.findIndex((s) => Math.abs(s) >= level);
  return at < 0 ? 0 : at;
}

/** Index one past the last sample at or above {@link ONSET_DBFS} (the phrase's end; its length if none is). */
export function offsetIndex(samples: Int16Array): number {
  const level = 32_768 * 10 ** (ONSET_DBFS / 20);
  for (let i = samples.length - 1; i >= 0; i--) if (Math.abs(samples[i]!) >= level) return i + 1;
  return samples.length;
}

/** The phrase's voiced span, from its onset to its end (both at {@link ONSET_DBFS}), ms. */
export const voicedMs = (samples: Int16Array, rateHz: number) =>
  ((offsetIndex(samples) - onsetIndex(samples)) * 1000) / rateHz;

export interface PacedMic {
  /**
   * Mixes `samples` in from the next frame on; resolves with the capture time of its onset (performance.now() ms) once
   * that frame is sent, and the time its last sample was captured.
   */
  speak(samples: Int16Array): Promise<{ onsetAtMs: number; endAtMs: number }>;
  /** Stops sending. */
  stop(): Promise<void>;
}

/** Sends a 20 ms frame every 20 ms (on an absolute schedule, whatever a send costs) through `send`. */
export function startPacedMic(rateHz: number, send: (frame: Uint8Array) => void): PacedMic {
  const frameSamples = (rateHz * FRAME_MS) / 1000;
  const rms = 32_768 * 10 ** (NOISE_FLOOR_DBFS / 20);
  let seed = 7;
  const noise = () => {
    let sum = 0;
    for (let i = 0; i < 3; i++) sum += (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648 - 0.5;
    return sum * 2 * rms;
  };
  let pending:
    | {
        samples: Int16Array;
        at: number;
        onset: number;
        resolve: (t: { onsetAtMs: number; endAtMs: number }) => void;
        onsetAtMs?: number;
      }
    | undefined;
  let running = true;
  const loop = (async () => {
    const startedAtMs = performance.now();
    for (let i = 0; running; i++) {
      const frame = new Int16Array(frameSamples);
      const speech = pending;
      for (let j = 0; j < frameSamples; j++) {
        const s = speech ? (speech.samples[speech.at + j] ?? 0) : 0;
        frame[j] = Math.max(-32_768, Math.min(32_767, Math.round(noise() + s)));
      }
      send(new Uint8Array(frame.buffer));
      const sentAtMs = performance.now();
      if (speech) {
        const capturedFromMs = sentAtMs - FRAME_MS;
        if (speech.onsetAtMs === undefined && speech.onset < speech.at + frameSamples)
          speech.onsetAtMs = capturedFromMs + ((speech.onset - speech.at) * 1000) / rateHz;
        speech.at += frameSamples;
        if (speech.at >= speech.samples.length) {
          pending = undefined;
          speech.resolve({
            onsetAtMs: speech.onsetAtMs!,
            endAtMs: capturedFromMs + ((speech.samples.length - speech.at + frameSamples) * 1000) / rateHz,
          });
        }
      }
      await sleep(Math.max(0, startedAtMs + (i + 1) * FRAME_MS - performance.now()));
    }
  })();
  return {
    speak: (samples) =>
      new Promise((resolve) => {
        if (pending) throw new Error('the bench microphone is already speaking: wait for the previous phrase');
        pending = { samples, at: 0, onset: onsetIndex(samples), resolve };
      }),
    async stop() {
      running = false;
      await loop;
    },
  };
}
