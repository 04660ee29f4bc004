/**
 * pocketsphinx (Debian `libpocketsphinx3` + `pocketsphinx-en-us`, BSD-style license), in-process through
 * koffi. With a JSGF grammar (a robot's command set) it is fast and accurate; without one it falls back
 * to the bundled open-vocabulary language model, which is weak. Decoders are pooled: creating one takes
 * ~150 ms, decoding a command takes a few ms per second of audio.
 *
 * A grammar decoder says every sound is one of its sentences ("tell me a joke" becomes "go to the
 * door"). So with a grammar, the same audio also goes through a free phone loop (any phone after any
 * phone), and the final carries a confidence: how well the grammar's sentence explains the audio
 * compared with the best phone sequence (`grammar-confidence.ts`). An ordinary phrase fits the phone
 * loop far better than any command; a command fits both about as well. The loop costs about 3.2× the
 * grammar decoder's CPU (together ≈ 4.4 % of one core while someone speaks, here); `confidence: false`
 * turns it off. Measured in docs/out-of-grammar.md.
 *
 * @example
 * ```ts
 * const stt = createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf' });
 * const { text, confidence } = await stream.finish(); // 'go to the door', 0.05 for "tell me a joke"
 * ```
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { copyToSamples } from '../audio/pcm.js';
import { FILLER } from './filler-words.js';
import { grammarConfidence, type GrammarEvidence } from './grammar-confidence.js';
import { finalWordsAgainstSpeech, speechAfterWords } from './speech-after-words.js';
import { createNoiseFloor } from './noise-floor.js';
import { cmnAccess, createChannelMeans, type CmnAccess } from './cepstral-mean.js';
import { SttBusyError, type SttEngine, type SttResult } from './types.js';

/** Debian's en-us model (`pocketsphinx-en-us`): acoustic model, dictionary, language models. */
export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const INSTALL_HINT = 'apt-get install -y libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us';
/**
 * Why 100 ms: the emergency stop is spotted on partials, and a check every 200 ms left "stop" and "halt"
 * waiting up to 200 ms after the recognizer had them; a check costs two hypothesis backtraces and a
 * phone alignment, well under a millisecond.
 */
export const PARTIAL_EVERY_MS = 100;
/** Why 0.05: a quarter of the default `stt.minConfidence`; smaller moves would republish the same words every check. */
const PARTIAL_CONFIDENCE_STEP = 0.05;

export interface PocketsphinxOptions {
  /** Acoustic model directory (default: Debian's en-us model). */
  hmmPath?: string;
  dictPath?: string;
  /** A JSGF grammar file, or `grammar` with the grammar text. */
  grammarPath?: string;
  grammar?: string;
  /** Open-vocabulary language model when no grammar is given (default: Debian's en-us.lm.bin). */
  lmPath?: string;
  /**
   * With a grammar: also decode with a free phone loop and give each final a confidence (default true).
   * Without a grammar there is nothing to reject, and no confidence.
   */
  confidence?: boolean;
  /** Phone language model of the phone loop (default: Debian's en-us-phone.lm.bin). */
  phoneLmPath?: string;
  /**
   * With a grammar: an MLLR transform of the acoustic model (`-mllr`) for the grammar decoder, such as
   * `examples/en-us-grammar.mllr` (made by `bench/adapt-grammar-mllr.ts`; the app config's default,
   * `stt.mllrPath`). Absent: the model as Debian ships it. Why not the phone loop too: on the grammar
   * benchmark, adapting both accepted more phrases outside the grammar (14 against 11–12 of 352) for the
   * same commands recognized; the loop is the unbiased reference the confidence compares against.
   */
  mllrPath?: string;
  sampleRateHz?: number;
  /**
   * A microphone-like noise floor added under the audio before decoding, dBFS (default
   * `NOISE_FLOOR_DBFS`, -70; `null`: none). Why: digital zeros skew the front end (noise-floor.ts).
   */
  noiseFloorDbfs?: number | null;
  /** Library names, for unusual installs. */
  libraries?: { pocketsphinx: string; sphinxbase: string };
  /** How much audio between partial hypotheses, ms (default {@link PARTIAL_EVERY_MS}); a stop phrase is spotted on them. */
  partialEveryMs?: number;
  /** Diagnostics (benches): called with what each confidence was computed from, a partial's (`final` false) or the final's. */
  onEvidence?: (text: string, evidence: GrammarEvidence, confidence: number, final: boolean) => void;
}

