/**
 * Offline keyword spotting with pocketsphinx's keyphrase search (Debian `libpocketsphinx3` +
 * `pocketsphinx-en-us`), in-process through koffi: a wake phrase ("hey robot") and the stop phrases
 * ("stop", "emergency stop") are spotted in a continuous stream of microphone audio, with no utterance
 * boundaries and no grammar. Each phrase has its own threshold (a probability: the phrase's path against
 * a free phone loop over the same frames; smaller accepts more). A phrase with `minConfidence` is then
 * verified on its own audio (phrase-verifier.ts): the search proposes, permissively; the grammar-versus-
 * phone-loop confidence decides. A decoder per stream, pooled: creating one loads the acoustic model
 * (~150 ms); spotting costs a few % of one core per stream (docs/activation.md).
 *
 * @example
 * ```ts
 * const spotter = createKeywordSpotter({
 *   phrases: [
 *     { phrase: 'hey robot', threshold: 1e-20 },
 *     { phrase: 'stop', threshold: 1e-5 },
 *   ],
 * });
 * const stream = spotter.createStream();
 * stream.push(frame); // [] … then [{ phrase: 'hey robot', atAudioMs: 1840 }]
 * stream.close();
 * ```
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeywordStream, KeywordStreamOptions } from './stream-types.js';
import { bind, INSTALL_HINT, type Binding } from './binding.js';
import { openStream, type SpotterShared } from './stream.js';
import { createPhraseVerifier, type PhraseVerifier } from './phrase-verifier.js';
import { GRAMMAR_FRONT_END, POCKETSPHINX_MODEL_DIR, PocketsphinxError } from '../stt/pocketsphinx.js';
import { initDecoder, initDecoderOffThread } from '../stt/pocketsphinx-binding.js';
import { cmnAccess, type CmnAccess } from '../stt/cepstral-mean.js';
import { SPOTTER_TUNING, valuesOf } from './tuning.js';

export type { KeywordStream, KeywordStreamOptions, Spotting } from './stream-types.js';

export interface SpottedPhrase {
  /** A phrase to spot, lower case, words of the pronunciation dictionary ("hey robot"). */
  phrase: string;
  /**
   * How sure the search must be, as a probability: the phrase's acoustic path against a free phone loop
   * over the same frames. Smaller spots more (and more falsely); long phrases need smaller values.
   */
  threshold: number;
  /**
   * The phrase must stand this far above the 300 ms before it (dB; see {@link Spotting.leadDb}): said
   * after a pause, as one addresses a robot. Absent: anywhere, in running speech too.
   */
  minLeadDb?: number;
  /**
   * Verify each spotting on its audio (phrase-verifier.ts) and keep it only at this confidence (0..1) or
   * above. Absent: the search's threshold and the lead decide alone.
   */
  minConfidence?: number;
  /**
   * A lower threshold a stream applies while its `relaxed()` says so ({@link KeywordStreamOptions}): the
   * stop spotter for an utterance begun while the robot spoke, whose echo under it lowers every score.
   * The search runs at the lower of the two; the stream holds a spotting to the threshold of the moment.
   */
  relaxedThreshold?: number;
}

export interface KeywordSpotterOptions {
  phrases: readonly SpottedPhrase[];
  /** Acoustic model directory (default: Debian's en-us model). */
  hmmPath?: string;
  dictPath?: string;
  sampleRateHz?: number;
  /**
   * An MLLR transform of the acoustic model for the search and the second stage, such as the grammar
   * decoder's `examples/en-us-grammar.mllr` (`stt.mllrPath`), with the front end it was estimated on.
   */
  mllrPath?: string;
  /** More pocketsphinx arguments (`-kws_plp 1e-2`), for experiments. */
  searchArgs?: readonly string[];
  /**
   * How long after its end a spotting waits for a better alignment of the same phrase before it is judged
   * (ms; default 200). 0: judged at the first look that shows it, as the emergency stop needs.
   */
  settleMs?: number;
  /** Frames the search waits for a better score before it shows a spotting (`-kws_delay`; default 10). */
  delayFrames?: number;
  /**
   * Voiced audio (a vowel) a spotting's stretch must hold, in ms (absent: not checked): steady noise after
   * a silence can align as a phrase, and has none (voicing.ts).
   */
  minVoicedMs?: number;
  /** Library names, for unusual installs. */
  libraries?: { pocketsphinx: string; sphinxbase: string };
}

export interface KeywordSpotter {
  readonly name: string;
  readonly sampleRateHz: number;
  readonly phrases: readonly SpottedPhrase[];
  createStream(options?: KeywordStreamOptions): KeywordStream;
  /** Creates one decoder now (and checks the phrases), so the first session does not wait for it. */
  warmUp(): Promise<void>;
  /**
   * Has a decoder ready for each of `streams` streams, made off the event loop, and from then on keeps one
   * more ready than the streams take: a stream opened with none idle makes its own, holding the loop.
   */
  prepare?(streams: number): Promise<void>;
}

