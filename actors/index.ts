import type { SessionActorDeps } from './deps.js';
import { createLlmActor } from './llm.js';
import { createPlaybackActor } from './playback.js';
import { createSttActor } from './stt.js';
import { createTtsActor } from './tts.js';
import { createVadActor } from './vad.js';

export * from './deps.js';
export * from './inputs.js';
export * from './clause-chunker.js';
export * from './vad-segmenter.js';
export { createVadActor, createSttActor, createLlmActor, createTtsActor, createPlaybackActor };

/** The five stage actors of one session, ready for `sessionMachine.provide({ actors })`. */
export function createSessionActors(deps: SessionActorDeps) {
  return {
    vad: createVadActor(deps),
    stt: createSttActor(deps),
    llm: createLlmActor(deps),
    tts: createTtsActor(deps),
    playback: createPlaybackActor(deps),
  };
}
