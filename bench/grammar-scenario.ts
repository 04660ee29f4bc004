/**
 * `--scenario grammar`: can the grammar recognizer say "that was not a command"?
 *
 * Every sentence of the robot grammar and {@link OUT_OF_GRAMMAR}'s ordinary phrases, spoken by every
 * corpus voice (flite and eSpeak at varied speed and pitch, `grammar-corpus.ts`), go to pocketsphinx with
 * the robot grammar as the VAD would pass them: 200 ms before the speech, 600 ms after it (the
 * segmenter's prefix and hangover), over a -70 dBFS noise floor (a quiet room's microphone, never digital
 * zero), in 20 ms frames. For each threshold:
 *
 * - **out of grammar accepted**: phrases outside the grammar that came out as a command (a non-empty
 *   transcript) with a confidence at or above the threshold — they would have become a command;
 * - **in grammar exact**: commands transcribed exactly as said and accepted.
 *
 * Also a threshold fitted on half of the voices and measured on the other half (`grammar-heldout.ts`), and
 * the decoding cost with and without the phone loop, in ms of CPU per second of audio.
 */
import { createPocketsphinxStt } from '../adapters/stt/pocketsphinx.js';
import type { SttEngine, SttResult } from '../adapters/stt/types.js';
import { DEFAULT_GRAMMAR_MLLR, loadConfig } from '../runtime/config.js';
import {
  acceptedAt,
  buildGrammarCorpus,
  corpusVoices,
  countsAt,
  exactAt,
  freshVoices,
  OUT_OF_GRAMMAR,
  rateSweepVoices,
  type CorpusUtterance,
  type GrammarCounts,
  type GrammarResult,
} from './grammar-corpus.js';

export type { GrammarResult } from './grammar-corpus.js';
import { heldOutRows, printHeldOut, type GrammarHeldOutRow } from './grammar-heldout.js';
import { decodeHumanCorpus, humanRows, printHumanRows, type GrammarHumanRow } from './grammar-human.js';
import { CORPUS_RATE_HZ } from './speech-corpus.js';
import { asVadUtterance } from '../sim/vad-utterance.js';
import {
  BENCH_MIC_QUALITY,
  pathDeltaRow,
  pathRow,
  printGrammarPaths,
  REALTIME_RATE_HZ,
  throughMicrophoneResampler,
  type GrammarPathDeltaRow,
  type GrammarPathRow,
} from './grammar-realtime.js';

const GRAMMAR = 'examples/robot-commands.jsgf';
const FRAME_SAMPLES = CORPUS_RATE_HZ / 50;
export const THRESHOLDS = [0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5];

export interface GrammarRow extends GrammarCounts {
  scenario: 'grammar';
  /** The threshold of this row; `configured` marks `stt.minConfidence`'s default. */
  minConfidence: number;
  configured: boolean;
  voices: string[];
}

export interface GrammarVoiceRow {
  scenario: 'grammar-voice';
  voice: string;
  minConfidence: number;
  /** Commands transcribed exactly, before any rejection. */
  exactWithoutRejection: number;
  inGrammarExact: number;
  inGrammar: number;
  outOfGrammarAccepted: number;
  outOfGrammar: number;
}

export interface GrammarCostRow {
  scenario: 'grammar-cost';
  audioSeconds: number;
  /** CPU ms per second of audio: the grammar decoder alone, and with the phone loop for the confidence. */
  grammarOnlyMsPerSecond: number;
  withConfidenceMsPerSecond: number;
}

/**
 * One utterance through `engine`. `channel`: the speaker's session (a voice on one path), as the STT actor
 * gives its session id: a voice's utterances adapt the recognizer for that voice only.
 */
async function recognize(
  engine: SttEngine,
  samples: Int16Array,
  channel: string,
): Promise<{ heard: SttResult; cpuMs: number }> {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const started = process.cpuUsage();
  const stream = engine.createStream({
    sampleRateHz: CORPUS_RATE_HZ,
    channel,
    onPartial: () => undefined,
    signal: new AbortController().signal,
  });
  for (let i = 0; i < bytes.byteLength; i += FRAME_SAMPLES * 2) stream.push(bytes.subarray(i, i + FRAME_SAMPLES * 2));
  const heard = await stream.finish();
  const used = process.cpuUsage(started);
  return { heard, cpuMs: (used.user + used.system) / 1000 };
}