/** The threshold the search runs at: the lower of a phrase's two. */
const searchThreshold = (p: SpottedPhrase) => Math.min(p.threshold, p.relaxedThreshold ?? p.threshold);

/** The keyphrase file: one phrase a line with its threshold (`hey robot /1e-20/`). */
export function keyphraseList(phrases: readonly SpottedPhrase[]): string {
  return phrases.map((p) => `${normalizePhrase(p.phrase)} /${searchThreshold(p).toExponential()}/\n`).join('');
}

/** Search scores are log values shifted right by 10 bits (`SENSCR_SHIFT`). */
const SENSCR_SCALE = 1024;
const { DEFAULT_DELAY_FRAMES, DEFAULT_BEAM, BEAM_BELOW_THRESHOLD } = valuesOf(SPOTTER_TUNING.search);

/** Lower case, single spaces, no punctuation: how phrases are written to the search and compared. */
export function normalizePhrase(phrase: string): string {
  return phrase
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Words of the phrases missing from the dictionary. */
function missingWords(dictPath: string, phrases: readonly SpottedPhrase[]): string[] {
  const known = new Set(
    readFileSync(dictPath, 'utf8')
      .split('\n')
      .map((line) => line.split(/[\s(]/, 1)[0]),
  );
  return [...new Set(phrases.flatMap((p) => normalizePhrase(p.phrase).split(' ')))].filter((w) => !known.has(w));
}

/**
 * Why `-remove_silence no`: pocketsphinx's front end otherwise drops the frames its own voice detector
 * calls silence, so the search's frame numbers fall behind the stream's at every pause, and a phrase's
 * frames (its lead, its audio) were looked up seconds away from where it was said.
 */
const SEARCH_FRONT_END = ['-remove_silence', 'no'];
/** The transform with the grammar decoder's front end (its warp), which it was estimated on. */
const adapted = (mllrPath: string | undefined) => (mllrPath ? ['-mllr', mllrPath, ...GRAMMAR_FRONT_END] : []);

function checkPhrases(phrases: readonly SpottedPhrase[]): void {
  if (phrases.length === 0)
    throw new PocketsphinxError(
      'the keyword spotter needs at least one phrase (activation.wakePhrases or session.estop.phrases)',
    );
  for (const { phrase, threshold, minConfidence } of phrases) {
    if (!normalizePhrase(phrase)) throw new PocketsphinxError(`keyword spotter: the phrase "${phrase}" has no words`);
    if (!(threshold > 0 && threshold <= 1))
      throw new PocketsphinxError(
        `keyword spotter: the threshold of "${phrase}" must be a probability in (0, 1], such as 1e-20 (got ` +
          `${threshold})`,
      );
    if (minConfidence !== undefined && !(minConfidence >= 0 && minConfidence <= 1))
      throw new PocketsphinxError(
        `keyword spotter: the minimum confidence of "${phrase}" must be in [0, 1] (got ${minConfidence})`,
      );
  }
}

/** The search's arguments, after checking the model and the phrases' words. */
function searchArgv(options: KeywordSpotterOptions, sampleRateHz: number): string[] {
  const hmm = options.hmmPath ?? join(POCKETSPHINX_MODEL_DIR, 'en-us');
  const dict = options.dictPath ?? join(POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict');
  for (const [what, path] of [
    ['acoustic model (hmmPath)', hmm],
    ['dictionary (dictPath)', dict],
    ...(options.mllrPath ? [['MLLR transform (mllrPath)', options.mllrPath] as const] : []),
  ] as const) {
    if (!existsSync(path))
      throw new PocketsphinxError(
        `pocketsphinx ${what} not found at ${path}: ` +
          `${path === options.mllrPath ? 'check the path' : `${INSTALL_HINT}, or set the path`}`,
      );
  }
  // pocketsphinx skips a phrase with an unknown word and spots the rest: it would never wake, silently.
  const missing = missingWords(dict, options.phrases);
  if (missing.length > 0)
    throw new PocketsphinxError(
      `keyword spotter: the words ${missing.map((w) => `"${w}"`).join(', ')} are not in the dictionary ${dict}: ` +
        `choose other words (activation.wakePhrases, session.estop.phrases), or add them there`,
    );
  const listPath = join(mkdtempSync(join(tmpdir(), 'voice-agent-kws-')), 'phrases.kws');
  writeFileSync(listPath, keyphraseList(options.phrases));
  const beam = Math.min(DEFAULT_BEAM, Math.min(...options.phrases.map(searchThreshold)) * BEAM_BELOW_THRESHOLD);
  const rate = String(sampleRateHz);
  return [
    '-hmm',
    hmm,
    '-dict',
    dict,
    '-kws',
    listPath,
    '-beam',
    beam.toExponential(),
    '-samprate',
    rate,
    '-kws_delay',
    String(options.delayFrames ?? DEFAULT_DELAY_FRAMES),
    ...SEARCH_FRONT_END,
    ...adapted(options.mllrPath),
    ...(options.searchArgs ?? []),
  ];
}
export function createKeywordSpotter(options: KeywordSpotterOptions): KeywordSpotter {
  checkPhrases(options.phrases);
  const lib = bind(options.libraries ?? { pocketsphinx: 'libpocketsphinx.so.3', sphinxbase: 'libsphinxbase.so.3' });
  const sampleRateHz = options.sampleRateHz ?? 16_000;
  const argv = searchArgv(options, sampleRateHz);
  const idle: unknown[] = [];
  /** Each search decoder's cepstral mean, to start the next stream from the model's prior. */
  const means = new Map<unknown, CmnAccess | undefined>();
  /** Verifiers back from closed streams. */
  const idleVerifiers: PhraseVerifier[] = [];
  const byPhrase = <K extends 'minLeadDb' | 'minConfidence'>(key: K) =>
    new Map(
      options.phrases.flatMap((p) => (p[key] !== undefined ? [[normalizePhrase(p.phrase), p[key]!] as const] : [])),
    );
  const minConfidence = byPhrase('minConfidence');
  const ready = readyDecoders(lib, argv, idle, means);
  let perUnit: number | undefined;
  const shared: SpotterShared = {
    lib,
    sampleRateHz,
    settleMs: options.settleMs,
    minVoicedMs: options.minVoicedMs,
    delayFrames: options.delayFrames ?? DEFAULT_DELAY_FRAMES,
    decoder() {
      const reused = idle.pop();
      ready.refill();
      if (reused) {
        // What the last stream's audio left in it (the noise estimate, the cepstral mean) is not this stream's.
        lib.startStream(reused);
        const mean = means.get(reused);
        mean?.set(mean.initial);
        return reused;
      }
      return ready.madeHere();
    },
    release: (ps) => idle.push(ps),
    takeVerifier() {
      if (minConfidence.size === 0) return undefined;
      const reused = idleVerifiers.pop();
      reused?.reset();
      return (
        reused ??
        createPhraseVerifier({
          phrases: [...minConfidence.keys()],
          sampleRateHz,
          ...(options.hmmPath ? { hmmPath: options.hmmPath } : {}),
          ...(options.dictPath ? { dictPath: options.dictPath } : {}),
          ...(options.libraries ? { libraries: options.libraries } : {}),
          ...(options.mllrPath ? { mllrPath: options.mllrPath } : {}),
        })
      );
    },
    releaseVerifier: (verifier) => idleVerifiers.push(verifier),
    minLead: byPhrase('minLeadDb'),
    minConfidence,
    floors: new Map(
      options.phrases.flatMap((p) =>
        p.relaxedThreshold === undefined
          ? []
          : [
              [
                normalizePhrase(p.phrase),
                { strict: Math.log10(p.threshold), relaxed: Math.log10(p.relaxedThreshold) },
              ] as const,
            ],
      ),
    ),
    log10PerUnit: (ps) => (perUnit ??= SENSCR_SCALE * Math.log10(lib.logBase(lib.getLogmath(ps)))),
  };
  return {
    name: 'pocketsphinx(kws)',
    sampleRateHz,
    phrases: options.phrases,
    async warmUp() {
      if (idle.length === 0) await ready.make(1, false);
      const verifier = shared.takeVerifier();
      if (!verifier) return;
      verifier.warmUp();
      shared.releaseVerifier(verifier);
    },
    prepare: (streams) => ready.make(streams, true),
    createStream: ({ report = true, relaxed } = {}) => openStream(shared, report, relaxed),
  };
}

/**
 * The spotter's idle search decoders, made off the event loop (`initOffThread`) where there is time: a
 * search decoder loads the acoustic model (~150 ms on the loop, ~27 MB), and each session starting took
 * every session's loop that long.
 */
function readyDecoders(
  lib: Binding,
  argv: readonly string[],
  idle: unknown[],
  means: Map<unknown, CmnAccess | undefined>,
) {
  const state = { making: 0, reserve: 0 };
  const what = "the keyword spotter's configuration";
  const made = (ps: unknown) => {
    means.set(ps, cmnAccess(lib, ps));
    return ps;
  };
  const makeOne = async () => {
    state.making += 1;
    try {
      idle.push(made(await initDecoderOffThread(lib, argv, what)));
    } finally {
      state.making -= 1;
    }
  };
  return {
    /** Until `count` are idle or being made; with `reserve`, from then on one more is kept ready. */
    async make(count: number, reserve: boolean) {
      if (reserve) state.reserve = 1;
      const wanted = Math.max(0, count - idle.length - state.making);
      await Promise.all(Array.from({ length: wanted }, makeOne));
    },
    /** After a decoder was taken: another on its way, when none is idle or coming and `make` asked for a reserve. */
    refill() {
      if (idle.length + state.making < state.reserve) void makeOne().catch(() => undefined);
    },
    /** A decoder made now, on the event loop: none was idle. */
    madeHere: () => made(initDecoder(lib, argv, what)),
  };
}
