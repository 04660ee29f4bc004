/**
 * False stops, offline: the grammar bench's corpus (every robot command and the out-of-grammar phrases,
 * in every corpus voice) through pocketsphinx with the robot grammar as `serve` runs it, on the 16 kHz path
 * and on the Realtime path (24 kHz through the microphone resampler). The e-stop fires when a partial or
 * final transcript ends with a stop phrase, whatever its confidence; an utterance that is not a stop
 * phrase and passes the estop actor's gate (`actors/estop/stop-gate.ts`, with `session.estop`'s thresholds) is a
 * false stop. Partials come as the STT actor gets them (pocketsphinx checks every 100 ms of audio, reports
 * changed words and the check after them, and the same words again when their confidence moved), the
 * final at the end.
 */
import { createStopGate, endsWithStopPhrase as stopPhraseOf, type StopGateOptions } from '../actors/estop/index.js';
import { createPocketsphinxStt } from '../adapters/stt/pocketsphinx.js';
import type { SttEngine } from '../adapters/stt/types.js';
import { DEFAULT_GRAMMAR_MLLR, loadConfig } from '../runtime/config.js';
import { buildGrammarCorpus, corpusVoices, freshVoices } from './grammar-corpus.js';
import { REALTIME_RATE_HZ, throughMicrophoneResampler } from './grammar-realtime.js';
import { asVadUtterance } from '../sim/vad-utterance.js';
import { CORPUS_RATE_HZ } from './speech-corpus.js';
import { onsetIndex } from '../sim/estop-audio.js';
import { percentile, round } from './stats.js';

/** The VAD segmenter's prefix (as `asVadUtterance` pads). */
const VAD_PREFIX_MS = 200;

const GRAMMAR = 'examples/robot-commands.jsgf';
const FRAME_BYTES = (CORPUS_RATE_HZ / 50) * 2;
const onsetToStop = (stops: Array<{ afterOnsetMs?: number }>) =>
  stops.flatMap((f) => (f.afterOnsetMs === undefined ? [] : [f.afterOnsetMs]));
const endsWithStopPhrase = (text: string, phrases: readonly string[]) => stopPhraseOf(text, phrases) !== undefined;
export type Transcript = {
  text: string;
  confidence?: number | undefined;
  speechAfterMs?: number | undefined;
  lastWordSpeechShare?: number | undefined;
  atMs: number;
};

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
  /**
   * Median audio from the stop's onset to the transcript that fired (the decoding's share of the latency, no VAD, no
   * clock).
   */
  stopAudioMs: number;
  /** The same for the one-word stop phrases ("stop", "halt"), p50 and p95. */
  shortStopAudioMs: { p50: number; p95: number };
  /** The grammar bench's voices (the gate's thresholds were chosen on them), or fresh ones. */
  voices: 'bench' | 'fresh';
  examples: Array<{ voice: string; text: string; heard: string }>;
  /** Stop phrases that never stopped. */
  missed: Array<{ voice: string; text: string }>;
}

/**
 * Every partial and the final of one utterance (16 kHz samples, 20 ms frames), each with the audio pushed before it,
 * ms.
 */
export async function transcripts(stt: SttEngine, samples: Int16Array, channel: string): Promise<Transcript[]> {
  const seen: Transcript[] = [];
  let pushedMs = 0;
  const stream = stt.createStream({
    sampleRateHz: CORPUS_RATE_HZ,
    channel,
    onPartial: (text, confidence, detail) =>
      seen.push({ text, confidence, speechAfterMs: detail?.speechAfterMs, atMs: pushedMs }),
    signal: new AbortController().signal,
  });
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  for (let i = 0; i < bytes.byteLength; i += FRAME_BYTES) {
    const frame = bytes.subarray(i, i + FRAME_BYTES);
    pushedMs += frame.byteLength / 2 / (CORPUS_RATE_HZ / 1000);
    stream.push(frame);
  }
  const { text, confidence, speechAfterMs, lastWordSpeechShare } = await stream.finish();
  seen.push({ text, confidence, speechAfterMs, lastWordSpeechShare, atMs: pushedMs });
  return seen;
}

/** The transcript of one utterance (partials, then its final) that the estop actor's gate stops on, if any. */
export function firstStop(heard: Transcript[], gate: StopGateOptions): Transcript | undefined {
  const stopGate = createStopGate(gate);
  return heard.find((t, i) => stopGate.heard({ turnId: 'u1', ...t, final: i === heard.length - 1 }) !== undefined);
}

/** Why an env knob: to compare partial cadences (`PocketsphinxOptions.partialEveryMs`) before changing the default. */
const PARTIAL_MS = process.env.BENCH_PARTIAL_MS === undefined ? undefined : Number(process.env.BENCH_PARTIAL_MS);