export function grammarRows(results: GrammarResult[], configured: number): Array<GrammarRow | GrammarVoiceRow> {
  const voices = [...new Set(results.map((r) => r.voice))];
  const thresholds = [...new Set([...THRESHOLDS, configured])].sort((a, b) => a - b);
  const rows: Array<GrammarRow | GrammarVoiceRow> = thresholds.map((t) => ({
    scenario: 'grammar',
    minConfidence: t,
    configured: t === configured,
    voices,
    ...countsAt(results, t),
  }));
  for (const voice of voices) {
    const mine = (inGrammar: boolean) => results.filter((r) => r.voice === voice && r.inGrammar === inGrammar);
    rows.push({
      scenario: 'grammar-voice',
      voice,
      minConfidence: configured,
      exactWithoutRejection: mine(true).filter((r) => exactAt(r, 0)).length,
      inGrammarExact: mine(true).filter((r) => exactAt(r, configured)).length,
      inGrammar: mine(true).length,
      outOfGrammarAccepted: mine(false).filter((r) => acceptedAt(r, configured)).length,
      outOfGrammar: mine(false).length,
    });
  }
  return rows;
}

/**
 * @param options.rateHz 24000: also the Realtime input path (`grammar-realtime.ts`); 16000 (default): the
 *   16 kHz path only.
 */
export async function runGrammarScenario(
  options: { quick: boolean; rateHz?: number },
  progress: (line: string) => void,
): Promise<GrammarRows> {
  const realtime = options.rateHz !== undefined && options.rateHz !== CORPUS_RATE_HZ;
  if (realtime && options.rateHz !== REALTIME_RATE_HZ)
    throw new Error(
      `--rate ${options.rateHz}: use ${CORPUS_RATE_HZ} (the local path) or ${REALTIME_RATE_HZ} (the Realtime input ` +
        `path)`,
    );
  const { voices: all, skipped } = corpusVoices();
  if (skipped) progress(`  eSpeak voices skipped: ${skipped}`);
  const voices = options.quick ? all.filter((_, i) => i % 3 === 0) : all;
  const corpus: CorpusUtterance[] = await buildGrammarCorpus(
    GRAMMAR,
    voices,
    progress,
    realtime ? { clientRateHz: REALTIME_RATE_HZ } : {},
  );
  progress(`  ${corpus.length} utterances (${OUT_OF_GRAMMAR.length} phrases outside the grammar per voice); decoding`);
  // The recognizer as `serve` configures it: with the shipped MLLR transform (stt.mllrPath).
  const withConfidence = createPocketsphinxStt({ grammarPath: GRAMMAR, mllrPath: DEFAULT_GRAMMAR_MLLR });
  const grammarOnly = createPocketsphinxStt({
    grammarPath: GRAMMAR,
    confidence: false,
    mllrPath: DEFAULT_GRAMMAR_MLLR,
  });
  await Promise.all([withConfidence.warmUp!(), grammarOnly.warmUp!()]);
  const results: GrammarResult[] = [];
  let audioSeconds = 0;
  const cpu = { grammarOnly: 0, withConfidence: 0 };
  for (const u of corpus) {
    const audio = asVadUtterance(u.samples);
    audioSeconds += audio.length / CORPUS_RATE_HZ;
    const full = await recognize(withConfidence, audio, `16k ${u.voice}`);
    cpu.withConfidence += full.cpuMs;
    cpu.grammarOnly += (await recognize(grammarOnly, audio, `16k ${u.voice}`)).cpuMs;
    results.push({ text: u.text, voice: u.voice, inGrammar: u.inGrammar, heard: full.heard });
  }
  const cost: GrammarCostRow = {
    scenario: 'grammar-cost',
    audioSeconds: Math.round(audioSeconds),
    grammarOnlyMsPerSecond: Math.round((10 * cpu.grammarOnly) / audioSeconds) / 10,
    withConfidenceMsPerSecond: Math.round((10 * cpu.withConfidence) / audioSeconds) / 10,
  };
  const configured = loadConfig().stt.minConfidence;
  const rows: GrammarRows = [...grammarRows(results, configured), ...heldOutRows(results), cost];
  if (realtime) rows.push(...(await realtimePathRows(withConfidence, corpus, results, configured, progress)));
  if (!options.quick) rows.push(await freshVoicesRow(withConfidence, configured, progress));
  if (!options.quick) rows.push(await freshVoicesRow(withConfidence, configured, progress, 'rates'));
  rows.push(...humanRows(await decodeHumanCorpus(asVadUtterance, progress), configured));
  return rows;
}

