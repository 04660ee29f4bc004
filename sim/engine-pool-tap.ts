/**
 * An engine pool that hands out what `pool` binds, through `wrap`, and keeps the last binding, so a test
 * that opens sessions through the server (a Realtime connection) can reach the session's engines.
 *
 * @example
 * ```ts
 * const tap = tapEnginePool(pool);
 * createSessionManager({ pool: tap.pool, bus, clock });
 * tap.engines()?.inputConditioner?.steps;
 * ```
 */
import type { BoundEngines, EnginePool } from '../runtime/engine-pool.js';

export function tapEnginePool(pool: EnginePool, wrap: (engines: BoundEngines) => BoundEngines = (engines) => engines) {
  let engines: BoundEngines | undefined;
  const tapped: EnginePool = {
    config: pool.config,
    runtime: pool.runtime,
    get warm() {
      return pool.warm;
    },
    warmUp: () => pool.warmUp(),
    prepared: () => pool.prepared(),
    async bind(binding) {
      engines = wrap(await pool.bind(binding));
      return engines;
    },
  };
  return { pool: tapped, engines: () => engines };
}