export async function falseStopRows(
  options: { quick: boolean; grammarPath?: string },
  progress: (line: string) => void,
): Promise<EstopFalseRow[]> {
  const gate = loadConfig().session.estop;
  const { voices: all } = corpusVoices();
  // The gate's thresholds were chosen on the bench voices: the fresh voices show how they carry over.
  const voiceSets = options.quick
    ? [{ set: 'bench' as const, voices: all.filter((_, i) => i % 3 === 0) }]
    : [
        { set: 'bench' as const, voices: all },
        { set: 'fresh' as const, voices: freshVoices().voices },
      ];
  const grammarPath = options.grammarPath ?? GRAMMAR;
  const stt = createPocketsphinxStt({
    grammarPath,
    mllrPath: DEFAULT_GRAMMAR_MLLR,
    ...(PARTIAL_MS ? { partialEveryMs: PARTIAL_MS } : {}),
  });
  await stt.warmUp!();
  const rows: EstopFalseRow[] = [];
  for (const { set, voices } of voiceSets) {
    const corpus = await buildGrammarCorpus(grammarPath, voices, progress, { clientRateHz: REALTIME_RATE_HZ });
    for (const path of ['local 16 kHz', 'realtime 24 kHz'] as const)
      rows.push(await falseStopRow(stt, corpus, path, set, gate));
  }
  return rows;
}

async function falseStopRow(
  stt: SttEngine,
  corpus: Awaited<ReturnType<typeof buildGrammarCorpus>>,
  path: 'local 16 kHz' | 'realtime 24 kHz',
  voices: EstopFalseRow['voices'],
  gate: ReturnType<typeof loadConfig>['session']['estop'],
): Promise<EstopFalseRow> {
  const { phrases } = gate;
  const fired: Array<{
    voice: string;
    text: string;
    inGrammar: boolean;
    isStop: boolean;
    heard: string | undefined;
    afterOnsetMs?: number;
  }> = [];
  for (const u of corpus) {
    const audio =
      path === 'local 16 kHz'
        ? asVadUtterance(u.samples)
        : await throughMicrophoneResampler(asVadUtterance(u.clientSamples!, REALTIME_RATE_HZ), REALTIME_RATE_HZ);
    // The estop actor's own rule (`actors/estop/estop-actor.ts`).
    const hit = firstStop(await transcripts(stt, audio, `${path} ${u.voice}`), gate);
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
  // "emergency stop" takes ~0.6–1.2 s to say: the one-word phrases show the recognizer's own delay.
  const shortStops = stops.filter((f) => !f.text.includes(' '));
  const falseStops = others.filter((f) => f.heard !== undefined);
  return {
    scenario: 'estop-false',
    path,
    voices,
    phrases,
    outOfGrammar: others.length,
    falseStops: falseStops.length,
    falseStopsPercent: round((100 * falseStops.length) / Math.max(1, others.length), 1),
    commands: commands.length,
    falseStopsOnCommands: commands.filter((f) => f.heard !== undefined).length,
    stopPhrases: stops.length,
    stopsSpotted: stops.filter((f) => f.heard !== undefined).length,
    stopAudioMs: percentile(onsetToStop(stops), 50),
    shortStopAudioMs: { p50: percentile(onsetToStop(shortStops), 50), p95: percentile(onsetToStop(shortStops), 95) },
    examples: [...falseStops, ...commands.filter((f) => f.heard !== undefined)]
      .slice(0, 12)
      .map((f) => ({ voice: f.voice, text: f.text, heard: f.heard! })),
    missed: stops.filter((f) => f.heard === undefined).map((f) => ({ voice: f.voice, text: f.text })),
  };
}

export function printFalseStops(rows: EstopFalseRow[]): void {
  if (rows.length === 0) return;
  console.log(
    `\nFalse stops: a partial or final ending with ${rows[0]!.phrases.map((p) => `"${p}"`).join(', ')} (offline, ` +
      `grammar corpus voices; target ≤ 1 % of out-of-grammar phrases)\n`,
  );
  console.log(
    '| path | voices | out of grammar → e-stop | other commands → e-stop | stop phrases spotted | onset → ' +
      'spotted, audio ms p50; "stop"/"halt" p50 / p95 |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.path}${r.grammar && r.grammar !== 'robot' ? ` (${r.grammar})` : ''} | ${r.voices} | ` +
        `${r.falseStops}/${r.outOfGrammar} = ${r.falseStopsPercent} % | ${r.falseStopsOnCommands}/${r.commands} | ` +
        `${r.stopsSpotted}/${r.stopPhrases} | ${round(r.stopAudioMs, 0)}; ${round(r.shortStopAudioMs.p50, 0)} / ` +
        `${round(r.shortStopAudioMs.p95, 0)} |`,
    );
  for (const r of rows)
    if (r.examples.length > 0)
      console.log(`  ${r.path}: ${r.examples.map((e) => `"${e.text}" (${e.voice}) → "${e.heard}"`).join('; ')}`);
  for (const r of rows)
    if (r.missed.length > 0)
      console.log(
        `  ${r.path}, ${r.voices} voices, missed: ${r.missed.map((m) => `"${m.text}" (${m.voice})`).join('; ')}`,
      );
}