/** The corpus again through the Realtime input path, and the 16 kHz path with other noise (the baseline). */
async function realtimePathRows(
  stt: SttEngine,
  corpus: CorpusUtterance[],
  base: GrammarResult[],
  configured: number,
  progress: (line: string) => void,
): Promise<Array<GrammarPathRow | GrammarPathDeltaRow>> {
  progress(
    `  the Realtime input path: ${REALTIME_RATE_HZ} Hz through the microphone resampler; and 16 kHz with other ` +
      `noise`,
  );
  const viaRealtime: GrammarResult[] = [];
  const renoised: GrammarResult[] = [];
  for (const u of corpus) {
    const at16 = await throughMicrophoneResampler(asVadUtterance(u.clientSamples!, REALTIME_RATE_HZ), REALTIME_RATE_HZ);
    viaRealtime.push({
      text: u.text,
      voice: u.voice,
      inGrammar: u.inGrammar,
      heard: (await recognize(stt, at16, `24k ${u.voice}`)).heard,
    });
    renoised.push({
      text: u.text,
      voice: u.voice,
      inGrammar: u.inGrammar,
      heard: (await recognize(stt, asVadUtterance(u.samples), `16k renoised ${u.voice}`)).heard,
    });
  }
  return [
    pathRow('16 kHz', base, configured),
    pathRow(`24 kHz realtime q${BENCH_MIC_QUALITY}`, viaRealtime, configured),
    pathRow('16 kHz, other noise', renoised, configured),
    pathDeltaRow(`24 kHz realtime q${BENCH_MIC_QUALITY}`, base, viaRealtime, configured),
    pathDeltaRow('16 kHz, other noise', base, renoised, configured),
  ];
}

/**
 * Voices that chose nothing (see {@link freshVoices}; `rates`: {@link rateSweepVoices}), at the configured threshold.
 */
export async function freshVoicesRow(
  stt: SttEngine,
  configured: number,
  progress: (line: string) => void,
  set: 'fresh' | 'rates' = 'fresh',
): Promise<GrammarFreshRow> {
  const { voices, skipped } = set === 'fresh' ? freshVoices() : rateSweepVoices();
  if (skipped) progress(`  eSpeak voices skipped: ${skipped}`);
  progress(set === 'fresh' ? '  voices that chose nothing:' : '  eSpeak at 130, 150 and 170 words a minute:');
  const results: GrammarResult[] = [];
  for (const u of await buildGrammarCorpus(GRAMMAR, voices, progress)) {
    results.push({
      text: u.text,
      voice: u.voice,
      inGrammar: u.inGrammar,
      heard: (await recognize(stt, asVadUtterance(u.samples), `fresh ${u.voice}`)).heard,
    });
  }
  const perVoice = voices.map((v) => {
    const commands = results.filter((r) => r.voice === v.name && r.inGrammar);
    return {
      voice: v.name,
      exactWithoutRejection: commands.filter((r) => exactAt(r, 0)).length,
      inGrammar: commands.length,
    };
  });
  return {
    scenario: 'grammar-fresh',
    set,
    minConfidence: configured,
    voices: voices.map((v) => v.name),
    ...countsAt(results, configured),
    exactWithoutRejection: results.filter((r) => r.inGrammar && exactAt(r, 0)).length,
    perVoice,
  };
}

