/**
 * One utterance through a pooled pocketsphinx decoder set (pocketsphinx-decoders.ts): its audio decoded
 * as it comes, a partial hypothesis every `partialEveryMs` of audio (with its confidence against the phone
 * loop, when the set has one), and the final with what the engine knows about it.
 *
 * @example
 * ```ts
 * const context = { lib, setup, pool, scorer };
 * const stream = openUtterance(context, { sampleRateHz: 16_000, onPartial, signal, channel: 's1' });
 * stream.push(frame);
 * const { text, confidence } = await stream.finish();
 * ```
 */
import { copyToSamples } from '../audio/pcm.js';
import { FILLER } from './filler-words.js';
import { grammarConfidence, type GrammarEvidence } from './grammar-confidence.js';
import { createNoiseFloor } from './noise-floor.js';
import { PocketsphinxError, type Binding } from './pocketsphinx-binding.js';
import type { DecoderPool, DecoderSet } from './pocketsphinx-decoders.js';
import type { EvidenceListener } from './pocketsphinx-options.js';
import type { PocketsphinxSetup } from './pocketsphinx-setup.js';

export type { EvidenceListener } from './pocketsphinx-options.js';
import { finalWordsAgainstSpeech, speechAfterWords } from './speech-after-words.js';
import type { SttResult, SttStream, SttStreamOptions } from './types.js';

/** Why 0.05: a quarter of the default `stt.minConfidence`; smaller moves would republish the same words every check. */
const PARTIAL_CONFIDENCE_STEP = 0.05;

/** How an engine reads hypotheses and judges them against its phone loop. */
export interface Scorer {
  hypothesis(ps: unknown): string;
  /**
   * The grammar's sentence against the phone loop's phones on the same audio (see grammar-confidence.ts);
   * a final's with its words' `coverage` of the loop's speech, a partial's without.
   */
  confidence(grammar: unknown, loop: unknown, text: string, coverage?: number): number;
}

export function createScorer(lib: Binding, onEvidence?: EvidenceListener): Scorer {
  const hypothesis = (ps: unknown) => (lib.getHyp(ps, [0]) ?? '').trim();
  // A grammar's words are few: each pronunciation is looked up once (the lookup's string is not freed).
  const pronunciations = new Map<string, string[]>();
  const pronounce = (ps: unknown, word: string) => {
    const known = pronunciations.get(word);
    if (known) return known;
    const phones = (lib.lookupWord(ps, word) ?? '').split(/\s+/).filter(Boolean);
    pronunciations.set(word, phones);
    return phones;
  };
  return {
    hypothesis,
    confidence(grammar, loop, text, coverage) {
      const [grammarScore, loopScore] = [[0], [0]];
      lib.getHyp(grammar, grammarScore);
      const loopPhones = (lib.getHyp(loop, loopScore) ?? '').split(/\s+/).filter((p) => p && !FILLER.test(p));
      const evidence: GrammarEvidence = {
        sentencePhones: text.split(/\s+/).flatMap((word) => pronounce(grammar, word)),
        loopPhones,
        grammarScore: grammarScore[0]!,
        loopScore: loopScore[0]!,
        frames: lib.nFrames(grammar),
        ...(coverage === undefined ? {} : { coverage }),
      };
      const value = grammarConfidence(evidence);
      onEvidence?.(text, evidence, value, coverage !== undefined);
      return value;
    },
  };
}

export interface UtteranceContext {
  lib: Binding;
  setup: PocketsphinxSetup;
  pool: DecoderPool;
  scorer: Scorer;
}

/** What a stream reports its partials with, between checks. */
interface PartialState {
  sinceCheckMs: number;
  lastPartial: string;
  lastConfidence: number;
  reportedLastCheck: boolean;
}

