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
 * grammarConfidence({ sentencePhones: ['S', 'T', 'AA', 'P'], loopPhones: ['S', 'T', 'AA', 'P'], grammarScore: -2000, loopScore: -2100, frames: 80 });
 * // → 1 (clamped: every phone agrees and the grammar scores above the loop)
 * ```
 */

/**
 * Why 0.01: the ratio spans about −30 … +15 per frame while agreement spans 0 … 0.8, so 0.01 lets the
 * ratio move a borderline agreement by ±0.1–0.3; it was the best of 0.005–0.02 on the grammar bench
 * (95.9 % of commands kept at ≤ 5 % of other phrases accepted). Measurements: docs/out-of-grammar.md.
 */
export const SCORE_WEIGHT = 0.01;

/**
 * Why 0.03 on a partial hypothesis: mid-utterance the phone loop has not yet committed to the last phones
 * the grammar's words already cover ("S T AA" for "stop"), so the phone agreement says less and the
 * score ratio more. On the out-of-grammar corpus, an e-stop gate of 0.1 on partials judged with 0.03
 * kept all 24 stop phrases at 0.3–0.6 % false stops; with 0.01, 23 of 24 at 1.4–2 % (docs/actions.md).
 */
export const PARTIAL_SCORE_WEIGHT = 0.03;

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
    for (let j = 1; j <= b.length; j++) current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = current;
  }
  return 1 - previous[b.length]! / longer;
}

/**
 * The confidence (0..1) that the grammar's sentence is what was said; `partial`: on the audio heard so
 * far, mid-utterance ({@link PARTIAL_SCORE_WEIGHT}).
 */
export function grammarConfidence(evidence: GrammarEvidence, partial = false): number {
  const agreement = phoneAgreement(evidence.sentencePhones, evidence.loopPhones);
  const ratio = (evidence.grammarScore - evidence.loopScore) / Math.max(1, evidence.frames);
  // Multiplied, not weighted in: a sentence laid over half the speech explains half of it, whatever its phones.
  const confidence = (agreement + (partial ? PARTIAL_SCORE_WEIGHT : SCORE_WEIGHT) * ratio) * (evidence.coverage ?? 1);
  return Math.round(Math.min(1, Math.max(0, confidence)) * 1000) / 1000;
}
