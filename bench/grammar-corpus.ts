/**
 * The out-of-grammar corpus: every sentence of the robot grammar and ordinary phrases outside it, each
 * spoken by several local voices (flite and, when installed, eSpeak-NG) at varied speed and pitch, as
 * 16 kHz samples. The benchmark asks the recognizer for a transcript and a confidence for each.
 */
import { readFileSync } from 'node:fs';
import { resampleAll } from '../adapters/audio/resample.js';
import { jsgfSentences } from '../adapters/stt/jsgf-sentences.js';
import { checkEspeakInstalled, createEspeakTts } from '../adapters/tts/espeak.js';
import { createFliteTts } from '../adapters/tts/flite.js';
import type { SttResult } from '../adapters/stt/types.js';
import type { TtsEngine } from '../adapters/tts/types.js';
import { CORPUS_RATE_HZ } from './speech-corpus.js';

/**
 * Ordinary things people say to a robot or near one that are not commands of the robot grammar: chat,
 * questions, requests it has no command for, and near misses that share its words ("turn on the
 * light", "go away", "what is your name").
 */
export const OUT_OF_GRAMMAR = [
  'tell me a joke',
  'what is the weather like today',
  'i would like a cup of coffee',
  'can you hear me',
  'good morning',
  'thank you very much',
  'how are you doing',
  'what is your name',
  'play some music',
  'turn on the light',
  'open the window please',
  'where are my keys',
  'set an alarm for seven',
  'i am hungry',
  'who won the game last night',
  'call my mother',
  'how old are you',
  'read me the news',
  'this is a nice room',
  'never mind',
  'let me think about it',
  'do you like pizza',
  'what day is it today',
  'i need some help with my homework',
  'the cat is sleeping on the sofa',
  'please be quiet',
  'go away',
  'are you a robot',
  'my phone is ringing',
  'see you later',
  'what are you doing',
  'it is raining outside',
  'bring me a glass of water',
  'how far is the station',
  'sing a song for me',
  'i do not understand',
  'can you speak more slowly',
  'excuse me',
  'that was really funny',
  'where did you put the remote',
  'clean the floor',
  'good night everybody',
  'what should we have for dinner',
  'i will be back in five minutes',
];

export interface CorpusVoice {
  /** e.g. `flite slt slow high`. */
  name: string;
  engine: TtsEngine;
}

/**
 * Voices with varied speed and pitch. flite: kal16 as is, slt slower and higher, rms faster and lower,
 * awb slower. eSpeak (if installed): US, RP, Scottish and NYC English at 140–210 words a minute and
 * pitch 25–75 (its scale, default 50).
 */
export function corpusVoices(): { voices: CorpusVoice[]; skipped?: string } {
  const voices: CorpusVoice[] = [
    { name: 'flite kal16', engine: createFliteTts({ voice: 'kal16' }) },
    { name: 'flite slt slow high', engine: createFliteTts({ voice: 'slt', durationStretch: 1.25, pitchHz: 210 }) },
    { name: 'flite rms fast low', engine: createFliteTts({ voice: 'rms', durationStretch: 0.85, pitchHz: 85 }) },
    { name: 'flite awb slow', engine: createFliteTts({ voice: 'awb', durationStretch: 1.15 }) },
  ];
  try {
    checkEspeakInstalled();
  } catch (error) {
    return { voices, skipped: (error as Error).message };
  }
  return {
    voices: [
      ...voices,
      espeakVoice('en-us', 150, 40),
      espeakVoice('en-gb-x-rp', 190, 65),
      espeakVoice('en-gb-scotland', 170, 30),
      espeakVoice('en-us-nyc', 210, 75),
    ],
  };
}

/**
 * Voices used for nothing but this check: the recognizer's tuning (`pocketsphinx.ts`) and the threshold
 * were chosen on {@link corpusVoices}, so those numbers flatter them; these show how the choice carries
 * over to speakers it never saw. Other flite voices and settings, and eSpeak's Caribbean, default British,
 * faster higher US and West Midlands English.
 */
export function freshVoices(): { voices: CorpusVoice[]; skipped?: string } {
  const voices: CorpusVoice[] = [
    { name: 'flite slt', engine: createFliteTts({ voice: 'slt' }) },
    { name: 'flite kal16 slow', engine: createFliteTts({ voice: 'kal16', durationStretch: 1.2 }) },
    { name: 'flite awb high', engine: createFliteTts({ voice: 'awb', pitchHz: 140 }) },
    { name: 'flite rms', engine: createFliteTts({ voice: 'rms' }) },
  ];
  try {
    checkEspeakInstalled();
  } catch (error) {
    return { voices, skipped: (error as Error).message };
  }
  return {
    voices: [
      ...voices,
      espeakVoice('en-029', 170, 50),
      espeakVoice('en', 160, 45),
      espeakVoice('en-us', 185, 60),
      espeakVoice('en-gb-x-gbcwmd', 160, 50),
    ],
  };
}

