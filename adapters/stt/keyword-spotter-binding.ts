/**
 * The keyword spotter's native face: the pocketsphinx and sphinxbase functions it calls, bound with
 * koffi. An uninstalled library is an error that names the packages to install.
 */
import koffi from 'koffi';
import { PocketsphinxError } from './pocketsphinx.js';

export const INSTALL_HINT = 'apt-get install -y libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us';

export interface Binding {
  psArgs: () => unknown;
  parse: (inout: null, defn: unknown, argc: number, argv: string[], strict: number) => unknown;
  init: (config: unknown) => unknown;
  startUtt: (ps: unknown) => number;
  endUtt: (ps: unknown) => number;
  processRaw: (ps: unknown, data: Int16Array, n: number, noSearch: number, fullUtt: number) => number;
  getHyp: (ps: unknown, score: number[]) => string | null;
  segIter: (ps: unknown, score: number[]) => unknown;
  segNext: (seg: unknown) => unknown;
  segWord: (seg: unknown) => string | null;
  segProb: (seg: unknown, ascr: number[], lscr: number[], lback: number[]) => number;
  segFrames: (seg: unknown, sf: number[], ef: number[]) => void;
  getLogmath: (ps: unknown) => unknown;
  nFrames: (ps: unknown) => number;
  logBase: (lmath: unknown) => number;
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
    endUtt: ps.func('int ps_end_utt(void *ps)'),
    processRaw: ps.func('int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)'),
    getHyp: ps.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *score)'),
    // 5prealpha's ps_seg_iter takes the decoder alone; the second argument (0.8's best score) is ignored there.
    segIter: ps.func('void *ps_seg_iter(void *ps, _Out_ int32_t *score)'),
    segNext: ps.func('void *ps_seg_next(void *seg)'),
    segWord: ps.func('const char *ps_seg_word(void *seg)'),
    segProb: ps.func('int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)'),
    segFrames: ps.func('void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)'),
    getLogmath: ps.func('void *ps_get_logmath(void *ps)'),
    nFrames: ps.func('int ps_get_n_frames(void *ps)'),
    logBase: sb.func('double logmath_get_base(void *lmath)'),
  };
}
