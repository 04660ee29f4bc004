/**
 * The engine pool's warm-up: models loaded, connections opened, cached phrases synthesized, the stop
 * path rehearsed, and the decoders the pool's sessions take at once made off the event loop, the first
 * few before the process says it serves and the rest of its capacity after.
 *
 * @example
 * ```ts
 * const { rest } = await warmUpEngines(shared, 12); // ready for 4 sessions; `rest` settles for all 12
 * ```
 */
import type { LlmEngine } from '../adapters/llm/types.js';
import type { SttEngine } from '../adapters/stt/types.js';
import { buildVad } from './engines.js';
import { sharedOf, type SharedEngines, type Slot } from './shared-engines.js';
import { warmStopPath } from './warm-stop.js';

/**
 * Why a decoder set per 4 sessions: in the capacity bench (users who speak a command or a stop about
 * every 5 s) a third of the sessions had an utterance open at once at most, and a pause's decode is shed
 * when every set is busy; a set made while the sessions speak holds every one of them ~0.5 s. Beyond
 * these, sets are still made when needed (and kept).
 */
const SESSIONS_PER_DECODER_SET = 4;

/**
 * Why 4: decoders for a whole capacity take ~9 s to make for 100 sessions on two cores; a server ready
 * after the first few answers /readyz at once and makes the rest while its first sessions start.
 */
const SESSIONS_READY_AT_WARM_UP = 4;

/**
 * Loads models, opens connections and synthesizes the cached phrases, for `sessions` at once; `rest`
 * settles once what is left to make for them, in the background, is made.
 */
export async function warmUpEngines(engines: SharedEngines, sessions: number): Promise<{ rest: Promise<void> }> {
  const { config, stt, llm, tts, ttsByLanguage, stopStt } = engines;
  if (config.tts.warmUp) {
    // Why before the first turn: a cold engine's first request is the slowest one the user would hear.
    const chains = [...sharedOf(tts), ...ttsByLanguage.flatMap(([, chain]) => sharedOf(chain))];
    await Promise.all(chains.map((engine) => engine.warmUp?.()));
    await Promise.all(sharedOf([stt, llm] as Array<Slot<SttEngine | LlmEngine>>).map((engine) => engine.warmUp?.()));
  }
  // The VAD's module (WASM, model) loads on first use: load it now, not in the first session.
  (await buildVad(config)).close?.();
  await engines.keywordSpotter?.warmUp();
  await engines.stopSpotter?.warmUp();
  await stopStt?.warmUp?.();
  // Decoders for the first sessions before the process says it serves; the rest of its capacity after.
  await prepareFor(engines, Math.min(sessions, SESSIONS_READY_AT_WARM_UP));
  await engines.learned();
  // The first STOP of the process as fast as the rest: its handlers run once before any session does.
  await warmStopPath();
  // A decoder that fails to load here fails again, with its error, in the session that makes its own.
  const rest = sessions > SESSIONS_READY_AT_WARM_UP ? prepareFor(engines, sessions) : Promise.resolve();
  return { rest: rest.catch(() => undefined) };
}

/**
 * Search decoders for `sessions` at once, made off the event loop, so a session starting takes one
 * instead of making its own (~150 ms of every session's loop), and the decoder sets their utterances
 * take at once: for one session, its utterance's and (one pool beside the grammar stack) its pause's
 * decode; beyond it, one more per SESSIONS_PER_DECODER_SET.
 */
async function prepareFor(engines: SharedEngines, sessions: number): Promise<void> {
  const { stt, stopStt } = engines;
  await Promise.all([engines.keywordSpotter?.prepare?.(sessions), engines.stopSpotter?.prepare?.(sessions)]);
  const oneSession = stopStt !== undefined && 'shared' in stt && stopStt === stt.shared ? 2 : 1;
  const decoderSets = Math.max(oneSession, Math.ceil(sessions / SESSIONS_PER_DECODER_SET) + 1);
  if ('shared' in stt) await stt.shared.prepare?.(decoderSets);
}
