/**
 * How likely a grammar decoder's sentence is what was said. A grammar decoder answers every sound with
 * one of its sentences; a free phone loop decoding the same audio says which phones were there, with no
 * sentence to fit. Two measures compare them:
 *
 * - **phone agreement**: 1 − the edit distance between the sentence's pronunciation and the loop's
 *   phones, over the longer of the two. "tell me a joke" forced into "go to the door" has a pronunciation
 *   far from what the loop heard, and a sentence that covers a short stretch of a long phrase ("stop" for
 *   "thank you very much") leaves most of the loop's phones unmatched.
 * - **score ratio**: (grammar path score − loop path score) per frame, a log-likelihood ratio; a
 *   command scores close to the loop or above it (the loop's phone model is cruder), other speech below.
 *
 * - **coverage** (finals): frames where the sentence's words and the loop's speech coincide, over frames
 *   with either. A sentence decoded over part of the speech, or a word laid over silence, explains only
 *   that share of what was heard.
 *
 * confidence = clamp((agreement + {@link SCORE_WEIGHT} × ratio) × coverage, 0, 1). On the grammar benchmark
 * (`npm run bench -- --scenario grammar`) the two together separate commands from other phrases better
 * than either alone (see docs/out-of-grammar.md).
 *
 * @example
 * ```ts
 * grammarConfidence({
 *   sentencePhones: ['S', 'T', 'AA', 'P'],
 *   loopPhones: ['S', 'T', 'AA', 'P'],
 *   grammarScore: -2000,
 *   loopScore: -2100,
 *   frames: 80,
 * });
 * // → 1 (clamped: every phone agrees and the grammar scores above the loop)
 * ```
 */

/**
 * Why 0.03: the score ratio spans about −30 … +15 per frame, so 0.03 gives it about the span of the
 * phone agreement (0 … 1) and the two weigh alike; it was not fitted to a voice or a grammar. A lower
 * weight let the noisier of the two, the agreement, decide: the phone loop is a weak phone recognizer,
 * and flite's "go to the kitchen", heard exactly and scoring far above the loop, came out of it as
 * "D EH UH IH D K IH JH EH N" — below a motion's `confirm.belowConfidence`, so the robot asked instead
 * of moving. Partials (the e-stop's gate) were judged with it already: there it kept all 24 stop
 * phrases of the out-of-grammar corpus with fewer false stops than 0.01 (docs/actions.md). Measured in
 * docs/out-of-grammar.md.
 */
export const SCORE_WEIGHT = 0.03;

export interface GrammarEvidence {
  /** The grammar sentence's pronunciation (filler and silence left out). */
  sentencePhones: string[];
  /** The phone loop's best phone sequence (silence left out). */
  loopPhones: string[];
  /** Best path scores (pocketsphinx log units, ≤ 0) of the grammar decoder and of the phone loop. */
  grammarScore: number;
  loopScore: number;
  /** Frames decoded (10 ms each). */
  frames: number;
  /**
   * On a final: how well the sentence's words and the loop's speech lie over the same frames (0..1,
   * `wordSpeechCoverage` in speech-after-words.ts). Absent: not judged (partials, where the loop has not
   * caught up with the words yet).
   */
  coverage?: number;
}

/** 1 − Levenshtein distance / the longer length: 1 for equal sequences, 0 for nothing in common. */
export function phoneAgreement(a: readonly string[], b: readonly string[]): number {
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = current;
  }
  return 1 - previous[b.length]! / longer;
}

/**
 * The confidence (0..1) that the grammar's sentence is what was said; on a partial (the audio heard so
 * far), without `coverage`.
 */
export function grammarConfidence(evidence: GrammarEvidence): number {
  const agreement = phoneAgreement(evidence.sentencePhones, evidence.loopPhones);
  const ratio = (evidence.grammarScore - evidence.loopScore) / Math.max(1, evidence.frames);
  // Multiplied, not weighted in: a sentence laid over half the speech explains half of it, whatever its phones.
  const confidence = (agreement + SCORE_WEIGHT * ratio) * (evidence.coverage ?? 1);
  return Math.round(Math.min(1, Math.max(0, confidence)) * 1000) / 1000;
}