export interface Binding {
  psArgs: () => unknown;
  parse: (inout: null, defn: unknown, argc: number, argv: string[], strict: number) => unknown;
  init: (config: unknown) => unknown;
  startUtt: (ps: unknown) => number;
  /** Starts a new stream: the front end's noise estimate starts afresh (it is carried from utterance to utterance otherwise). */
  startStream: (ps: unknown) => number;
  processRaw: (ps: unknown, data: Int16Array, n: number, noSearch: number, fullUtt: number) => number;
  getHyp: (ps: unknown, score: number[]) => string | null;
  endUtt: (ps: unknown) => number;
  lookupWord: (ps: unknown, word: string) => string | null;
  nFrames: (ps: unknown) => number;
  getFeat: (ps: unknown) => unknown;
  cmnLiveGet: (cmn: unknown, vec: Float32Array) => void;
  cmnLiveSet: (cmn: unknown, vec: Float32Array) => void;
  /** The best hypothesis's word (or phone) segments: iterate with `segNext` to its end (which frees the iterator). */
  segIter: (ps: unknown, score: number[]) => unknown;
  segNext: (seg: unknown) => unknown;
  segWord: (seg: unknown) => string | null;
  segFrames: (seg: unknown, startFrame: number[], endFrame: number[]) => void;
}

/**
 * A pooled grammar (or LM) decoder, when confidence is on its phone loop, and with an MLLR transform the
 * grammar decoder without it (`plain`), which decodes the utterance again when the adapted search reaches
 * no sentence.
 */
interface Decoders {
  /** The live cepstral mean of `ps`, `loop` and `plain`, in that order (undefined: absent or not reachable). */
  cmn: Array<CmnAccess | undefined>;
  ps: unknown;
  loop?: unknown;
  plain?: unknown;
  /** The channel that last decoded with these decoders: it gets them back first (see `decoders`). */
  lastChannel?: string | undefined;
}

/**
 * Why a phone insertion probability of 1.5 (default 1) with a grammar: fast speech loses phones, and a
 * number word of one syllable ("two") then outscores the longer one that was said ("seven", "ten");
 * 1.5 favours the path that explains more phones. On the grammar benchmark it took commands recognized
 * before any rejection from 396 to 399 of 416; 2 and 3 gained less (398, 396).
 */
export const GRAMMAR_TUNING = ['-pip', '1.5'];
/**
 * Why a frequency warp of 0.95 (inverse linear: the spectrum is read 5 % higher) for the grammar decoder
 * and its phone loop: the en-us acoustic model hears the nasals of the low-pitched and accented eSpeak
 * voices as /uw/ ("ten meters" → "two meters"); the mild warp moves them back. With the insertion
 * probability above: 403 of 416 commands before rejection (0.97: 400, 0.92: 397, 1.05 made it worse),
 * and with the loop warped too the confidence rejects fewer of them. Real speech from pocketsphinx's own
 * test recordings (`pocketsphinx-testdata`: "go forward ten meters", five card-game utterances) decodes
 * the same with and without it. Not applied to the open-vocabulary language model: not measured there.
 */
const WARP = ['-warp_type', 'inverse_linear', '-warp_params', '0.95'];
/** The grammar decoder's front end beyond the model's own `feat.params`: what an MLLR transform for it must be estimated on. */
export const GRAMMAR_FRONT_END: readonly string[] = WARP;

export class PocketsphinxError extends Error {
  override name = 'PocketsphinxError';
}

export function bind(libraries: { pocketsphinx: string; sphinxbase: string }): Binding {
  let ps: ReturnType<typeof koffi.load>;
  let sb: ReturnType<typeof koffi.load>;
  try {
    ps = koffi.load(libraries.pocketsphinx);
    sb = koffi.load(libraries.sphinxbase);
  } catch (cause) {
    throw new PocketsphinxError(`pocketsphinx is not installed (${(cause as Error).message}): ${INSTALL_HINT}`, { cause });
  }
  return {
    psArgs: ps.func('void *ps_args()'),
    parse: sb.func('void *cmd_ln_parse_r(void *inout, void *defn, int argc, const char **argv, int strict)'),
    init: ps.func('void *ps_init(void *config)'),
    startUtt: ps.func('int ps_start_utt(void *ps)'),
    startStream: ps.func('int ps_start_stream(void *ps)'),
    processRaw: ps.func('int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)'),
    getHyp: ps.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *score)'),
    endUtt: ps.func('int ps_end_utt(void *ps)'),
    // The returned string is malloc'ed by pocketsphinx and never freed here: callers cache it per word.
    lookupWord: ps.func('const char *ps_lookup_word(void *ps, const char *word)'),
    nFrames: ps.func('int ps_get_n_frames(void *ps)'),
    getFeat: ps.func('void *ps_get_feat(void *ps)'),
    cmnLiveGet: sb.func('void cmn_live_get(void *cmn, _Out_ float *vec)'),
    cmnLiveSet: sb.func('void cmn_live_set(void *cmn, const float *vec)'),
    // 5prealpha's ps_seg_iter takes the decoder alone; the second argument (0.8's best score) is ignored there.
    segIter: ps.func('void *ps_seg_iter(void *ps, _Out_ int32_t *score)'),
    segNext: ps.func('void *ps_seg_next(void *seg)'),
    segWord: ps.func('const char *ps_seg_word(void *seg)'),
    segFrames: ps.func('void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)'),
  };
}

