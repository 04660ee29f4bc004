/**
 * The engines the sessions of a pool share, as the pool holds them: each a shared engine or, for a
 * `remote` one, the recipe of each session's own (it addresses that session's subjects).
 *
 * @example
 * ```ts
 * const stt = resolve(shared.stt, remote); // the shared engine, or this session's remote one
 * ```
 */
import type { Clock } from '../adapters/clock.js';
import type { LlmEngine } from '../adapters/llm/types.js';
import type { SttEngine } from '../adapters/stt/types.js';
import type { TtsEngine } from '../adapters/tts/types.js';
import type { AppConfig } from './config.js';
import type {
  buildKeywordSpotter,
  buildMemory,
  buildStopSpotter,
  buildStopStt,
  buildTurnCompletion,
  RemoteContext,
} from './engines.js';
import type { LearnedHeads } from './learned-heads.js';

/** A slot of the chain: a shared engine, or a recipe for a per-session (`remote`) one. */
export type Slot<T> = { shared: T } | { perSession: (remote: RemoteContext) => T };

export type TtsChain = Array<Slot<TtsEngine>>;
export type TtsSpec = AppConfig['tts']['engines'][number];

export const resolve = <T>(slot: Slot<T>, remote: RemoteContext): T =>
  'shared' in slot ? slot.shared : slot.perSession(remote);

export const sharedOf = <T>(slots: ReadonlyArray<Slot<T>>): T[] =>
  slots.flatMap((s) => ('shared' in s ? [s.shared] : []));

/** What the sessions of a pool share: built once by `buildEngines` (engine-pool.ts), read by every `bind`. */
export interface SharedEngines {
  readonly config: AppConfig;
  readonly clock: Clock;
  readonly stt: Slot<SttEngine>;
  readonly llm: Slot<LlmEngine>;
  readonly tts: ReadonlyArray<Slot<TtsEngine>>;
  readonly ttsByLanguage: ReadonlyArray<[string, TtsChain]>;
  readonly memory: ReturnType<typeof buildMemory>;
  readonly turnCompletion: ReturnType<typeof buildTurnCompletion>;
  readonly keywordSpotter: ReturnType<typeof buildKeywordSpotter>;
  readonly stopSpotter: ReturnType<typeof buildStopSpotter>;
  readonly stopStt: ReturnType<typeof buildStopStt>;
  readonly learned: () => Promise<LearnedHeads>;
}
