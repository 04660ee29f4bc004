/**
 * One failover chain of TTS engines, as the TTS actor walks it within a reply: the engine speaking now,
 * the next one when it fails or misses a deadline, and the engines that failed for good (a missing
 * package, a refused key), which the chain passes by from then on — also when a missed deadline starts the
 * chain over. A reply may use several chains: one per language that has its own (`languages.<tag>.tts`).
 */
import { isRetryable } from '../adapters/engine-error.js';
import type { TtsEngine } from '../adapters/tts/types.js';

export interface ChainMove {
  fromEngine: string;
  toEngine: string;
}

export interface TtsChain {
  readonly engines: readonly TtsEngine[];
  /** The engine that speaks now. */
  readonly active: TtsEngine | undefined;
  /** A request to `engine` failed: it is passed by from now on if the error says retrying cannot help. */
  failed(engine: TtsEngine, error: unknown): void;
  /** On to the next engine that has not failed for good; undefined when the chain is exhausted. */
  advance(): ChainMove | undefined;
  /** Back to the first engine that has not failed for good; undefined when every engine failed for good. */
  restart(): ChainMove | undefined;
}

export function createTtsChain(engines: readonly TtsEngine[]): TtsChain {
  let active = 0;
  const dead = new Set<number>();
  const nextLive = (from: number) => {
    for (let i = from; i < engines.length; i++) if (!dead.has(i)) return i;
    return -1;
  };
  const moveTo = (index: number): ChainMove | undefined => {
    if (index < 0) return undefined;
    const fromEngine = engines[active]?.name ?? 'none';
    active = index;
    return { fromEngine, toEngine: engines[active]!.name };
  };
  return {
    engines,
    get active() {
      return engines[active];
    },
    failed(engine, error) {
      const index = engines.indexOf(engine);
      if (index >= 0 && !isRetryable(error)) dead.add(index);
    },
    advance: () => moveTo(nextLive(active + 1)),
    restart: () => moveTo(nextLive(0)),
  };
}
