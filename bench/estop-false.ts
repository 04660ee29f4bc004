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
import { onsetIndex } from './estop-audio.js';
import { percentile, round } from './stats.js';

/** The VAD segmenter's prefix (as `asVadUtterance` pads). */
const VAD_PREFIX_MS = 200;

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
  /** Median audio from the stop's onset to the transcript that fired (the decoding's share of the latency, no VAD, no clock). */
  stopAudioMs: number;
  examples: Array<{ voice: string; text: string; heard: string }>;
}

/** Every partial and the final of one utterance (16 kHz samples, 20 ms frames), each with the audio pushed before it, ms. */
async function transcripts(stt: SttEngine, samples: Int16Array, channel: string): Promise<Array<{ text: string; atMs: number }>> {
  const seen: Array<{ text: string; atMs: number }> = [];
  let pushedMs = 0;
  const stream = stt.createStream({
    sampleRateHz: CORPUS_RATE_HZ,
    channel,
    onPartial: (text) => seen.push({ text, atMs: pushedMs }),
    signal: new AbortController().signal,
  });
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  for (let i = 0; i < bytes.byteLength; i += FRAME_BYTES) {
    const frame = bytes.subarray(i, i + FRAME_BYTES);
    pushedMs += frame.byteLength / 2 / (CORPUS_RATE_HZ / 1000);
    stream.push(frame);
  }
  seen.push({ text: (await stream.finish()).text, atMs: pushedMs });
  return seen;
}

/** Why an env knob: to compare partial cadences (`PocketsphinxOptions.partialEveryMs`) before changing the default. */
const PARTIAL_MS = process.env.BENCH_PARTIAL_MS === undefined ? undefined : Number(process.env.BENCH_PARTIAL_MS);

export async function falseStopRows(options: { quick: boolean; grammarPath?: string }, progress: (line: string) => void): Promise<EstopFalseRow[]> {
  const phrases = loadConfig().session.estop.phrases;
  const { voices: all } = corpusVoices();
  const voices = options.quick ? all.filter((_, i) => i % 3 === 0) : all;
  const grammarPath = options.grammarPath ?? GRAMMAR;
  const corpus = await buildGrammarCorpus(grammarPath, voices, progress, { clientRateHz: REALTIME_RATE_HZ });
  const stt = createPocketsphinxStt({ grammarPath, mllrPath: DEFAULT_GRAMMAR_MLLR, ...(PARTIAL_MS ? { partialEveryMs: PARTIAL_MS } : {}) });
  await stt.warmUp!();
  const rows: EstopFalseRow[] = [];
  for (const path of ['local 16 kHz', 'realtime 24 kHz'] as const) {
    const fired: Array<{ voice: string; text: string; inGrammar: boolean; isStop: boolean; heard: string | undefined; afterOnsetMs?: number }> = [];
    for (const u of corpus) {
      const audio =
        path === 'local 16 kHz'
          ? asVadUtterance(u.samples)
          : await throughMicrophoneResampler(asVadUtterance(u.clientSamples!, REALTIME_RATE_HZ), REALTIME_RATE_HZ);
      const hit = (await transcripts(stt, audio, `${path} ${u.voice}`)).find((t) => endsWithStopPhrase(t.text, phrases));
      // The speech's onset in the utterance: the VAD's 200 ms prefix, then the voice's first sample over −40 dBFS.
      const onsetMs = VAD_PREFIX_MS + (onsetIndex(u.samples) * 1000) / CORPUS_RATE_HZ;
      fired.push({
        voice: u.voice,
        text: u.text,
        inGrammar: u.inGrammar,
        isStop: endsWithStopPhrase(u.text, phrases),
        heard: hit?.text,
        ...(hit ? { afterOnsetMs: hit.atMs - onsetMs } : {}),
      });
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
      stopAudioMs: percentile(
        stops.flatMap((f) => (f.afterOnsetMs === undefined ? [] : [f.afterOnsetMs])),
        50,
      ),
      examples: [...falseStops, ...commands.filter((f) => f.heard !== undefined)].slice(0, 12).map((f) => ({ voice: f.voice, text: f.text, heard: f.heard! })),
    });
  }
  return rows;
}

export function printFalseStops(rows: EstopFalseRow[]): void {
  if (rows.length === 0) return;
  console.log(
    `\nFalse stops: a partial or final ending with ${rows[0]!.phrases.map((p) => `"${p}"`).join(', ')} (offline, grammar corpus voices; target ≤ 1 % of out-of-grammar phrases)\n`,
  );
  console.log('| path | out of grammar → e-stop | other commands → e-stop | stop phrases spotted | onset → spotted, audio ms p50 |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.path}${r.grammar && r.grammar !== 'robot' ? ` (${r.grammar})` : ''} | ${r.falseStops}/${r.outOfGrammar} = ${r.falseStopsPercent} % | ${r.falseStopsOnCommands}/${r.commands} | ${r.stopsSpotted}/${r.stopPhrases} | ${round(r.stopAudioMs, 0)} |`,
    );
  for (const r of rows) if (r.examples.length > 0) console.log(`  ${r.path}: ${r.examples.map((e) => `"${e.text}" (${e.voice}) → "${e.heard}"`).join('; ')}`);
}
