/**
 * A held-out check of the grammar benchmark's threshold: `stt.minConfidence` and the recognizer's tuning
 * were chosen on the whole corpus, so its numbers flatter them. Here the voices are split in two halves
 * (every other voice, so each half has two flite and two eSpeak voices); a threshold is fitted on one half
 * (the lowest that keeps phrases outside the grammar at or under the 5 % target there, which keeps the
 * most commands) and measured on the other, then the other way round.
 */
import { countsAt, type GrammarCounts, type GrammarResult } from './grammar-corpus.js';

/** The target for phrases outside the grammar accepted as commands. */
const OUT_OF_GRAMMAR_TARGET = 0.05;
/** Why steps of 0.005: confidences are rounded to 0.001, and finer steps change the fit by one phrase at most. */
const STEP = 0.005;

export interface GrammarHeldOutRow extends GrammarCounts {
  scenario: 'grammar-heldout';
  fitVoices: string[];
  testVoices: string[];
  /** The threshold fitted on `fitVoices`; the counts are on `testVoices` at it. */
  fittedMinConfidence: number;
}

/** The lowest threshold with at most 5 % of the phrases outside the grammar accepted. */
export function fitThreshold(results: GrammarResult[]): number {
  for (let i = 0; i * STEP <= 1; i++) {
    const t = Math.round(i * STEP * 1000) / 1000;
    const m = countsAt(results, t);
    if (m.outOfGrammarAccepted <= OUT_OF_GRAMMAR_TARGET * m.outOfGrammar) return t;
  }
  return 1;
}

export function heldOutRows(results: GrammarResult[]): GrammarHeldOutRow[] {
  const voices = [...new Set(results.map((r) => r.voice))];
  const halves = [voices.filter((_, i) => i % 2 === 0), voices.filter((_, i) => i % 2 === 1)];
  if (halves[1]!.length === 0) return [];
  return halves.map((fitVoices, i) => {
    const testVoices = halves[1 - i]!;
    const fittedMinConfidence = fitThreshold(results.filter((r) => fitVoices.includes(r.voice)));
    const counts = countsAt(
      results.filter((r) => testVoices.includes(r.voice)),
      fittedMinConfidence,
    );
    return { scenario: 'grammar-heldout', fitVoices, testVoices, fittedMinConfidence, ...counts };
  });
}

export function printHeldOut(rows: GrammarHeldOutRow[]): void {
  if (rows.length === 0) return;
  console.log('\nHeld out: threshold fitted on half of the voices, measured on the other half\n');
  console.log('| fitted on | threshold | measured on | out of grammar accepted | in grammar exact |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.fitVoices.join(', ')} | ${r.fittedMinConfidence} | ${r.testVoices.join(', ')} | ` +
        `${r.outOfGrammarAccepted}/${r.outOfGrammar} = ${r.outOfGrammarAcceptedPercent} % | ` +
        `${r.inGrammarExact}/${r.inGrammar} = ${r.inGrammarExactPercent} % |`,
    );
  }
}
