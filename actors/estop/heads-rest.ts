/**
 * When a session's learned keyword heads hear: the speech embedding under them costs the same in quiet as
 * in speech, so after `REST_AFTER_MS` of a quiet microphone they rest, and at the next sound they hear the
 * last `LEAD_IN_MS` of that quiet first, then the sound. The heads' stream then holds fewer samples than
 * the microphone: each block's {@link HeadsRestStep.offsetMs} turns the stream's times back into the
 * microphone's.
 *
 * A pure state and a step, as the phone-loop spotter's rest (adapters/spotter/stream.ts).
 *
 * @example
 * ```ts
 * const rest = createHeadsRest(16);
 * const { push, offsetMs } = rest.hear(samples);
 * for (const piece of push) stream.push(piece); // a spotting's endMs + offsetMs: the microphone's time
 * ```
 */
import { energyOfDbfs, SPEECH_ACTIVE_DBFS } from '../../adapters/audio/levels.js';
import { ESTOP_TUNING, valuesOf } from './tuning.js';

const { REST_AFTER_MS, LEAD_IN_MS } = valuesOf(ESTOP_TUNING.learned);
const QUIET_ENERGY = energyOfDbfs(SPEECH_ACTIVE_DBFS);

export interface HeadsRestStep {
  /** What the heads hear now, in order: nothing while they rest; at a sound, the lead-in and then it. */
  push: Int16Array[];
  /** The microphone's time (ms) less the heads' stream's, for what `push` completes. */
  offsetMs: number;
}

export interface HeadsRest {
  hear(samples: Int16Array): HeadsRestStep;
  /** Whether the heads rest now. */
  readonly resting: boolean;
}

interface RestState {
  resting: boolean;
  quietMs: number;
  /** The microphone's audio so far, and what of it the heads' stream got (ms). */
  heardMs: number;
  streamMs: number;
  leadIn: Int16Array[];
  leadInMs: number;
}

const meanSquare = (samples: Int16Array) => {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return sum / Math.max(1, samples.length);
};

/** The rest of a microphone's heads; `samplesPerMs` is the heads' rate (16 at 16 kHz). */
export function createHeadsRest(samplesPerMs: number): HeadsRest {
  const state: RestState = { resting: false, quietMs: 0, heardMs: 0, streamMs: 0, leadIn: [], leadInMs: 0 };
  const msOf = (samples: Int16Array) => samples.length / samplesPerMs;
  return {
    get resting() {
      return state.resting;
    },
    hear(samples) {
      const ms = msOf(samples);
      const quiet = meanSquare(samples) < QUIET_ENERGY;
      state.quietMs = quiet ? state.quietMs + ms : 0;
      if (state.resting && quiet) {
        keepLeadIn(state, samples, ms, msOf);
        state.heardMs += ms;
        return { push: [], offsetMs: state.heardMs - state.streamMs };
      }
      // At a sound after a rest, the lead-in first: the quiet just before it, where the stream goes on from.
      const push = state.resting ? [...state.leadIn.splice(0), samples] : [samples];
      const offsetMs = state.heardMs - state.leadInMs - state.streamMs;
      state.streamMs += state.leadInMs + ms;
      state.heardMs += ms;
      state.leadInMs = 0;
      state.resting = state.quietMs >= REST_AFTER_MS;
      return { push, offsetMs };
    },
  };
}

/** Resting, a quiet block: kept as the lead-in, up to `LEAD_IN_MS` of it. */
function keepLeadIn(state: RestState, samples: Int16Array, ms: number, msOf: (s: Int16Array) => number): void {
  state.leadIn.push(samples);
  state.leadInMs += ms;
  while (state.leadIn.length > 1 && state.leadInMs - msOf(state.leadIn[0]!) >= LEAD_IN_MS)
    state.leadInMs -= msOf(state.leadIn.shift()!);
}
