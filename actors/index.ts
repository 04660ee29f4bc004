import type { SessionActorDeps, SessionDepsResolver } from './deps.js';
import { createEstopActor } from './estop/index.js';
import { createLlmActor } from './llm.js';
import { createPlaybackActor } from './playback.js';
import { createSttActor } from './stt.js';
import { createTtsActor } from './tts.js';
import { createVadActor } from './vad.js';

export * from './deps.js';
export * from './inputs.js';
export * from './clause-chunker.js';
export * from './vad-segmenter.js';
export { createVadActor, createSttActor, createLlmActor, createTtsActor, createPlaybackActor, createEstopActor };
export { type EstopActorInput, createStopGate, endsWithStopPhrase, type StopGateOptions } from './estop/index.js';

/**
 * The stage actors and the emergency-stop watcher, ready for `sessionMachine.provide({ actors })`: of one session
 * (`deps`), or of every session whose deps `resolve` finds by the session's actor system (see {@link bindSessionDeps}).
 */
export function createSessionActors(deps: SessionActorDeps | SessionDepsResolver) {
  return {
    vad: createVadActor(deps),
    stt: createSttActor(deps),
    llm: createLlmActor(deps),
    tts: createTtsActor(deps),
    playback: createPlaybackActor(deps),
    estop: createEstopActor(deps),
  };
}

const depsBySystem = new WeakMap<object, SessionActorDeps>();

/**
 * Registers what a session's stage actors run on, by the session chart's actor system; the actors of
 * {@link sharedSessionActors} look them up there. Call it after `createActor` and before `start()`.
 *
 * @example
 * ```ts
 * const actor = createActor(sessionMachine.provide({ actors: sharedSessionActors }), { input });
 * bindSessionDeps(actor.system, { bus, clock, pipeline, ...engines });
 * actor.start();
 * ```
 */
export function bindSessionDeps(system: object, deps: SessionActorDeps): void {
  depsBySystem.set(system, deps);
}

/** The stage actors shared by every session: each finds its session's deps with {@link bindSessionDeps}. */
export const sharedSessionActors = createSessionActors((system) => {
  const deps = depsBySystem.get(system as object);
  if (!deps)
    throw new Error(
      'a stage actor started in a session without deps: call bindSessionDeps(actor.system, deps) before ' +
        'actor.start().',
    );
  return deps;
});
