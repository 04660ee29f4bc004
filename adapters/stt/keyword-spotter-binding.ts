/**
 * The keyword spotter's native face: pocketsphinx.ts's binding (decoder life cycle, audio, hypothesis)
 * and the functions only the spotter calls, which read the keyphrase search's segments. An uninstalled
 * library is an error that names the packages to install (pocketsphinx.ts's).
 */
import koffi from 'koffi';
import { bind as bindDecoder, type Binding as DecoderBinding } from './pocketsphinx.js';

export { INSTALL_HINT } from './pocketsphinx.js';

export interface Binding extends DecoderBinding {
  segIter: (ps: unknown, score: number[]) => unknown;
  segNext: (seg: unknown) => unknown;
  segWord: (seg: unknown) => string | null;
  segProb: (seg: unknown, ascr: number[], lscr: number[], lback: number[]) => number;
  segFrames: (seg: unknown, sf: number[], ef: number[]) => void;
  getLogmath: (ps: unknown) => unknown;
  logBase: (lmath: unknown) => number;
}

export function bind(libraries: { pocketsphinx: string; sphinxbase: string }): Binding {
  // The decoder's binding loads (and checks) the libraries; loading them again here only adds references.
  const decoder = bindDecoder(libraries);
  const ps = koffi.load(libraries.pocketsphinx);
  const sb = koffi.load(libraries.sphinxbase);
  return {
    ...decoder,
    // 5prealpha's ps_seg_iter takes the decoder alone; the second argument (0.8's best score) is ignored there.
    segIter: ps.func('void *ps_seg_iter(void *ps, _Out_ int32_t *score)'),
    segNext: ps.func('void *ps_seg_next(void *seg)'),
    segWord: ps.func('const char *ps_seg_word(void *seg)'),
    segProb: ps.func('int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)'),
    segFrames: ps.func('void ps_seg_frames(void *seg, _Out_ int *sf, _Out_ int *ef)'),
    getLogmath: ps.func('void *ps_get_logmath(void *ps)'),
    logBase: sb.func('double logmath_get_base(void *lmath)'),
  };
}
