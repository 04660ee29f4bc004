/**
 * One failover chain of TTS engines, as the TTS actor walks it within a reply, as plain data: the engine
 * speaking now, the next one when it fails or misses a deadline, and the engines that failed for good (a
 * missing package, a refused key), which the chain passes by from then on — also when a missed deadline
 * starts the chain over. A reply may use several chains: one per language that has its own
 * (`languages.<tag>.tts`). Engines are named by their position; the actor holds the engines themselves.
 *
 * @example
 * ```ts
 * let chain = newChain(['piper', 'flite']);
 * const step = advanceChain(chain); // { chain: { active: 1, … }, move: { fromEngine: 'piper', toEngine: 'flite' } }
 * chain = markFailed(step.chain, 1, false); // flite failed for good
 * restartChain(chain).move; // { fromEngine: 'flite', toEngine: 'piper' }
 * ```
 */

export interface ChainMove {
  fromEngine: string;
  toEngine: string;
}

export interface ChainState {
  readonly engineNames: readonly string[];
  /** Position of the engine that speaks now. */
  readonly active: number;
  /** Positions of the engines that failed for good. */
  readonly dead: readonly number[];
}

export function newChain(engineNames: readonly string[]): ChainState {
  return { engineNames, active: 0, dead: [] };
}

/** A request to the engine at `position` failed: it is passed by from now on if retrying cannot help. */
export function markFailed(chain: ChainState, position: number, retryable: boolean): ChainState {
  if (retryable || chain.dead.includes(position)) return chain;
  return { ...chain, dead: [...chain.dead, position] };
}

/** On to the next engine that has not failed for good; no move when the chain is exhausted. */
export function advanceChain(chain: ChainState): { chain: ChainState; move?: ChainMove } {
  return moveTo(chain, nextLive(chain, chain.active + 1));
}

/** Back to the first engine that has not failed for good; no move when every engine failed for good. */
export function restartChain(chain: ChainState): { chain: ChainState; move?: ChainMove } {
  return moveTo(chain, nextLive(chain, 0));
}

function nextLive(chain: ChainState, from: number): number {
  for (let i = from; i < chain.engineNames.length; i++) if (!chain.dead.includes(i)) return i;
  return -1;
}

function moveTo(chain: ChainState, position: number): { chain: ChainState; move?: ChainMove } {
  if (position < 0) return { chain };
  const fromEngine = chain.engineNames[chain.active] ?? 'none';
  return { chain: { ...chain, active: position }, move: { fromEngine, toEngine: chain.engineNames[position]! } };
}