/** An utterance on `set`, or on a set the pool has (or makes) for it. */
export function openUtterance(context: UtteranceContext, options: SttStreamOptions, set?: DecoderSet): SttStream {
  const { lib, setup, pool, scorer } = context;
  const { sampleRateHz: rate, onPartial, signal, channel, ifIdle } = options;
  if (rate !== setup.sampleRateHz) {
    throw new PocketsphinxError(
      `pocketsphinx is set up for ${setup.sampleRateHz} Hz audio, got ${rate} Hz: resample at the input`,
    );
  }
  const d = set ?? pool.take(channel, ifIdle);
  const all = d.loop ? [d.ps, d.loop] : [d.ps];
  for (const ps of all) lib.startUtt(ps);
  const floor = setup.noiseFloorDbfs === null ? undefined : createNoiseFloor(setup.noiseFloorDbfs);
  const state: PartialState & { done: boolean } = {
    sinceCheckMs: 0,
    lastPartial: '',
    lastConfidence: 0,
    reportedLastCheck: false,
    done: false,
  };
  /** With a transform: the utterance's audio, for a second decode without it. */
  const heard: Int16Array[] | undefined = d.plain ? [] : undefined;
  const release = (endUtterance: boolean) => {
    if (state.done) return;
    state.done = true;
    signal.removeEventListener('abort', aborted);
    if (endUtterance) for (const ps of all) lib.endUtt(ps);
    pool.give(d, channel);
  };
  const aborted = () => release(true);
  signal.addEventListener('abort', aborted, { once: true });
  const reportPartial = () => {
    state.sinceCheckMs = 0;
    reportPartialOf(context, d, state, onPartial);
  };
  return {
    push(audio) {
      if (state.done) return;
      const samples = floor ? floor.add(copyToSamples(audio)) : copyToSamples(audio);
      for (const ps of all) lib.processRaw(ps, samples, samples.length, 0, 0);
      heard?.push(samples);
      state.sinceCheckMs += (samples.length / rate) * 1000;
      if (state.sinceCheckMs >= setup.partialEveryMs) reportPartial();
    },
    flushPartial() {
      if (!state.done) reportPartial();
    },
    async finish(): Promise<SttResult> {
      if (state.done) return { text: '' };
      for (const ps of all) lib.endUtt(ps);
      const result = finalOf(lib, scorer, d, heard);
      release(false);
      return result;
    },
  };
}

/**
 * The hypothesis so far, if there is one to tell: changed words, then once more at the next check (the
 * stop gate takes a stop phrase that held for two reports), and the same words whenever the audio since
 * made them clearly more or less likely.
 */
function reportPartialOf(
  { lib, scorer }: UtteranceContext,
  d: DecoderSet,
  state: PartialState,
  onPartial: SttStreamOptions['onPartial'],
): void {
  const partial = scorer.hypothesis(d.ps);
  if (!partial) return;
  if (!d.loop) {
    if (partial !== state.lastPartial) onPartial((state.lastPartial = partial));
    return;
  }
  const sure = scorer.confidence(d.ps, d.loop, partial);
  const changed = partial !== state.lastPartial || Math.abs(sure - state.lastConfidence) >= PARTIAL_CONFIDENCE_STEP;
  const confirming = state.reportedLastCheck;
  state.reportedLastCheck = changed;
  if (!changed && !confirming) return;
  [state.lastPartial, state.lastConfidence] = [partial, sure];
  onPartial(partial, sure, { speechAfterMs: speechAfterWords(lib, d.ps, d.loop) });
}

/**
 * The utterance's final, once its decoders have ended it; again without the transform when the adapted search reached
 * no sentence.
 */
function finalOf(lib: Binding, scorer: Scorer, d: DecoderSet, heard: Int16Array[] | undefined): SttResult {
  let grammar = d.ps;
  let text = scorer.hypothesis(grammar);
  if (!text && d.plain && heard) {
    grammar = d.plain;
    text = decodeAgain(lib, scorer, grammar, heard);
  }
  if (!text || !d.loop) return { text };
  const { coverage, ...words } = finalWordsAgainstSpeech(lib, grammar, d.loop);
  return { text, confidence: scorer.confidence(grammar, d.loop, text, coverage), ...words };
}

/**
 * The utterance again through the grammar decoder without the transform. Why: pocketsphinx's grammar
 * search can end without reaching a sentence, and the transform moves which utterances that happens to
 * (one of the echo closed loop's twenty commands, which the plain model hears); a second decode of the
 * few such utterances gives them the plain model's answer, and the phone loop still judges it.
 */
function decodeAgain(lib: Binding, scorer: Scorer, plain: unknown, audio: Int16Array[]): string {
  lib.startUtt(plain);
  for (const samples of audio) lib.processRaw(plain, samples, samples.length, 0, 0);
  lib.endUtt(plain);
  return scorer.hypothesis(plain);
}
