/**
 * `--scenario grammar --rate 24000`: the grammar corpus through the Realtime input path too. Each
 * utterance is also made at the client's rate (the voice's own audio resampled at Speex quality 10, as a
 * good client would), padded and noised as the VAD would pass it at that rate, then sent in 20 ms frames
 * through the microphone resampler exactly as the VAD actor runs it (`MIC_RESAMPLER_QUALITY`, streaming,
 * never flushed) to the recognizer at 16 kHz.
 *
 * A path only "differs" if it differs more than the recognizer differs from itself: the 16 kHz path is
 * decoded a second time with another realization of the same −70 dBFS noise floor, and the rows compare
 * both the 24 kHz path and that re-noised decode with the first 16 kHz decode (mean |Δ confidence|, the
 * accept/reject decisions at the configured threshold that flip, transcripts that change).
 */
import { createResampler, MIC_RESAMPLER_QUALITY } from '../adapters/audio/resample.js';
import type { GrammarCounts, GrammarResult } from './grammar-corpus.js';
import { acceptedAt, countsAt } from './grammar-corpus.js';
import { CORPUS_RATE_HZ } from './speech-corpus.js';

/** The Realtime API's input rate (`audio/pcm`). */
export const REALTIME_RATE_HZ = 24_000;

/**
 * The microphone resampler's quality the bench measures: the shipped one, or `BENCH_MIC_QUALITY` (0-10)
 * to compare another before changing `MIC_RESAMPLER_QUALITY`.
 */
export const BENCH_MIC_QUALITY =
  process.env.BENCH_MIC_QUALITY === undefined ? MIC_RESAMPLER_QUALITY : Number(process.env.BENCH_MIC_QUALITY);

/** `samples` (at `fromHz`) through the microphone resampler in 20 ms frames, as `actors/vad.ts` does. */
export async function throughMicrophoneResampler(samples: Int16Array, fromHz: number): Promise<Int16Array> {
  const resampler = await createResampler({ fromHz, toHz: CORPUS_RATE_HZ, quality: BENCH_MIC_QUALITY });
  try {
    const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
    const frameBytes = (fromHz / 50) * 2;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < bytes.byteLength; i += frameBytes)
      parts.push(resampler.process(bytes.subarray(i, i + frameBytes)).slice());
    const out = new Int16Array(parts.reduce((n, p) => n + p.byteLength, 0) >> 1);
    const view = new Uint8Array(out.buffer);
    let at = 0;
    for (const p of parts) {
      view.set(p.subarray(0, Math.min(p.byteLength, view.byteLength - at)), at);
      at += p.byteLength;
    }
    return out;
  } finally {
    resampler.close();
  }
}

/** One input path's counts at the configured threshold. */
export interface GrammarPathRow extends GrammarCounts {
  scenario: 'grammar-path';
  path: string;
  minConfidence: number;
}

/** How far one decode of the corpus is from the 16 kHz decode, utterance by utterance. */
export interface GrammarPathDeltaRow {
  scenario: 'grammar-path-delta';
  /** `24 kHz realtime` or `16 kHz, other noise` (the recognizer's own spread: the baseline). */
  path: string;
  utterances: number;
  meanAbsDelta: number;
  p95AbsDelta: number;
  /** Accepted at the configured threshold in one decode and not the other. */
  decisionsFlipped: number;
  transcriptsChanged: number;
  /** The command "stop", per voice: confidence on the 16 kHz path → this path. */
  stop: Array<{ voice: string; base: number; path: number }>;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const confidenceOf = (r: GrammarResult) => (r.heard.text === '' ? 0 : (r.heard.confidence ?? 1));

export function pathRow(path: string, results: GrammarResult[], configured: number): GrammarPathRow {
  return { scenario: 'grammar-path', path, minConfidence: configured, ...countsAt(results, configured) };
}

export function pathDeltaRow(
  path: string,
  base: GrammarResult[],
  other: GrammarResult[],
  configured: number,
): GrammarPathDeltaRow {
  const deltas = base.map((r, i) => Math.abs(confidenceOf(r) - confidenceOf(other[i]!))).sort((a, b) => a - b);
  return {
    scenario: 'grammar-path-delta',
    path,
    utterances: base.length,
    meanAbsDelta: round3(deltas.reduce((s, d) => s + d, 0) / Math.max(1, deltas.length)),
    p95AbsDelta: round3(deltas[Math.min(deltas.length - 1, Math.floor(deltas.length * 0.95))] ?? 0),
    decisionsFlipped: base.filter((r, i) => acceptedAt(r, configured) !== acceptedAt(other[i]!, configured)).length,
    transcriptsChanged: base.filter((r, i) => r.heard.text !== other[i]!.heard.text).length,
    stop: base.flatMap((r, i) =>
      r.text === 'stop' ? [{ voice: r.voice, base: confidenceOf(r), path: confidenceOf(other[i]!) }] : [],
    ),
  };
}

export function printGrammarPaths(paths: GrammarPathRow[], deltas: GrammarPathDeltaRow[]): void {
  if (paths.length === 0) return;
  console.log(
    `\nInput paths at minConfidence ${paths[0]!.minConfidence} (the Realtime path: ${REALTIME_RATE_HZ} Hz ` +
      `through the microphone resampler, Speex quality ` +
      `${BENCH_MIC_QUALITY}` +
      `${BENCH_MIC_QUALITY === MIC_RESAMPLER_QUALITY ? ', as shipped' : `; shipped: ${MIC_RESAMPLER_QUALITY}`})\n`,
  );
  console.log('| path | in grammar exact | out of grammar accepted |');
  console.log('| --- | --- | --- |');
  for (const p of paths)
    console.log(
      `| ${p.path} | ${p.inGrammarExact}/${p.inGrammar} = ${p.inGrammarExactPercent} % | ` +
        `${p.outOfGrammarAccepted}/${p.outOfGrammar} = ${p.outOfGrammarAcceptedPercent} % |`,
    );
  console.log(
    '\n| against the 16 kHz decode | mean abs Δ confidence | p95 abs Δ | decisions flipped | transcripts changed |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const d of deltas)
    console.log(
      `| ${d.path} | ${d.meanAbsDelta} | ${d.p95AbsDelta} | ${d.decisionsFlipped}/${d.utterances} | ` +
        `${d.transcriptsChanged}/${d.utterances} |`,
    );
  for (const d of deltas)
    console.log(`  "stop" (16 kHz → ${d.path}): ${d.stop.map((s) => `${s.voice} ${s.base}→${s.path}`).join('; ')}`);
}
