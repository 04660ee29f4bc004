/**
 * pocketsphinx's options made into decoder command lines, every file checked first: a missing model or
 * grammar is an error that says how to fix it. The result is plain data, so a decode thread
 * (pocketsphinx-threads.ts) builds the same decoders from it as the event loop does.
 *
 * @example
 * ```ts
 * const setup = pocketsphinxSetup({ grammarPath: 'examples/robot-commands.jsgf' });
 * setup.argv; // ['-hmm', …, '-jsgf', 'examples/robot-commands.jsgf', '-pip', '1.5', …]
 * ```
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALL_HINT, POCKETSPHINX_MODEL_DIR, PocketsphinxError } from './pocketsphinx-binding.js';
import type { PocketsphinxOptions } from './pocketsphinx-options.js';

/**
 * Why 100 ms: the emergency stop is spotted on partials, and a check every 200 ms left "stop" and "halt"
 * waiting up to 200 ms after the recognizer had them; a check costs two hypothesis backtraces and a
 * phone alignment, well under a millisecond.
 */
export const PARTIAL_EVERY_MS = 100;
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
export const WARP = ['-warp_type', 'inverse_linear', '-warp_params', '0.95'];
/**
 * The grammar decoder's front end beyond the model's own `feat.params`: what an MLLR transform for it must be estimated
 * on.
 */
export const GRAMMAR_FRONT_END: readonly string[] = WARP;

/** What every decoder of an engine is made from. */
export interface PocketsphinxSetup {
  name: string;
  sampleRateHz: number;
  partialEveryMs: number;
  /** The grammar (or language model) decoder's command line, with the MLLR transform when there is one. */
  argv: string[];
  /** With a transform: the grammar decoder's command line without it (the second decode's). */
  plainArgv?: string[];
  /** With a grammar and confidence on: the phone loop's command line. */
  loopArgv?: string[];
  /** dBFS of the noise floor added under the audio; null: none; absent: the default. */
  noiseFloorDbfs?: number | null;
}

/** The files `options` name (or default to), each checked; the grammar text written to a file of its own. */
export function pocketsphinxSetup(options: PocketsphinxOptions): PocketsphinxSetup {
  const hmm = options.hmmPath ?? join(POCKETSPHINX_MODEL_DIR, 'en-us');
  const dict = options.dictPath ?? join(POCKETSPHINX_MODEL_DIR, 'cmudict-en-us.dict');
  const grammarPath = options.grammar ? writeGrammar(options.grammar) : options.grammarPath;
  const lm = options.lmPath ?? join(POCKETSPHINX_MODEL_DIR, 'en-us.lm.bin');
  const phoneLm =
    grammarPath && options.confidence !== false
      ? (options.phoneLmPath ?? join(POCKETSPHINX_MODEL_DIR, 'en-us-phone.lm.bin'))
      : undefined;
  const mllrPath = grammarPath ? options.mllrPath : undefined;
  checkFiles(
    [
      ['acoustic model (hmmPath)', hmm],
      ['dictionary (dictPath)', dict],
      [grammarPath ? 'grammar (grammarPath)' : 'language model (lmPath)', grammarPath ?? lm],
      ...(phoneLm ? [['phone language model (phoneLmPath)', phoneLm] as const] : []),
      ...(mllrPath ? [['MLLR transform (mllrPath)', mllrPath] as const] : []),
    ],
    { grammarPath, mllrPath },
  );
  const sampleRateHz = options.sampleRateHz ?? 16_000;
  const common = ['-hmm', hmm, '-dict', dict, '-samprate', String(sampleRateHz)];
  const plainArgv = [...common, ...(grammarPath ? ['-jsgf', grammarPath, ...GRAMMAR_TUNING, ...WARP] : ['-lm', lm])];
  // Context-independent phones: the context-dependent loop takes ~10 s per second of audio here (and with
  // beams narrow enough to be fast, its phones are worse). Why language weight 4 (default 6.5): the phone
  // model then drops fewer phones of fast or accented speech, and the grammar benchmark rejected fewer
  // commands at the same out-of-grammar acceptance (92.6 against 90.7 % on six of its voices).
  const loopArgv = phoneLm ? [...common, '-allphone', phoneLm, '-allphone_ci', 'yes', '-lw', '4', ...WARP] : undefined;
  return {
    name: grammarPath ? 'pocketsphinx(jsgf)' : 'pocketsphinx(lm)',
    sampleRateHz,
    partialEveryMs: options.partialEveryMs ?? PARTIAL_EVERY_MS,
    argv: mllrPath ? [...plainArgv, '-mllr', mllrPath] : plainArgv,
    ...(mllrPath ? { plainArgv } : {}),
    ...(loopArgv ? { loopArgv } : {}),
    ...(options.noiseFloorDbfs !== undefined ? { noiseFloorDbfs: options.noiseFloorDbfs } : {}),
  };
}

function writeGrammar(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'voice-agent-jsgf-')), 'grammar.jsgf');
  writeFileSync(path, text);
  return path;
}

function checkFiles(
  needed: ReadonlyArray<readonly [string, string]>,
  own: { grammarPath?: string | undefined; mllrPath?: string | undefined },
): void {
  for (const [what, path] of needed) {
    if (existsSync(path)) continue;
    // A grammar is the user's own file; the models come from the Debian packages.
    const fix =
      path === own.grammarPath
        ? 'check stt.grammarPath (relative paths start at the working directory)'
        : path === own.mllrPath
          ? 'check stt.mllrPath (null: no transform; bench/adapt-grammar-mllr.ts makes one)'
          : `${INSTALL_HINT}, or set the path`;
    throw new PocketsphinxError(`pocketsphinx ${what} not found at ${path}: ${fix}`);
  }
}
