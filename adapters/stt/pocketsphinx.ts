/**
 * pocketsphinx (Debian `libpocketsphinx3` + `pocketsphinx-en-us`, BSD-style license), in-process through
 * koffi. With a JSGF grammar (a robot's command set) it is fast and accurate; without one it falls back
 * to the bundled open-vocabulary language model, which is weak. Decoders are pooled: creating one takes
 * ~150 ms, decoding a command takes a few ms per second of audio.
 *
 * @example
 * ```ts
 * const stt = createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf' });
 * ```
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import type { SttEngine } from './types.js';

const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const INSTALL_HINT = 'apt-get install -y libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us';
/** Why 200 ms: partial hypotheses change with each word; checking more often costs CPU for nothing. */
const PARTIAL_EVERY_MS = 200;

export interface PocketsphinxOptions {
  /** Acoustic model directory (default: Debian's en-us model). */
  hmmPath?: string;
  dictPath?: string;
  /** A JSGF grammar file, or `grammar` with the grammar text. */
  grammarPath?: string;
  grammar?: string;
  /** Open-vocabulary language model when no grammar is given (default: Debian's en-us.lm.bin). */
  lmPath?: string;
  sampleRateHz?: number;
  /** Library names, for unusual installs. */
  libraries?: { pocketsphinx: string; sphinxbase: string };
}

interface Binding {
  psArgs: () => unknown;
  parse: (inout: null, defn: unknown, argc: number, argv: string[], strict: number) => unknown;
  init: (config: unknown) => unknown;
  startUtt: (ps: unknown) => number;
  processRaw: (ps: unknown, data: Int16Array, n: number, noSearch: number, fullUtt: number) => number;
  getHyp: (ps: unknown, score: number[]) => string | null;
  endUtt: (ps: unknown) => number;
}

export class PocketsphinxError extends Error {
  override name = 'PocketsphinxError';
}

function bind(libraries: { pocketsphinx: string; sphinxbase: string }): Binding {
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
    processRaw: ps.func('int ps_process_raw(void *ps, const int16_t *data, size_t n, int no_search, int full_utt)'),
    getHyp: ps.func('const char *ps_get_hyp(void *ps, _Out_ int32_t *score)'),
    endUtt: ps.func('int ps_end_utt(void *ps)'),
  };
}

export function createPocketsphinxStt(options: PocketsphinxOptions = {}): SttEngine {
  const lib = bind(options.libraries ?? { pocketsphinx: 'libpocketsphinx.so.3', sphinxbase: 'libsphinxbase.so.3' });
  const hmm = options.hmmPath ?? join(MODEL_DIR, 'en-us');
  const dict = options.dictPath ?? join(MODEL_DIR, 'cmudict-en-us.dict');
  let grammarPath = options.grammarPath;
  if (options.grammar) {
    grammarPath = join(mkdtempSync(join(tmpdir(), 'voice-agent-jsgf-')), 'grammar.jsgf');
    writeFileSync(grammarPath, options.grammar);
  }
  const lm = options.lmPath ?? join(MODEL_DIR, 'en-us.lm.bin');
  for (const [what, path] of [['acoustic model (hmmPath)', hmm], ['dictionary (dictPath)', dict], [grammarPath ? 'grammar (grammarPath)' : 'language model (lmPath)', grammarPath ?? lm]] as const) {
    if (existsSync(path)) continue;
    // A grammar is the user's own file; the models come from the Debian packages.
    const fix = path === grammarPath ? 'check stt.grammarPath (relative paths start at the working directory)' : `${INSTALL_HINT}, or set the path`;
    throw new PocketsphinxError(`pocketsphinx ${what} not found at ${path}: ${fix}`);
  }
  const sampleRateHz = options.sampleRateHz ?? 16_000;
  const argv = ['-hmm', hmm, '-dict', dict, ...(grammarPath ? ['-jsgf', grammarPath] : ['-lm', lm]), '-samprate', String(sampleRateHz), '-logfn', '/dev/null'];
  const idle: unknown[] = [];

  const decoder = () => {
    const reused = idle.pop();
    if (reused) return reused;
    const config = lib.parse(null, lib.psArgs(), argv.length, argv, 1);
    const ps = config ? lib.init(config) : null;
    if (!ps) throw new PocketsphinxError(`pocketsphinx rejected its configuration (${argv.join(' ')}): check the model and grammar paths`);
    return ps;
  };
  const hypothesis = (ps: unknown) => (lib.getHyp(ps, [0]) ?? '').trim();

  return {
    name: grammarPath ? 'pocketsphinx(jsgf)' : 'pocketsphinx(lm)',
    async warmUp() {
      idle.push(decoder());
    },
    createStream({ sampleRateHz: rate, onPartial, signal }) {
      if (rate !== sampleRateHz) throw new PocketsphinxError(`pocketsphinx is set up for ${sampleRateHz} Hz audio, got ${rate} Hz: resample at the input`);
      const ps = decoder();
      lib.startUtt(ps);
      let sinceCheckMs = 0;
      let lastPartial = '';
      let done = false;
      const release = () => {
        if (done) return;
        done = true;
        lib.endUtt(ps);
        idle.push(ps);
      };
      signal.addEventListener('abort', release, { once: true });
      const reportPartial = () => {
        sinceCheckMs = 0;
        const partial = hypothesis(ps);
        if (partial && partial !== lastPartial) onPartial((lastPartial = partial));
      };
      return {
        push(audio) {
          if (done) return;
          // Copy into an aligned Int16Array: subarrays of a byte stream need not be 2-byte aligned.
          const samples = new Int16Array(audio.byteLength / 2);
          new Uint8Array(samples.buffer).set(audio);
          lib.processRaw(ps, samples, samples.length, 0, 0);
          sinceCheckMs += (samples.length / rate) * 1000;
          if (sinceCheckMs >= PARTIAL_EVERY_MS) reportPartial();
        },
        flushPartial() {
          if (!done) reportPartial();
        },
        async finish() {
          if (done) return '';
          lib.endUtt(ps);
          const text = hypothesis(ps);
          done = true;
          signal.removeEventListener('abort', release);
          idle.push(ps);
          return text;
        },
      };
    },
  };
}
