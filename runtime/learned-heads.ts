/**
 * The learned keyword heads a process listens with (`keyword`): every configured phrase that has a head
 * (named in `keyword.heads`, trained into the models folder, or shipped in `heads/`) — the stop phrases,
 * the wake phrases in `wake` mode, and the confirmation's yes and no words — on one shared front end.
 *
 * A head named in `keyword.heads` is required: a missing or broken file stops the start with an error that
 * names the file and the command that fixes it. Without the front end (`voice-agent models keyword` not
 * run) and with no head named, the phone-loop spotter listens alone and {@link LearnedHeads.skipped} says why.
 *
 * @example
 * ```ts
 * const heads = await loadLearnedHeads(config); // { engine, phrases } | { skipped: 'the speech embedding …' }
 * ```
 */
import { existsSync } from 'node:fs';
import {
  FETCH_FRONT_END_COMMAND,
  findHead,
  frontEndPaths,
  KeywordModelError,
  loadKeywordEngine,
  loadKeywordEngineOnThread,
  type KeywordEngine,
} from '../adapters/keyword/index.js';
import type { LearnedPhrases } from '../actors/estop/index.js';
import type { AppConfig } from './config.js';

export type LearnedHeads = { engine: KeywordEngine; phrases: LearnedPhrases } | { skipped: string };

/** The phrases of `config` that a head could spot, by what they do. */
export function learnedCandidates(config: AppConfig): LearnedPhrases {
  const { estop, activation, actions } = config.session;
  const answerWords = [...actions.yesWords, ...actions.noWords].map((w) => w.toLowerCase());
  return {
    stop: estop.phrases.map((p) => p.toLowerCase()),
    wake: activation.mode === 'wake' ? activation.wakePhrases.map((p) => p.toLowerCase()) : [],
    answer: answerWords.filter((w) => /^[a-z' ]+$/.test(w)),
  };
}

/**
 * Loads the heads `config` asks for; see the module's notes for what is required. `onThread`: the engine on a
 * thread of its own (the wall clock's sessions); off, on the calling thread (a simulated clock's, whose loop
 * waits for each block's scores).
 */
export async function loadLearnedHeads(config: AppConfig, { onThread = false } = {}): Promise<LearnedHeads> {
  const { keyword } = config;
  if (!keyword.enabled) return { skipped: 'keyword.enabled is false' };
  const candidates = learnedCandidates(config);
  const all = new Set([...candidates.stop, ...candidates.wake, ...candidates.answer]);
  const stray = Object.keys(keyword.heads).filter((phrase) => !all.has(phrase));
  if (stray.length > 0) {
    throw new KeywordModelError(
      `keyword.heads names "${stray[0]}", which is none of the configured phrases (session.estop.phrases, ` +
        `session.activation.wakePhrases in wake mode, session.actions.yesWords and noWords): add it there, or ` +
        `remove the head`,
      keyword.heads[stray[0]!]!,
    );
  }
  const withHead = (phrases: readonly string[]) =>
    phrases.filter((p) => keyword.heads[p] !== undefined || findHead(p) !== undefined);
  const phrases: LearnedPhrases = {
    stop: withHead(candidates.stop),
    wake: withHead(candidates.wake),
    answer: withHead(candidates.answer),
  };
  const listened = [...phrases.stop, ...phrases.wake, ...phrases.answer];
  if (listened.length === 0)
    return { skipped: 'no configured phrase has a head (voice-agent train-phrase PHRASE makes one)' };
  const named = Object.keys(keyword.heads).length > 0;
  if (!named && !existsSync(frontEndPaths().embedding)) {
    return {
      skipped:
        `the speech embedding is not fetched: run \`${FETCH_FRONT_END_COMMAND}\` to hear ${listened.join(', ')} ` +
        `with the learned heads`,
    };
  }
  const options = {
    phrases: listened,
    heads: keyword.heads,
    thresholds: keyword.thresholds,
    threshold: keyword.threshold,
  };
  // On a thread of its own, its ONNX runs hold no session's event loop (engine-thread.ts).
  const engine = onThread ? await loadKeywordEngineOnThread(options) : await loadKeywordEngine(options);
  return { engine, phrases };
}
