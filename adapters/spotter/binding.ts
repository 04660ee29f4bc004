/**
 * The keyword spotter's native face: pocketsphinx.ts's binding (decoder life cycle, audio, hypothesis,
 * segments) and the functions only the spotter calls, which score the keyphrase search's segments. An
 * uninstalled library is an error that names the packages to install (pocketsphinx.ts's).
 */
import koffi from 'koffi';
import { bind as bindDecoder, type Binding as DecoderBinding } from '../stt/pocketsphinx.js';

export { INSTALL_HINT } from '../stt/pocketsphinx.js';

export interface Binding extends DecoderBinding {
  segProb: (seg: unknown, ascr: number[], lscr: number[], lback: number[]) => number;
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
    segProb: ps.func('int32_t ps_seg_prob(void *seg, _Out_ int32_t *ascr, _Out_ int32_t *lscr, _Out_ int32_t *lback)'),
    getLogmath: ps.func('void *ps_get_logmath(void *ps)'),
    logBase: sb.func('double logmath_get_base(void *lmath)'),
  };
}
