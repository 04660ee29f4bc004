/**
 * False stops, offline: the grammar bench's corpus (every robot command and the out-of-grammar phrases,
 * in every corpus voice) through pocketsphinx with the robot grammar as `serve` runs it, on the 16 kHz path
 * and on the Realtime path (24 kHz through the microphone resampler). The e-stop fires when a partial or
 * final transcript ends with a stop phrase, whatever its confidence; an utterance that is not a stop
 * phrase and does that is a false stop. Partials come as the STT actor gets them (pocketsphinx reports
 * every 200 ms of audio), the final at the end.
 */
import { endsWithStopPhrase as stopPhraseOf } from '../actors/estop.js';
import { createPocketsphinxStt } from '../adapters/stt/pocketsphinx.js';
import type { SttEngine } from '../adapters/stt/types.js';
import { DEFAULT_GRAMMAR_MLLR, loadConfig } from '../server/config.js';
import { buildGrammarCorpus, corpusVoices } from './grammar-corpus.js';
import { REALTIME_RATE_HZ, throughMicrophoneResampler } from './grammar-realtime.js';
import { asVadUtterance } from './grammar-scenario.js';
import { CORPUS_RATE_HZ } from './speech-corpus.js';
import { round } from './stats.js';

const GRAMMAR = 'examples/robot-commands.jsgf';
const FRAME_BYTES = (CORPUS_RATE_HZ / 50) * 2;
/** The estop actor's own rule (`actors/estop.ts`). */
const endsWithStopPhrase = (text: string, phrases: readonly string[]) => stopPhraseOf(text, phrases) !== undefined;

export interface EstopFalseRow {
  scenario: 'estop-false';
  grammar?: string;
  path: string;
  phrases: string[];
  outOfGrammar: number;
  falseStops: number;
  falseStopsPercent: number;
  /** Commands of the grammar that are not stop phrases, and how many of them fired the e-stop. */
  commands: number;
  falseStopsOnCommands: number;
  /** The grammar's own stop phrases in the corpus (spoken alone), and how many fired it (a real stop). */
  stopPhrases: number;
  stopsSpotted: number;
  examples: Array<{ voice: string; text: string; heard: string }>;
}


/** Every partial and the final of one utterance (16 kHz samples, 20 ms frames). */
async function transcripts(stt: SttEngine, samples: Int16Array): Promise<string[]> {
  const seen: string[] = [];
  const stream = stt.createStream({ sampleRateHz: CORPUS_RATE_HZ, onPartial: (text) => seen.push(text), signal: new AbortController().signal });
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  for (let i = 0; i < bytes.byteLength; i += FRAME_BYTES) stream.push(bytes.subarray(i, i + FRAME_BYTES));
  seen.push((await stream.finish()).text);
  return seen;
}

export async function falseStopRows(options: { quick: boolean; grammarPath?: string }, progress: (line: string) => void): Promise<EstopFalseRow[]> {
  const phrases = loadConfig().session.estop.phrases;
  const { voices: all } = corpusVoices();
  const voices = options.quick ? all.filter((_, i) => i % 3 === 0) : all;
  const grammarPath = options.grammarPath ?? GRAMMAR;
  const corpus = await buildGrammarCorpus(grammarPath, voices, progress, { clientRateHz: REALTIME_RATE_HZ });
  const stt = createPocketsphinxStt({ grammarPath, mllrPath: DEFAULT_GRAMMAR_MLLR });
  await stt.warmUp!();
  const rows: EstopFalseRow[] = [];
  for (const path of ['local 16 kHz', 'realtime 24 kHz'] as const) {
    const fired: Array<{ voice: string; text: string; inGrammar: boolean; isStop: boolean; heard: string | undefined }> = [];
    for (const u of corpus) {
      const audio = path === 'local 16 kHz' ? asVadUtterance(u.samples) : await throughMicrophoneResampler(asVadUtterance(u.clientSamples!, REALTIME_RATE_HZ), REALTIME_RATE_HZ);
      const heard = (await transcripts(stt, audio)).find((t) => endsWithStopPhrase(t, phrases));
      fired.push({ voice: u.voice, text: u.text, inGrammar: u.inGrammar, isStop: endsWithStopPhrase(u.text, phrases), heard });
    }
    const others = fired.filter((f) => !f.inGrammar);
    const commands = fired.filter((f) => f.inGrammar && !f.isStop);
    const stops = fired.filter((f) => f.isStop);
    const falseStops = others.filter((f) => f.heard !== undefined);
    rows.push({
      scenario: 'estop-false',
      path,
      phrases,
      outOfGrammar: others.length,
      falseStops: falseStops.length,
      falseStopsPercent: round((100 * falseStops.length) / Math.max(1, others.length), 1),
      commands: commands.length,
      falseStopsOnCommands: commands.filter((f) => f.heard !== undefined).length,
      stopPhrases: stops.length,
      stopsSpotted: stops.filter((f) => f.heard !== undefined).length,
      examples: [...falseStops, ...commands.filter((f) => f.heard !== undefined)].slice(0, 12).map((f) => ({ voice: f.voice, text: f.text, heard: f.heard! })),
    });
  }
  return rows;
}

export function printFalseStops(rows: EstopFalseRow[]): void {
  if (rows.length === 0) return;
  console.log(`\nFalse stops: a partial or final ending with ${rows[0]!.phrases.map((p) => `"${p}"`).join(', ')} (offline, grammar corpus voices; target ≤ 1 % of out-of-grammar phrases)\n`);
  console.log('| path | out of grammar → e-stop | other commands → e-stop | "stop" spotted |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.path}${r.grammar && r.grammar !== 'robot' ? ` (${r.grammar})` : ''} | ${r.falseStops}/${r.outOfGrammar} = ${r.falseStopsPercent} % | ${r.falseStopsOnCommands}/${r.commands} | ${r.stopsSpotted}/${r.stopPhrases} |`);
  for (const r of rows) if (r.examples.length > 0) console.log(`  ${r.path}: ${r.examples.map((e) => `"${e.text}" (${e.voice}) → "${e.heard}"`).join('; ')}`);
}
