/**
 * The capacity bench's speech (`--scenario capacity`): recordings of real people read from
 * `../shared/speech/human` (never copied into the repository) and eSpeak NG voices, every clip at the
 * Realtime protocol's 24 kHz, each with where its voice ends (the last sample within 30 dB of its peak).
 *
 * Commands are the recordings' short commands and words, and eSpeak NG's robot commands; stops are the
 * AN4 speakers' "stop" and eSpeak NG's "stop", "halt" and "emergency stop".
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resampleAll } from '../adapters/audio/resample.js';
import { checkEspeakInstalled, createEspeakTts } from '../adapters/tts/espeak.js';

export const CLIENT_RATE_HZ = 24_000;
/** `../shared/speech/human` beside the project (a worktree's parent holds `shared` too). */
export const HUMAN_DIR = [
  join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'shared', 'speech', 'human'),
  join(process.cwd(), '..', 'shared', 'speech', 'human'),
].find((dir) => existsSync(join(dir, 'MANIFEST.tsv')));

export interface CapacityClip {
  name: string;
  kind: 'command' | 'stop';
  /** What is said (the recordings' manifest, or the text eSpeak NG spoke). */
  text: string;
  /** 24 kHz s16 mono, peak at −6 dBFS. */
  samples: Int16Array;
  /** Index one past the last sample within 30 dB of the peak: where the voice ends. */
  endIndex: number;
}

/**
 * Why this one recording of a command: the only one of the corpus that is a whole sentence of the robot's
 * grammar. The promise of first audio within 300 ms is for such commands: the rest (cards, digits, short
 * phrases, a lone "go", "yes" or "no" of a noisy recording) are answered after the VAD's full hangover,
 * by design (docs/end-of-turn.md), 0.3–4 s after the voice even for one session alone on the machine.
 * Stops: the AN4 speakers' "stop" (17 people).
 */
const HUMAN_COMMANDS = ['2_commands/ps_goforward.wav'];
const HUMAN_STOP_PREFIX = '1_words/an4_stop_';
const ESPEAK_VOICES = ['en-us', 'en-gb-scotland', 'en-029', 'en-gb-x-rp', 'en-us-nyc'];
const ESPEAK_COMMANDS = ['turn left', 'move forward two meters', 'go to the kitchen', 'what time is it'];
const ESPEAK_STOPS = ['stop', 'halt', 'emergency stop'];
/** Why −6 dBFS: a close-talking microphone's level with an automatic gain; the recordings range from −34 to −1. */
const PEAK_DBFS = -6;
const END_BELOW_PEAK_DB = 30;

function readWav(path: string): { rateHz: number; pcm: Uint8Array } {
  const file = readFileSync(path);
  let at = 12;
  let rateHz = 16_000;
  while (at + 8 <= file.length) {
    const id = file.toString('latin1', at, at + 4);
    const size = file.readUInt32LE(at + 4);
    if (id === 'fmt ') rateHz = file.readUInt32LE(at + 12);
    if (id === 'data')
      return {
        rateHz,
        pcm: new Uint8Array(file.buffer, file.byteOffset + at + 8, Math.min(size, file.length - at - 8) & ~1),
      };
    at += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

function toClip(name: string, kind: CapacityClip['kind'], text: string, pcm: Uint8Array): CapacityClip {
  const raw = new Int16Array(pcm.byteLength >> 1);
  new Uint8Array(raw.buffer).set(pcm.subarray(0, raw.length * 2));
  let peak = 1;
  for (const s of raw) peak = Math.max(peak, Math.abs(s));
  const gain = (32_768 * 10 ** (PEAK_DBFS / 20)) / peak;
  const samples = Int16Array.from(raw, (s) => Math.round(s * gain));
  const level = 32_768 * 10 ** ((PEAK_DBFS - END_BELOW_PEAK_DB) / 20);
  let endIndex = samples.length;
  while (endIndex > 0 && Math.abs(samples[endIndex - 1]!) < level) endIndex--;
  return { name, kind, text, samples, endIndex };
}

/** Every clip at 24 kHz; `skipped` says why a source is missing (no recordings, no eSpeak NG). */
export async function loadCapacityClips(): Promise<{ clips: CapacityClip[]; skipped: string[] }> {
  const clips: CapacityClip[] = [];
  const skipped: string[] = [];
  if (HUMAN_DIR) {
    const manifest = readFileSync(join(HUMAN_DIR, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1);
    const said = new Map(manifest.map((line) => [line.split('\t')[0] ?? '', line.split('\t')[1] ?? ''] as const));
    const stops = [...said.keys()].filter((file) => file.startsWith(HUMAN_STOP_PREFIX));
    for (const [kind, files] of [
      ['command', HUMAN_COMMANDS],
      ['stop', stops],
    ] as const) {
      for (const file of files) {
        const { rateHz, pcm } = readWav(join(HUMAN_DIR, file));
        clips.push(
          toClip(
            `human ` + `${file.split('/')[1]!.replace(/\.wav$/, '')}`,
            kind,
            said.get(file) ?? '',
            await resampleAll(pcm, rateHz, CLIENT_RATE_HZ, 10),
          ),
        );
      }
    }
  } else skipped.push('recordings of real people: ../shared/speech/human not found');
  try {
    checkEspeakInstalled();
    for (const voice of ESPEAK_VOICES) {
      const engine = createEspeakTts({ voice });
      for (const [kind, texts] of [
        ['command', ESPEAK_COMMANDS],
        ['stop', ESPEAK_STOPS],
      ] as const) {
        for (const text of texts) {
          const parts: Uint8Array[] = [];
          for await (const chunk of engine.synthesize({ text, signal: new AbortController().signal }))
            parts.push(chunk);
          clips.push(
            toClip(
              `espeak ${voice} "${text}"`,
              kind,
              text,
              await resampleAll(new Uint8Array(Buffer.concat(parts)), engine.sampleRateHz, CLIENT_RATE_HZ, 10),
            ),
          );
        }
      }
    }
  } catch (error) {
    skipped.push(`eSpeak NG: ${(error as Error).message}`);
  }
  return { clips, skipped };
}
