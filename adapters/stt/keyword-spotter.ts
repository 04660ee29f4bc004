/**
 * Offline keyword spotting with pocketsphinx's keyphrase search (Debian `libpocketsphinx3` +
 * `pocketsphinx-en-us`), in-process through koffi: a wake phrase ("hey robot") and the stop phrases
 * ("stop", "emergency stop") are spotted in a continuous stream of microphone audio, with no utterance
 * boundaries and no grammar. Each phrase has its own threshold (a probability: the phrase's path against
 * a free phone loop over the same frames; smaller accepts more). A decoder per stream, pooled: creating
 * one loads the acoustic model (~150 ms); spotting costs a few % of one core per stream
 * (docs/activation.md).
 *
 * @example
 * ```ts
 * const spotter = createKeywordSpotter({ phrases: [{ phrase: 'hey robot', threshold: 1e-20 }, { phrase: 'stop', threshold: 1e-5 }] });
 * const stream = spotter.createStream();
 * stream.push(frame); // [] … then [{ phrase: 'hey robot', atAudioMs: 1840 }]
 * stream.close();
 * ```
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bind, INSTALL_HINT } from './keyword-spotter-binding.js';
import { POCKETSPHINX_MODEL_DIR, PocketsphinxError } from './pocketsphinx.js';

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
}

export interface KeywordSpotterOptions {
  phrases: readonly SpottedPhrase[];
  /** Acoustic model directory (default: Debian's en-us model). */
  hmmPath?: string;
  dictPath?: string;
  sampleRateHz?: number;
  /** More pocketsphinx arguments (`-kws_plp 1e-2`), for experiments. */
  searchArgs?: readonly string[];
  /** Library names, for unusual installs. */
  libraries?: { pocketsphinx: string; sphinxbase: string };
}

export interface Spotting {
  phrase: string;
  /**
   * How far the phrase's path beat the free phone loop, as a power of ten (−12.5: the phrase was 10^−12.5
   * as likely as the best phone sequence): it passed its threshold, and would pass any threshold up to
   * 10^log10Margin.
   */
  log10Margin: number;
  /** How long the phrase took, as the search aligned it (ms). */
  durationMs: number;
  /**
   * How much louder the phrase was than the 300 ms before it (dB): a phrase said after a pause (as one
   * addresses a robot) stands well above what preceded it; one found inside running speech does not.
   */
  leadDb: number;
  /** Where in the stream's audio the phrase ended (ms). */
  endMs: number;
  /** Audio pushed into the stream, up to the frame that spotted the phrase (ms). */
  atAudioMs: number;
}

export interface KeywordStreamOptions {
  /**
   * Report each spotting as soon as it is made, and search afresh after it (default true). False: push
   * reports nothing; overlapping spottings of a phrase merge into the best one, and {@link KeywordStream.drain}
   * returns them — how the benchmark finds each occurrence's margin once, for every threshold below it.
   */
  report?: boolean;
}

/** One continuous stream of audio (a session's microphone). */
export interface KeywordStream {
  /** s16le mono audio at the spotter's rate, any length; the phrases spotted in it (most often none). */
  push(audio: Uint8Array): Spotting[];
  /** The spottings not reported yet (with `report: false`, all of them), and a fresh search. */
  drain(): Spotting[];
  /** Back to the pool; the stream spots nothing more. */
  close(): void;
}

export interface KeywordSpotter {
  readonly name: string;
  readonly sampleRateHz: number;
  readonly phrases: readonly SpottedPhrase[];
  createStream(options?: KeywordStreamOptions): KeywordStream;
  /** Creates one decoder now (and checks the phrases), so the first session does not wait for it. */
  warmUp(): Promise<void>;
}

/**
 * Why a fresh search every 30 s of audio (at the first quiet frame after it): the keyphrase search keeps
 * every spotting of its utterance and pocketsphinx's frame counters grow with it; an hour-long utterance
 * is not what it was written for. A restart costs nothing audible (the cepstral mean carries over).
 */
