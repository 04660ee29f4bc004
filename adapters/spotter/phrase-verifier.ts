/**
 * The keyword spotter's second stage: a phrase the keyphrase search proposed is checked on its own audio
 * the way a grammar command is (grammar-confidence.ts). A grammar decoder whose one sentence is the phrase
 * and a free phone loop decode the same stretch; the confidence is the phrase's phones against the loop's
 * and the per-frame score of the phrase's path against the loop's (weighed for one phrase, below), and
 * none at all when one word was not said (too short, or scored far below the loop over its own frames);
 * the verdict also says where the grammar aligned the phrase's words (the spotter measures the lead there).
 * The search compares the phrase with its own cruder phone loop as it streams; this looks again at the
 * whole stretch, from the pause before it, with the grammar decoder's tuning (pocketsphinx.ts), which is
 * what lets the search run at a low, permissive threshold (docs/activation.md). Decoders are made on
 * first use. A verifier serves one spotter stream at a time (one session's microphone): pocketsphinx's front
 * end carries its noise estimate from one decode to the next, so a verifier shared by two sessions let what
 * one said move the other's verdicts; `reset` starts it afresh for the next stream.
 *
 * @example
 * ```ts
 * const verifier = createPhraseVerifier({ phrases: ['hey robot'], mllrPath: 'examples/en-us-grammar.mllr' });
 * verifier.verify('hey robot', samples).confidence; // 0..1; 0 where the grammar reaches no end or a word was not said
 * ```
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { phoneAgreement, type GrammarEvidence } from '../stt/grammar-confidence.js';
import { FILLER } from '../stt/filler-words.js';
import { bind, type Binding } from './binding.js';
import { GRAMMAR_FRONT_END, GRAMMAR_TUNING, POCKETSPHINX_MODEL_DIR, PocketsphinxError } from '../stt/pocketsphinx.js';
import { SPOTTER_TUNING, valuesOf } from './tuning.js';

export interface PhraseVerifierOptions {
  /** The phrases that may be checked (normalized: lower case, single spaces). */
  phrases: readonly string[];
  hmmPath?: string;
  dictPath?: string;
  phoneLmPath?: string;
  /**
   * An MLLR transform for both decoders (pocketsphinx.ts's `mllrPath`). Why both here, where the grammar
   * confidence of commands adapts only the grammar decoder: with the phone loop adapted too, eSpeak's
   * voices' phones agreed with "hey robot", and the quick wake bench kept a third more wake phrases at
   * no false wake.
   */
  mllrPath?: string;
  sampleRateHz?: number;
  libraries?: { pocketsphinx: string; sphinxbase: string };
}

export interface Verdict {
  /** 0..1: how well the phrase explains the audio against the free phone loop. */
  confidence: number;
  evidence: GrammarEvidence;
  /**
   * The phrase's first and last 10 ms frame within the samples, as the grammar decoder aligned its words
   * (absent: it reached no end). Where the phrase began, for its lead: the search often aligns "hey robot"
   * to "robot" alone.
   */
  words?: {
    sf: number;
    ef: number;
    /** The fewest frames a phone any word took. */
    framesPerPhone: number;
    /** The lowest per-frame acoustic score of a word against the phone loop's over the word's frames. */
    worstRatio: number;
  };
}

export interface PhraseVerifier {
  /** The phrase against a stretch of s16 audio at the verifier's rate (the phrase and a little around it). */
  verify(phrase: string, samples: Int16Array): Verdict;
  /** Makes the decoders now, so the first check does not wait ~150 ms per decoder. */
  warmUp(): void;
  /** Forgets what earlier checks left in the decoders (the front end's noise estimate), for a new stream. */
  reset(): void;
}

/**
 * The phone loop as pocketsphinx.ts configures it for the grammar confidence (context-independent phones,
 * language weight 4, the grammar decoder's warp), so a threshold means here what it means there. Why no
 * silence removal in either decoder: the stretch is short, and both must score the same frames.
 */
const LOOP_ARGS = ['-allphone_ci', 'yes', '-lw', '4', ...GRAMMAR_FRONT_END];
const NO_SILENCE_REMOVAL = ['-remove_silence', 'no'];

const { MIN_FRAMES_PER_PHONE, MIN_WORD_RATIO, PHRASE_SCORE_WEIGHT } = valuesOf(SPOTTER_TUNING.verifier);

/** The phrase's confidence (0..1): phone agreement + {@link PHRASE_SCORE_WEIGHT} × the per-frame score ratio. */
export function phraseConfidence(evidence: GrammarEvidence): number {
  const agreement = phoneAgreement(evidence.sentencePhones, evidence.loopPhones);
  const ratio = (evidence.grammarScore - evidence.loopScore) / Math.max(1, evidence.frames);
  return Math.round(Math.min(1, Math.max(0, agreement + PHRASE_SCORE_WEIGHT * ratio)) * 1000) / 1000;
}

interface Segment {
  word: string;
  sf: number;
  ef: number;
  /** The segment's acoustic score (pocketsphinx log units). */
  acoustic: number;
}

/**
 * The phone loop's acoustic score over frames [sf, ef]: its segments there, each in proportion to its frames inside.
 */
function acousticOver(loop: readonly Segment[], sf: number, ef: number): number {
  let total = 0;
  for (const seg of loop) {
    const inside = Math.min(ef, seg.ef) - Math.max(sf, seg.sf) + 1;
    if (inside > 0) total += (seg.acoustic * inside) / (seg.ef - seg.sf + 1);
  }
  return total;
}

/**
 * The last decode's segments (words or phones) with their acoustic scores; ps_seg_next frees the iterator at the end.
 */