/**
 * The speaking rates the recognition target is stated for (130–170 words a minute): eSpeak's US and
 * British English at 130, 150 and 170, voices none of the tuning was chosen on at those rates.
 */
export function rateSweepVoices(): { voices: CorpusVoice[]; skipped?: string } {
  try {
    checkEspeakInstalled();
  } catch (error) {
    return { voices: [], skipped: (error as Error).message };
  }
  return { voices: ['en-us', 'en'].flatMap((voice) => [130, 150, 170].map((rate) => espeakVoice(voice, rate, 50))) };
}

const espeakVoice = (voice: string, rateWpm: number, pitch: number): CorpusVoice => ({
  name: `espeak ${voice} ${rateWpm}wpm p${pitch}`,
  engine: createEspeakTts({ voice, rateWpm, pitch }),
});

export interface CorpusUtterance {
  text: string;
  voice: string;
  inGrammar: boolean;
  samples: Int16Array;
  /**
   * With `clientRateHz`: the same speech at the client's rate (the voice's own audio resampled at Speex quality 10).
   */
  clientSamples?: Int16Array;
}

/**
 * Why quality 10: a client's own resampler (a browser's, ffmpeg's) is assumed good; the one measured is the server's.
 */
const CLIENT_RESAMPLER_QUALITY = 10;

/**
 * Every sentence of the grammar at `grammarPath`, and {@link OUT_OF_GRAMMAR}, in every voice, at
 * {@link CORPUS_RATE_HZ}; with `clientRateHz` also at that rate (a Realtime client's 24 kHz).
 */
export async function buildGrammarCorpus(
  grammarPath: string,
  voices: CorpusVoice[],
  progress: (line: string) => void = () => undefined,
  options: { clientRateHz?: number } = {},
): Promise<CorpusUtterance[]> {
  const commands = jsgfSentences(readFileSync(grammarPath, 'utf8'));
  const out: CorpusUtterance[] = [];
  for (const voice of voices) {
    progress(`  speaking ${commands.length} commands and ${OUT_OF_GRAMMAR.length} other phrases: ${voice.name}`);
    for (const [texts, inGrammar] of [
      [commands, true],
      [OUT_OF_GRAMMAR, false],
    ] as const) {
      for (const text of texts) {
        const spoken = await synthesize(voice.engine, text);
        const samples = toSamples(await resampleAll(spoken, voice.engine.sampleRateHz, CORPUS_RATE_HZ));
        const clientRateHz = options.clientRateHz;
        const client = clientRateHz
          ? {
              clientSamples: toSamples(
                await resampleAll(spoken, voice.engine.sampleRateHz, clientRateHz, CLIENT_RESAMPLER_QUALITY),
              ),
            }
          : {};
        out.push({ text, voice: voice.name, inGrammar, samples, ...client });
      }
    }
  }
  return out;
}

/** The voice's own audio, at its own rate. */
async function synthesize(engine: TtsEngine, text: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of engine.synthesize({ text, signal: new AbortController().signal })) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

function toSamples(pcm: Uint8Array): Int16Array {
  const samples = new Int16Array(pcm.byteLength >> 1);
  new Uint8Array(samples.buffer).set(pcm.subarray(0, samples.length * 2));
  return samples;
}

/** What the recognizer made of one corpus utterance. */
export interface GrammarResult {
  text: string;
  voice: string;
  inGrammar: boolean;
  heard: SttResult;
}

/** Accepted as a command: a transcript the session would act on at this threshold. */
export const acceptedAt = (r: GrammarResult, threshold: number) =>
  r.heard.text !== '' && (r.heard.confidence ?? 1) >= threshold;
/** A command transcribed as said and accepted at this threshold. */
export const exactAt = (r: GrammarResult, threshold: number) => r.heard.text === r.text && acceptedAt(r, threshold);
const percent = (n: number, of: number) => Math.round((1000 * n) / Math.max(1, of)) / 10;

/** The two numbers the targets are about, at one threshold. */
export interface GrammarCounts {
  inGrammar: number;
  inGrammarExact: number;
  inGrammarExactPercent: number;
  outOfGrammar: number;
  outOfGrammarAccepted: number;
  outOfGrammarAcceptedPercent: number;
}

export function countsAt(results: GrammarResult[], threshold: number): GrammarCounts {
  const commands = results.filter((r) => r.inGrammar);
  const others = results.filter((r) => !r.inGrammar);
  const exact = commands.filter((r) => exactAt(r, threshold)).length;
  const accepted = others.filter((r) => acceptedAt(r, threshold)).length;
  return {
    inGrammar: commands.length,
    inGrammarExact: exact,
    inGrammarExactPercent: percent(exact, commands.length),
    outOfGrammar: others.length,
    outOfGrammarAccepted: accepted,
    outOfGrammarAcceptedPercent: percent(accepted, others.length),
  };
}