const RESTART_AFTER_MS = 30_000;
/** Why −45 dBFS: below any speech at a microphone, so a restart never cuts a phrase being said. */
const QUIET_DBFS = -45;
/** Why 120 s: in steady loud noise no frame is quiet; restart anyway, rarely. */
const FORCE_RESTART_MS = 120_000;

/** The keyphrase file: one phrase a line with its threshold (`hey robot /1e-20/`). */
export function keyphraseList(phrases: readonly SpottedPhrase[]): string {
  return phrases.map(({ phrase, threshold }) => `${normalizePhrase(phrase)} /${threshold.toExponential()}/\n`).join('');
}

/** Why 200 ms: the search's own report delay (100 ms) and as long again for a better alignment of the same phrase. */
const SETTLE_MS = 200;
/** Why 1 s: in running speech new spottings keep coming; the older ones are judged by then. */
const MAX_SETTLE_MS = 1000;
/** The search reports a spotting this many frames after its end (`-kws_delay`'s default), plus our 20 ms pushes' half. */
const KWS_DELAY_FRAMES = 11;
/** pocketsphinx's default beam. */
const DEFAULT_BEAM = 1e-48;
/**
 * Why a beam 10^10 wider than the smallest threshold: the search prunes a phrase's path once it falls a
 * beam behind the best path (the phone loop, most of the time), so with pocketsphinx's default beam
 * (1e-48) no threshold below about 1e-48 could ever be met, and long phrases said by voices the model
 * fits less well (eSpeak's) were never spotted at all.
 */
const BEAM_BELOW_THRESHOLD = 1e-10;
/** pocketsphinx reports a spotting's margin less this constant (`KWS_MAX` in kws_search.c). */
const KWS_MAX = 1500;
/** pocketsphinx's feature frames (`-frate 100`). */
const FRAME_MS = 10;
/** Search scores are log values shifted right by 10 bits (`SENSCR_SHIFT`). */
const SENSCR_SCALE = 1024;

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