function segmentsOf(lib: Binding, ps: unknown): Segment[] {
  const segments: Segment[] = [];
  for (let seg = lib.segIter(ps, [0]); seg; seg = lib.segNext(seg)) {
    const [sf, ef, acoustic] = [[0], [0], [0]];
    lib.segFrames(seg, sf, ef);
    lib.segProb(seg, acoustic, [0], [0]);
    segments.push({ word: lib.segWord(seg) ?? '', sf: sf[0]!, ef: ef[0]!, acoustic: acoustic[0]! });
  }
  return segments;
}

/**
 * The frames of the words (not silence or filler) of the grammar's decode, the fewest frames per phone
 * any word took, and the lowest per-frame acoustic score of a word against the loop's over its frames.
 */
function wordsOf(lib: Binding, ps: unknown, segments: readonly Segment[], loop: readonly Segment[]): Verdict['words'] {
  let words: Verdict['words'];
  for (const { word, sf, ef, acoustic } of segments) {
    if (FILLER.test(word)) continue;
    const phones = Math.max(1, (lib.lookupWord(ps, word) ?? '').split(/\s+/).filter(Boolean).length);
    const frames = ef - sf + 1;
    const ratio = (acoustic - acousticOver(loop, sf, ef)) / frames;
    words = {
      sf: words?.sf ?? sf,
      ef,
      framesPerPhone: Math.min(words?.framesPerPhone ?? Infinity, frames / phones),
      worstRatio: Math.min(words?.worstRatio ?? Infinity, ratio),
    };
  }
  return words;
}

export function createPhraseVerifier(options: PhraseVerifierOptions): PhraseVerifier {
  const lib = bind(options.libraries ?? { pocketsphinx: 'libpocketsphinx.so.3', sphinxbase: 'libsphinxbase.so.3' });
  const hmm = options.hmmPath ?? join(POCKETSPHINX_MODEL_DIR, 'en-us');
  const dict = options.dictPath ?? join(POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict');
  const phoneLm = options.phoneLmPath ?? join(POCKETSPHINX_MODEL_DIR, 'en-us-phone.lm.bin');
  const common = [
    '-hmm',
    hmm,
    '-dict',
    dict,
    '-samprate',
    String(options.sampleRateHz ?? 16_000),
    ...NO_SILENCE_REMOVAL,
  ];
  const mllr = options.mllrPath ? ['-mllr', options.mllrPath] : [];
  const dir = mkdtempSync(join(tmpdir(), 'voice-agent-verify-'));
  const init = (args: string[]) => {
    const config = lib.parse(null, lib.psArgs(), args.length, args, 1);
    const ps = config ? lib.init(config) : null;
    if (!ps)
      throw new PocketsphinxError(
        `pocketsphinx rejected the phrase verifier's configuration (${args.join(' ')}): check the model paths`,
      );
    return ps;
  };
  let loop: unknown;
  const grammars = new Map<string, { ps: unknown; phones: string[] }>();
  const grammarOf = (phrase: string) => {
    let made = grammars.get(phrase);
    if (made) return made;
    const index = options.phrases.indexOf(phrase);
    if (index < 0)
      throw new PocketsphinxError(
        `phrase verifier: "${phrase}" is not one of its phrases (${options.phrases.join(', ')})`,
      );
    const path = join(dir, `phrase${index}.jsgf`);
    writeFileSync(path, `#JSGF V1.0;\ngrammar phrase;\npublic <phrase> = ${phrase};\n`);
    const ps = init([...common, '-jsgf', path, ...GRAMMAR_TUNING, ...GRAMMAR_FRONT_END, ...mllr]);
    const phones = phrase.split(' ').flatMap((word) => (lib.lookupWord(ps, word) ?? '').split(/\s+/).filter(Boolean));
    grammars.set(phrase, (made = { ps, phones }));
    return made;
  };
  const decode = (ps: unknown, samples: Int16Array) => {
    lib.startUtt(ps);
    lib.processRaw(ps, samples, samples.length, 0, 1);
    lib.endUtt(ps);
    const score = [0];
    const hyp = (lib.getHyp(ps, score) ?? '').trim();
    return { hyp, score: score[0]!, frames: lib.nFrames(ps), segments: hyp ? segmentsOf(lib, ps) : [] };
  };
  const warmUp = () => {
    loop ??= init([...common, '-allphone', phoneLm, ...LOOP_ARGS, ...mllr]);
    for (const phrase of options.phrases) grammarOf(phrase);
  };
  return {
    warmUp,
    reset() {
      for (const ps of [loop, ...[...grammars.values()].map((g) => g.ps)]) if (ps !== undefined) lib.startStream(ps);
    },
    verify(phrase, samples) {
      warmUp();
      const grammar = grammarOf(phrase);
      const heard = decode(grammar.ps, samples);
      const loopHeard = decode(loop, samples);
      const words = heard.hyp ? wordsOf(lib, grammar.ps, heard.segments, loopHeard.segments) : undefined;
      const evidence: GrammarEvidence = {
        sentencePhones: grammar.phones,
        loopPhones: loopHeard.hyp.split(/\s+/).filter((p) => p && !FILLER.test(p)),
        grammarScore: heard.score,
        loopScore: loopHeard.score,
        frames: heard.frames,
      };
      // The grammar search may reach no end on audio nothing like the phrase (no sentence), pass through
      // a word at its floor ("go backward" as "hey robot" with a 60 ms "hey"), or force a word onto what
      // the loop hears as other phones ("are you a" as "hey"): no confidence.
      const said =
        words !== undefined && words.framesPerPhone >= MIN_FRAMES_PER_PHONE && words.worstRatio >= MIN_WORD_RATIO;
      return { confidence: said ? phraseConfidence(evidence) : 0, evidence, ...(words ? { words } : {}) };
    },
  };
}
