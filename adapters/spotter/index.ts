/**
 * The keyword spotter: wake phrases and stop phrases heard on the microphone as they are said, without a
 * transcript. One entry point for the rest of the code; every tuned value is in `tuning.ts`, and how the
 * spotter works and what it measures is in docs/activation.md (wake) and docs/actions.md (the emergency stop).
 *
 * - {@link createKeywordSpotter}: a pocketsphinx keyphrase search, shared by a process's sessions, each with
 *   a stream of its own; a second stage ({@link createPhraseVerifier}) checks a phrase against a phone loop,
 *   and a vowel check ({@link hasVoicedMs}) keeps steady noise from aligning as a phrase.
 *
 * @example
 * ```ts
 * import { createKeywordSpotter } from '../adapters/spotter/index.js';
 * const spotter = createKeywordSpotter({ phrases: [{ phrase: 'stop', threshold: 1e-10 }], sampleRateHz: 16000 });
 * const stream = spotter.createStream();
 * const spotted = stream.push(frame); // [] most of the time; [{ phrase: 'stop', … }] when said
 * ```
 */
export {
  createKeywordSpotter,
  keyphraseList,
  normalizePhrase,
  type KeywordSpotter,
  type KeywordSpotterOptions,
  type KeywordStream,
  type KeywordStreamOptions,
  type SpottedPhrase,
  type Spotting,
} from './spotter.js';
export {
  createPhraseVerifier,
  phraseConfidence,
  type PhraseVerifier,
  type PhraseVerifierOptions,
  type Verdict,
} from './phrase-verifier.js';
export { hasVoicedMs, trackVoicing, type VoicingTracker } from './voicing.js';
export { SPOTTER_TUNING, type Tuned } from './tuning.js';