export function createKeywordSpotter(options: KeywordSpotterOptions): KeywordSpotter {
  if (options.phrases.length === 0)
    throw new PocketsphinxError('the keyword spotter needs at least one phrase (activation.wakePhrases or session.estop.phrases)');
  for (const { phrase, threshold } of options.phrases) {
    if (!normalizePhrase(phrase)) throw new PocketsphinxError(`keyword spotter: the phrase "${phrase}" has no words`);
    if (!(threshold > 0 && threshold <= 1))
      throw new PocketsphinxError(`keyword spotter: the threshold of "${phrase}" must be a probability in (0, 1], such as 1e-20 (got ${threshold})`);
  }
  const lib = bind(options.libraries ?? { pocketsphinx: 'libpocketsphinx.so.3', sphinxbase: 'libsphinxbase.so.3' });
  const hmm = options.hmmPath ?? join(POCKETSPHINX_MODEL_DIR, 'en-us');
  const dict = options.dictPath ?? join(POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict');
  for (const [what, path] of [
    ['acoustic model (hmmPath)', hmm],
    ['dictionary (dictPath)', dict],
  ] as const) {
    if (!existsSync(path)) throw new PocketsphinxError(`pocketsphinx ${what} not found at ${path}: ${INSTALL_HINT}, or set the path`);
  }
  // pocketsphinx skips a phrase with an unknown word and spots the rest: it would never wake, silently.
  const missing = missingWords(dict, options.phrases);
  if (missing.length > 0)
    throw new PocketsphinxError(
      `keyword spotter: the words ${missing.map((w) => `"${w}"`).join(', ')} are not in the dictionary ${dict}: choose other words (activation.wakePhrases, session.estop.phrases), or add them there`,
    );
  const sampleRateHz = options.sampleRateHz ?? 16_000;
  const listPath = join(mkdtempSync(join(tmpdir(), 'voice-agent-kws-')), 'phrases.kws');
  writeFileSync(listPath, keyphraseList(options.phrases));
  const beam = Math.min(DEFAULT_BEAM, Math.min(...options.phrases.map((p) => p.threshold)) * BEAM_BELOW_THRESHOLD);
  const argv = [
    '-hmm',
    hmm,
    '-dict',
    dict,
    '-kws',
    listPath,
    '-beam',
    beam.toExponential(),
    '-samprate',
    String(sampleRateHz),
    '-logfn',
    '/dev/null',
    ...(options.searchArgs ?? []),
  ];
  const idle: unknown[] = [];

  const decoder = (): unknown => {
    const reused = idle.pop();
    if (reused) return reused;
    const config = lib.parse(null, lib.psArgs(), argv.length, argv, 1);
    const ps = config ? lib.init(config) : null;
    if (ps) return ps;
    throw new PocketsphinxError(`pocketsphinx rejected the keyword spotter's configuration (${argv.join(' ')}): check the model paths`);
  };
  const quietLevel = 32_768 * 10 ** (QUIET_DBFS / 20);
  const minLead = new Map(options.phrases.flatMap((p) => (p.minLeadDb !== undefined ? [[normalizePhrase(p.phrase), p.minLeadDb] as const] : [])));
  let log10PerUnit: number | undefined;
  /** The spottings the search reports now, each with its margin as a power of ten. */
  const spottings = (ps: unknown, atAudioMs: number, levels: UtteranceLevels, offset: number): Spotting[] => {
    log10PerUnit ??= SENSCR_SCALE * Math.log10(lib.logBase(lib.getLogmath(ps)));
    const found: Spotting[] = [];
    // ps_seg_next frees the iterator after the last segment.
    for (let seg = lib.segIter(ps, [0]); seg; seg = lib.segNext(seg)) {
      const phrase = (lib.segWord(seg) ?? '').trim();
      const margin = lib.segProb(seg, [0], [0], [0]) + KWS_MAX;
      const [sf, ef] = [[0], [0]];
      lib.segFrames(seg, sf, ef);
      found.push({
        phrase,
        log10Margin: Math.round(margin * log10PerUnit * 10) / 10,
        durationMs: (ef[0]! - sf[0]!) * FRAME_MS,
        leadDb: levels.lead(sf[0]! + offset, ef[0]! + offset),
        endMs: (ef[0]! + offset) * FRAME_MS,
        atAudioMs,
      });
    }
    return found;
  };

  return {
    name: 'pocketsphinx(kws)',
    sampleRateHz,
    phrases: options.phrases,
    async warmUp() {
      idle.push(decoder());
    },
    createStream({ report = true } = {}) {
      const ps = decoder();
      lib.startUtt(ps);
      let closed = false;
      let audioMs = 0;
      let uttMs = 0;
      const levels = utteranceLevels(sampleRateHz);
      /**
       * The search's frame numbers are not the stream's (they go on across utterances and streams, and
       * not always one per 10 ms of audio): the first spotting of an utterance, seen the moment the search
       * reports it (its end + the report delay), ties the two; `undefined` until then.
       */
      let offset: number | undefined;
      const tie = () => {
        let lastEnd = -Infinity;
        for (let seg = lib.segIter(ps, [0]); seg; seg = lib.segNext(seg)) {
          const [sf, ef] = [[0], [0]];
          lib.segFrames(seg, sf, ef);
          lastEnd = Math.max(lastEnd, ef[0]!);
        }
        if (lastEnd > -Infinity) offset = levels.frames - KWS_DELAY_FRAMES - lastEnd;
      };
      /** Bytes of a sample split across two pushes. */
      let odd: number | undefined;
      const endUtt = () => lib.endUtt(ps);
      const restart = () => {
        offset = undefined;
        endUtt();
        lib.startUtt(ps);
        uttMs = 0;
      };
      const hear = (samples: Int16Array): Spotting[] => {
        lib.processRaw(ps, samples, samples.length, 0, 0);
        levels.push(samples);
        const ms = (samples.length / sampleRateHz) * 1000;
        audioMs += ms;
        uttMs += ms;
        const spotted = offset === undefined || report ? Boolean(lib.getHyp(ps, [0])) : true;
        if (spotted && offset === undefined) tie();
        if (report && spotted) {
          const found = spottings(ps, audioMs, levels, offset ?? 0);
          // A spotting is judged once it has settled: the search merges the overlapping spottings of a phrase
          // into the best one, whose alignment (and lead) is the phrase's; the first to cross the threshold
          // may be aligned anywhere. Unless one has waited long, wait while any may still grow.
          const age = (x: Spotting) => audioMs - x.endMs;
          if (found.some((x) => age(x) < SETTLE_MS) && !found.some((x) => age(x) >= MAX_SETTLE_MS)) return [];
          // A fresh search after the spottings (kept or not): its hypothesis lists every phrase spotted in the utterance.
          restart();
          return found.filter((x) => age(x) >= SETTLE_MS && x.leadDb >= (minLead.get(x.phrase) ?? -Infinity));
        }
        if (report && (uttMs >= FORCE_RESTART_MS || (uttMs >= RESTART_AFTER_MS && rms(samples) < quietLevel))) restart();
        return [];
      };
      return {
        push(audio) {
          if (closed || audio.byteLength === 0) return [];
          let bytes = audio;
          if (odd !== undefined) {
            bytes = new Uint8Array(audio.byteLength + 1);
            bytes[0] = odd;
            bytes.set(audio, 1);
            odd = undefined;
          }
          const n = bytes.byteLength >> 1;
          if (bytes.byteLength & 1) odd = bytes[bytes.byteLength - 1];
          // Copy into an aligned Int16Array: subarrays of a byte stream need not be 2-byte aligned.
          const samples = new Int16Array(n);
          new Uint8Array(samples.buffer).set(bytes.subarray(0, n * 2));
          // 20 ms at a time: the first spotting of an utterance ties the search's frames to the stream's the
          // moment it is reported (see `offset`), so the hypothesis is looked at every 20 ms.
          const step = sampleRateHz / 50;
          const found: Spotting[] = [];
          for (let at = 0; at < n; at += step) found.push(...hear(samples.subarray(at, Math.min(n, at + step))));
          return found;
        },
        drain() {
          if (closed) return [];
          const found = spottings(ps, audioMs, levels, offset ?? 0);
          restart();
          return found;
        },
        close() {
          if (closed) return;
          closed = true;
          endUtt();
          idle.push(ps);
        },
      };
    },
  };
}

interface UtteranceLevels {
  push(samples: Int16Array): void;
  /** Mean level of the stream's frames [sf, ef] over the mean level of the 300 ms before sf (dB). */
  lead(sf: number, ef: number): number;
  /** 10 ms frames measured since the stream began. */
  readonly frames: number;
}

/** Why 300 ms: a breath's pause before the phrase; running speech has no gap that long. */
const LEAD_FRAMES = 30;
/** Frames just before the aligned start left out: the alignment may begin a little early. */
const LEAD_SKIP_FRAMES = 3;
/** Frames of power kept (10 s): longer than any phrase and its lead. */
const KEPT_FRAMES = 1000;

/** Power per 10 ms search frame of the stream, to compare a phrase with what came before it. */
function utteranceLevels(sampleRateHz: number): UtteranceLevels {
  const perFrame = sampleRateHz / 100;
  const powers = new Float64Array(KEPT_FRAMES);
  let frames = 0;
  let sum = 0;
  let count = 0;
  const mean = (from: number, to: number) => {
    let total = 0;
    let n = 0;
    for (let f = Math.max(0, from, frames - KEPT_FRAMES); f <= Math.min(frames - 1, to); f++, n++) total += powers[f % KEPT_FRAMES]!;
    return n > 0 ? total / n : undefined;
  };
  return {
    push(samples) {
      for (const x of samples) {
        sum += x * x;
        if (++count === perFrame) {
          powers[frames++ % KEPT_FRAMES] = sum / perFrame;
          sum = count = 0;
        }
      }
    },
    lead(sf, ef) {
      const phrase = mean(sf, ef) ?? 0;
      const before = mean(sf - LEAD_SKIP_FRAMES - LEAD_FRAMES, sf - LEAD_SKIP_FRAMES - 1);
      // Nothing before the phrase (it began the stream): as after a pause.
      if (before === undefined) return 99;
      return Math.round(100 * Math.log10((phrase + 1) / (before + 1))) / 10;
    },
    get frames() {
      return frames;
    },
  };
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}