/** The configured threshold on {@link freshVoices}: how the tuning carries over to new speakers. */
export interface GrammarFreshRow extends GrammarCounts {
  scenario: 'grammar-fresh';
  /** `fresh`: voices that chose nothing; `rates`: eSpeak at 130–170 words a minute. */
  set: 'fresh' | 'rates';
  minConfidence: number;
  voices: string[];
  exactWithoutRejection: number;
  perVoice: Array<{ voice: string; exactWithoutRejection: number; inGrammar: number }>;
}

export type GrammarRows = Array<
  | GrammarRow
  | GrammarVoiceRow
  | GrammarHeldOutRow
  | GrammarCostRow
  | GrammarFreshRow
  | GrammarPathRow
  | GrammarPathDeltaRow
  | GrammarHumanRow
>;

export function printGrammar(rows: GrammarRows): void {
  const totals = rows.filter((r): r is GrammarRow => r.scenario === 'grammar');
  const voices = rows.filter((r): r is GrammarVoiceRow => r.scenario === 'grammar-voice');
  const cost = rows.find((r): r is GrammarCostRow => r.scenario === 'grammar-cost');
  if (totals.length === 0) return;
  console.log(
    `\nOut-of-grammar rejection, synthetic voices (pocketsphinx, robot grammar; ${totals[0]!.voices.length} ` +
      `voices; targets: out of grammar accepted ≤ 1 %, in grammar exact ≥ 95 %)\n`,
  );
  console.log('| minConfidence | out of grammar accepted as a command | in grammar recognized exactly |');
  console.log('| --- | --- | --- |');
  for (const r of totals) {
    const mark = r.configured ? ' (default)' : '';
    console.log(
      `| ${r.minConfidence}${mark} | ${r.outOfGrammarAccepted}/${r.outOfGrammar} = ` +
        `${r.outOfGrammarAcceptedPercent} % | ${r.inGrammarExact}/${r.inGrammar} = ${r.inGrammarExactPercent} % |`,
    );
  }
  if (voices.length > 0) {
    console.log(`\nPer voice at minConfidence ${voices[0]!.minConfidence}\n`);
    console.log('| voice | commands exact, no rejection | commands exact | out of grammar accepted |');
    console.log('| --- | --- | --- | --- |');
    for (const v of voices)
      console.log(
        `| ${v.voice} | ${v.exactWithoutRejection}/${v.inGrammar} | ${v.inGrammarExact}/${v.inGrammar} | ` +
          `${v.outOfGrammarAccepted}/${v.outOfGrammar} |`,
      );
  }
  printHeldOut(rows.filter((r): r is GrammarHeldOutRow => r.scenario === 'grammar-heldout'));
  for (const fresh of rows.filter((r): r is GrammarFreshRow => r.scenario === 'grammar-fresh')) {
    console.log(
      `\n${fresh.set === 'rates' ? 'eSpeak at 130-170 words a minute' : 'Voices that chose nothing'} ` +
        `(${fresh.voices.length}), at minConfidence ${fresh.minConfidence}: out of grammar accepted ` +
        `${fresh.outOfGrammarAccepted}/${fresh.outOfGrammar} = ${fresh.outOfGrammarAcceptedPercent} %, commands ` +
        `exact ${fresh.inGrammarExact}/${fresh.inGrammar} = ${fresh.inGrammarExactPercent} % ` +
        `(${fresh.exactWithoutRejection} with no rejection)`,
    );
    console.log(
      `  commands exact with no rejection, per voice: ` +
        `${fresh.perVoice.map((v) => `${v.voice} ${v.exactWithoutRejection}/${v.inGrammar}`).join('; ')}`,
    );
  }
  printGrammarPaths(
    rows.filter((r): r is GrammarPathRow => r.scenario === 'grammar-path'),
    rows.filter((r): r is GrammarPathDeltaRow => r.scenario === 'grammar-path-delta'),
  );
  printHumanRows(rows.filter((r): r is GrammarHumanRow => r.scenario === 'grammar-human'));
  if (cost) {
    console.log(
      `\nDecoding CPU per second of audio (${cost.audioSeconds} s): grammar only ${cost.grammarOnlyMsPerSecond} ` +
        `ms, with the phone loop for the confidence ${cost.withConfidenceMsPerSecond} ms`,
    );
  }
}
