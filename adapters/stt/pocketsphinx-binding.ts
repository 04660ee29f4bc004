/**
 * pocketsphinx's native face (Debian `libpocketsphinx3`, `libsphinxbase3`) through koffi: the decoder's
 * life cycle, audio, hypotheses and segments. An uninstalled library is an error naming the packages.
 *
 * Decoders of one process may run on several threads (pocketsphinx-threads.ts): they share nothing but
 * sphinxbase's log file, which a decoder made with `-logfn` closes and reopens while another thread may be
 * writing to it. So logging is switched off once here, for the process, and no decoder names a log file.
 *
 * @example
 * ```ts
 * const lib = bind({ pocketsphinx: 'libpocketsphinx.so.3', sphinxbase: 'libsphinxbase.so.3' });
 * const ps = lib.init(lib.parse(null, lib.psArgs(), argv.length, argv, 1));
 * ```
 */
import { promisify } from 'node:util';
import koffi from 'koffi';

/** Debian's en-us model (`pocketsphinx-en-us`): acoustic model, dictionary, language models. */
export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const INSTALL_HINT = 'apt-get install -y libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us';
/** The libraries' names in Debian's packages. */
export const DEBIAN_LIBRARIES = { pocketsphinx: 'libpocketsphinx.so.3', sphinxbase: 'libsphinxbase.so.3' } as const;

export class PocketsphinxError extends Error {
  override name = 'PocketsphinxError';
}

export interface Binding {
  psArgs: () => unknown;
  parse: (inout: null, defn: unknown, argc: number, argv: string[], strict: number) => unknown;
  init: (config: unknown) => unknown;
  /**
   * `ps_init` on one of koffi's threads: a decoder (a model loaded, ~150 ms) made while the calling thread goes
   * on. Nothing else touches the new decoder until it is returned. Their stacks (128 KiB) hold it: every kind of
   * search (keyphrase, phone loop, grammar, language model) was made on 64 KiB ones.
   */
  initOffThread: (config: unknown) => Promise<unknown>;
  startUtt: (ps: unknown) => number;
  /**
   * Starts a new stream: the front end's noise estimate starts afresh (it is carried from utterance to utterance
   * otherwise).
   */
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

export function bind(libraries: { pocketsphinx: string; sphinxbase: string } = DEBIAN_LIBRARIES): Binding {
  let ps: ReturnType<typeof koffi.load>;
  let sb: ReturnType<typeof koffi.load>;
  try {
    ps = koffi.load(libraries.pocketsphinx);
    sb = koffi.load(libraries.sphinxbase);
  } catch (cause) {
    throw new PocketsphinxError(`pocketsphinx is not installed (${(cause as Error).message}): ${INSTALL_HINT}`, {
      cause,
    });
  }
  // NULL: no log at all (see the module's notes).
  sb.func('void err_set_logfp(void *fp)')(null);
  const init = ps.func('void *ps_init(void *config)');
  return {
    psArgs: ps.func('void *ps_args()'),
    parse: sb.func('void *cmd_ln_parse_r(void *inout, void *defn, int argc, const char **argv, int strict)'),
    init,
    initOffThread: promisify(init.async) as (config: unknown) => Promise<unknown>,
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

/** A decoder made from `argv`, or an error naming `what` was configured so. */
export function initDecoder(lib: Binding, argv: readonly string[], what = 'its configuration'): unknown {
  return decoderOrError(lib.init(parsed(lib, argv, what)), argv, what);
}

/** {@link initDecoder} off the calling thread (`initOffThread`). */
export async function initDecoderOffThread(
  lib: Binding,
  argv: readonly string[],
  what = 'its configuration',
): Promise<unknown> {
  return decoderOrError(await lib.initOffThread(parsed(lib, argv, what)), argv, what);
}

const rejected = (argv: readonly string[], what: string) =>
  new PocketsphinxError(`pocketsphinx rejected ${what} (${argv.join(' ')}): check the model and grammar paths`);

function parsed(lib: Binding, argv: readonly string[], what: string): unknown {
  const args = [...argv];
  const config = lib.parse(null, lib.psArgs(), args.length, args, 1);
  if (!config) throw rejected(argv, what);
  return config;
}

function decoderOrError(ps: unknown, argv: readonly string[], what: string): unknown {
  if (!ps) throw rejected(argv, what);
  return ps;
}