export function createPocketsphinxStt(options: PocketsphinxOptions = {}): SttEngine {
  const lib = bind(options.libraries ?? { pocketsphinx: 'libpocketsphinx.so.3', sphinxbase: 'libsphinxbase.so.3' });
  const hmm = options.hmmPath ?? join(POCKETSPHINX_MODEL_DIR, 'en-us');
  const dict = options.dictPath ?? join(POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict');
  let grammarPath = options.grammarPath;
  if (options.grammar) {
    grammarPath = join(mkdtempSync(join(tmpdir(), 'voice-agent-jsgf-')), 'grammar.jsgf');
    writeFileSync(grammarPath, options.grammar);
  }
  const lm = options.lmPath ?? join(POCKETSPHINX_MODEL_DIR, 'en-us.lm.bin');
  const phoneLm = grammarPath && options.confidence !== false ? (options.phoneLmPath ?? join(POCKETSPHINX_MODEL_DIR, 'en-us-phone.lm.bin')) : undefined;
  const needed: Array<readonly [string, string]> = [
    ['acoustic model (hmmPath)', hmm],
    ['dictionary (dictPath)', dict],
    [grammarPath ? 'grammar (grammarPath)' : 'language model (lmPath)', grammarPath ?? lm],
  ];
  if (phoneLm) needed.push(['phone language model (phoneLmPath)', phoneLm]);
  const mllr = grammarPath && options.mllrPath ? ['-mllr', options.mllrPath] : [];
  if (mllr.length > 0) needed.push(['MLLR transform (mllrPath)', options.mllrPath!]);
  for (const [what, path] of needed) {
    if (existsSync(path)) continue;
    // A grammar is the user's own file; the models come from the Debian packages.
    const fix =
      path === grammarPath
        ? 'check stt.grammarPath (relative paths start at the working directory)'
        : path === options.mllrPath
          ? 'check stt.mllrPath (null: no transform; bench/adapt-grammar-mllr.ts makes one)'
          : `${INSTALL_HINT}, or set the path`;
    throw new PocketsphinxError(`pocketsphinx ${what} not found at ${path}: ${fix}`);
  }
  const sampleRateHz = options.sampleRateHz ?? 16_000;
  const partialEveryMs = options.partialEveryMs ?? PARTIAL_EVERY_MS;
  const common = ['-hmm', hmm, '-dict', dict, '-samprate', String(sampleRateHz), '-logfn', '/dev/null'];
  const plainArgv = [...common, ...(grammarPath ? ['-jsgf', grammarPath, ...GRAMMAR_TUNING, ...WARP] : ['-lm', lm])];
  const argv = [...plainArgv, ...mllr];
  // Context-independent phones: the context-dependent loop takes ~10 s per second of audio here (and with
  // beams narrow enough to be fast, its phones are worse). Why language weight 4 (default 6.5): the phone
  // model then drops fewer phones of fast or accented speech, and the grammar benchmark rejected fewer
  // commands at the same out-of-grammar acceptance (92.6 against 90.7 % on six of its voices).
  const loopArgv = phoneLm ? [...common, '-allphone', phoneLm, '-allphone_ci', 'yes', '-lw', '4', ...WARP] : undefined;
  const idle: Decoders[] = [];

  const init = (args: string[]) => {
    const config = lib.parse(null, lib.psArgs(), args.length, args, 1);
    const ps = config ? lib.init(config) : null;
    if (!ps) throw new PocketsphinxError(`pocketsphinx rejected its configuration (${args.join(' ')}): check the model and grammar paths`);
    return ps;
  };
  /**
   * Idle decoders, the ones `channel` last used first. Why: the front end's noise estimate stays in the
   * decoder (below), so which of two idle decoders an utterance got could change its transcript: a
   * session's utterances and its stop check's slices overlap, and the load on the machine decided the
   * order they came back in (a command's confidence moved from 0.89 to 0.95 after another channel's
   * noise; a real exercise bike's noise became "stop" once in many runs, under load).
   */
  /** Idle sets a stream that may be shed (`ifIdle`) leaves for utterances: 1 in a pool prepared for several sessions. */
  let keptForUtterances = 0;
  const decoders = (channel: string | undefined, ifIdle = false): Decoders => {
    if (ifIdle && idle.length <= keptForUtterances) throw new SttBusyError('every pocketsphinx decoder is busy');
    const own = channel === undefined ? -1 : idle.findIndex((d) => d.lastChannel === channel);
    const pooled = own >= 0 ? idle.splice(own, 1)[0] : idle.pop();
    if (pooled) return pooled;
    // Making a decoder set holds the event loop ~0.5 s (three models loaded) and adds ~83 MB: work that
    // may be shed is, rather than stall every session for it.
    if (ifIdle) throw new SttBusyError('every pocketsphinx decoder is busy');
    return makeDecoders();
  };
  const makeDecoders = (): Decoders => {
    const made = { ps: init(argv), ...(loopArgv ? { loop: init(loopArgv) } : {}), ...(mllr.length > 0 ? { plain: init(plainArgv) } : {}) };
    return { ...made, cmn: [made.ps, made.loop, made.plain].map((d) => (d === undefined ? undefined : cmnAccess(lib, d))) };
  };
  /**
   * Each channel's cepstral means (one per decoder of {@link Decoders.cmn}; cepstral-mean.ts). Why per
   * channel: the decoders are pooled across sessions, and a command's transcript and confidence depended
   * on what other users had said (the same "stop" scored 0.79 four times in a row, then 0.53 after one
   * "move forward two meters"). Resetting every utterance to the model's prior made it deterministic but
   * lost the adaptation to the speaker: eSpeak's West Midlands English got 29 of 52 commands instead of 45.
   * The front end's noise estimate is carried from one utterance to the next as well, across channels:
   * starting it afresh every utterance (`ps_start_stream`) made 5–7 of the corpus's 448 commands stop the
   * robot, and sphinxbase exports no way to keep one per channel.
   */
  const means = createChannelMeans();
  const restoreChannel = (d: Decoders, channel: string | undefined) => {
    if (channel !== undefined) means.restore(d.cmn, channel);
  };
  const saveChannel = (d: Decoders, channel: string | undefined) => {
    if (channel !== undefined) means.save(d.cmn, channel);
  };
  const hypothesis = (ps: unknown) => (lib.getHyp(ps, [0]) ?? '').trim();
  // A grammar's words are few: each pronunciation is looked up once (the lookup's string is not freed).
  const pronunciations = new Map<string, string[]>();
  const pronounce = (ps: unknown, word: string) => {
    let phones = pronunciations.get(word);
    if (!phones) pronunciations.set(word, (phones = (lib.lookupWord(ps, word) ?? '').split(/\s+/).filter(Boolean)));
    return phones;
  };
  /**
   * The grammar's sentence against the phone loop's phones on the same audio (see grammar-confidence.ts);
   * a final's with its words' `coverage` of the loop's speech, a partial's without.
   */
  const confidence = (grammar: unknown, loop: unknown, text: string, coverage?: number): number => {
    const [grammarScore, loopScore] = [[0], [0]];
    lib.getHyp(grammar, grammarScore);
    const loopPhones = (lib.getHyp(loop, loopScore) ?? '').split(/\s+/).filter((p) => p && !FILLER.test(p));
    const sentencePhones = text.split(/\s+/).flatMap((word) => pronounce(grammar, word));
    const evidence: GrammarEvidence = {
      sentencePhones,
      loopPhones,
      grammarScore: grammarScore[0]!,
      loopScore: loopScore[0]!,
      frames: lib.nFrames(grammar),
      ...(coverage === undefined ? {} : { coverage }),
    };
    const value = grammarConfidence(evidence);
    options.onEvidence?.(text, evidence, value, coverage !== undefined);
    return value;
  };
  /**
   * The utterance again through the grammar decoder without the transform. Why: pocketsphinx's grammar
   * search can end without reaching a sentence, and the transform moves which utterances that happens to
   * (one of the echo closed loop's twenty commands, which the plain model hears); a second decode of the
   * few such utterances gives them the plain model's answer, and the phone loop still judges it.
   */
  const decodeAgain = (plain: unknown, audio: Int16Array[]): string => {
    lib.startUtt(plain);
    for (const samples of audio) lib.processRaw(plain, samples, samples.length, 0, 0);
    lib.endUtt(plain);
    return hypothesis(plain);
  };

  return {
    name: grammarPath ? 'pocketsphinx(jsgf)' : 'pocketsphinx(lm)',
    async warmUp() {
      idle.push(decoders(undefined));
    },
    async prepare(streams) {
      // Beyond one session's two (its utterance, its pause's decode), the last idle set is an utterance's:
      // a pause's decode holding it made the next utterance build one, holding every session's loop.
      keptForUtterances = streams > 2 ? 1 : 0;
      // One at a time, each in a macrotask of its own: a server warming up still answers /healthz.
      for (let made = 0; idle.length < streams; made++) {
        if (made > 0) await new Promise((resolve) => setImmediate(resolve));
        idle.push(makeDecoders());
      }
    },
    createStream({ sampleRateHz: rate, onPartial, signal, channel, ifIdle }) {
      if (rate !== sampleRateHz) throw new PocketsphinxError(`pocketsphinx is set up for ${sampleRateHz} Hz audio, got ${rate} Hz: resample at the input`);
      const d = decoders(channel, ifIdle);
      d.lastChannel = channel;
      const all = d.loop ? [d.ps, d.loop] : [d.ps];
      restoreChannel(d, channel);
      for (const ps of all) lib.startUtt(ps);
      const floor = options.noiseFloorDbfs === null ? undefined : createNoiseFloor(options.noiseFloorDbfs);
      let sinceCheckMs = 0;
      let lastPartial = '';
      let lastConfidence = 0;
      let reportedLastCheck = false;
      let done = false;
      /** With a transform: the utterance's audio, for a second decode without it. */
      const heard: Int16Array[] | undefined = d.plain ? [] : undefined;
      const release = () => {
        if (done) return;
        done = true;
        for (const ps of all) lib.endUtt(ps);
        saveChannel(d, channel);
        idle.push(d);
      };
      signal.addEventListener('abort', release, { once: true });
      const reportPartial = () => {
        sinceCheckMs = 0;
        const partial = hypothesis(d.ps);
        if (!partial) return;
        if (!d.loop) {
          if (partial !== lastPartial) onPartial((lastPartial = partial));
          return;
        }
        // Changed words, then once more at the next check (the stop gate takes a stop phrase that held for
        // two reports), and the same words whenever the audio since made them clearly more or less likely.
        const sure = confidence(d.ps, d.loop, partial);
        const changed = partial !== lastPartial || Math.abs(sure - lastConfidence) >= PARTIAL_CONFIDENCE_STEP;
        const confirming = reportedLastCheck;
        reportedLastCheck = changed;
        if (!changed && !confirming) return;
        [lastPartial, lastConfidence] = [partial, sure];
        onPartial(partial, sure, { speechAfterMs: speechAfterWords(lib, d.ps, d.loop) });
      };
      return {
        push(audio) {
          if (done) return;
          const samples = floor ? floor.add(copyToSamples(audio)) : copyToSamples(audio);
          for (const ps of all) lib.processRaw(ps, samples, samples.length, 0, 0);
          heard?.push(samples);
          sinceCheckMs += (samples.length / rate) * 1000;
          if (sinceCheckMs >= partialEveryMs) reportPartial();
        },
        flushPartial() {
          if (!done) reportPartial();
        },
        async finish(): Promise<SttResult> {
          if (done) return { text: '' };
          for (const ps of all) lib.endUtt(ps);
          let grammar = d.ps;
          let text = hypothesis(grammar);
          if (!text && d.plain && heard) {
            grammar = d.plain;
            text = decodeAgain(grammar, heard);
          }
          let result: SttResult = { text };
          if (text && d.loop) {
            const { coverage, ...words } = finalWordsAgainstSpeech(lib, grammar, d.loop);
            result = { text, confidence: confidence(grammar, d.loop, text, coverage), ...words };
          }
          done = true;
          signal.removeEventListener('abort', release);
          saveChannel(d, channel);
          idle.push(d);
          return result;
        },
      };
    },
  };
}
