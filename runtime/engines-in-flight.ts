/**
 * Engines wrapped so a loop on the simulated clock can wait for their work in flight before it moves time
 * on (their real time is not the session's): a TTS engine's synthesis, and a recognizer whose streams are
 * each one decode of audio already heard.
 *
 * @example
 * ```ts
 * const inFlight = new Set<Promise<unknown>>();
 * const engines = trackedEngines(await pool.bind(…), inFlight);
 * // … after each simulated step:
 * await settleInFlight(inFlight, clock, nowMs);
 * ```
 */
import type { KeywordEngine } from '../adapters/keyword/index.js';
import type { ManualClock } from '../adapters/testing/manual-clock.js';
import type { SttEngine } from '../adapters/stt/types.js';
import type { TtsEngine } from '../adapters/tts/types.js';
import type { BoundEngines } from './engine-pool.js';

/** `promise`, kept in `inFlight` until it settles. */
export function trackIn<T>(inFlight: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> {
  inFlight.add(promise);
  void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
  return promise;
}

/**
 * `source` with each step kept in `inFlight` until it settles; `beforeFirst`, when given, runs on the first step
 * before it is handed on (a re-run holds an engine's first answer until the session got it).
 */
export function trackedIterable<T>(
  source: AsyncIterable<T>,
  inFlight: Set<Promise<unknown>>,
  beforeFirst?: (step: IteratorResult<T>) => Promise<void> | undefined,
): AsyncIterable<T> {
  const inner = source[Symbol.asyncIterator]();
  const first = { pending: beforeFirst !== undefined };
  return {
    [Symbol.asyncIterator]() {
      return {
        next() {
          const step = trackIn(inFlight, inner.next());
          if (!first.pending) return step;
          first.pending = false;
          return step.then(async (result) => (await beforeFirst?.(result), result));
        },
        return: inner.return ? (value?: unknown) => inner.return!(value) : undefined,
      } as AsyncIterator<T>;
    },
  };
}

/** Wraps a TTS engine so the loop can wait for its work in flight before moving simulated time. */
export function tracked(engine: TtsEngine, inFlight: Set<Promise<unknown>>): TtsEngine {
  return {
    ...engine,
    name: engine.name,
    sampleRateHz: engine.sampleRateHz,
    synthesize: (request) => trackedIterable(engine.synthesize(request), inFlight),
  };
}

/**
 * Wraps a recognizer whose every stream is one decode of audio already heard (the stop check at a pause),
 * so the loop can wait for it: in flight from its stream's creation to its final, its abort, or a push
 * that threw.
 */
export function trackedDecodes(engine: SttEngine, inFlight: Set<Promise<unknown>>): SttEngine {
  return {
    ...engine,
    name: engine.name,
    createStream(options) {
      const inner = engine.createStream(options);
      let resolveDecode = () => {};
      const decode = new Promise<void>((resolve) => (resolveDecode = resolve));
      // The utterance's signal outlives its pause decodes: each one's listener goes with it, not at the abort.
      const done = () => {
        options.signal.removeEventListener('abort', done);
        resolveDecode();
      };
      inFlight.add(decode);
      void decode.then(() => inFlight.delete(decode));
      if (options.signal.aborted) done();
      else options.signal.addEventListener('abort', done, { once: true });
      return {
        ...inner,
        push: (audio) => {
          try {
            inner.push(audio);
          } catch (error) {
            // A failed decode is over too: nothing must wait for it.
            done();
            throw error;
          }
        },
        finish: () => inner.finish().finally(done),
      };
    },
  };
}

/** Wraps the learned heads' engine so each block's scoring is tracked until its spottings are told. */
export function trackedKeywords(engine: KeywordEngine, inFlight: Set<Promise<unknown>>): KeywordEngine {
  return {
    ...engine,
    heads: engine.heads,
    sampleRateHz: engine.sampleRateHz,
    open() {
      const inner = engine.open();
      return {
        push(samples) {
          const scored = inner.push(samples);
          // Past the listener's own continuation: its spottings are published before the loop moves on.
          trackIn(
            inFlight,
            scored.then(() => new Promise<void>((resolve) => setImmediate(resolve))),
          );
          return scored;
        },
        ...(inner.close ? { close: () => inner.close!() } : {}),
      };
    },
  };
}

/**
 * A session's engines with the work that runs as real time allows tracked: every TTS engine's synthesis, the learned
 * heads' scoring, and the stop check's decodes where it decodes only at pauses (stop-transcripts.ts: each in slices
 * between macrotasks), so whether a stop comes in time does not depend on how busy the machine is.
 */
export function trackedEngines(engines: BoundEngines, inFlight: Set<Promise<unknown>>): BoundEngines {
  return {
    ...engines,
    tts: engines.tts.map((tts) => tracked(tts, inFlight)),
    ...(engines.learned
      ? { learned: { ...engines.learned, engine: trackedKeywords(engines.learned.engine, inFlight) } }
      : {}),
    ...(engines.stopStt && engines.stopSttPausesOnly ? { stopStt: trackedDecodes(engines.stopStt, inFlight) } : {}),
  };
}

/** Waits for every engine's work in flight, letting the clock run what it starts at `nowMs` (not beyond). */
export async function settleInFlight(
  inFlight: Set<Promise<unknown>>,
  clock: ManualClock,
  nowMs: number,
): Promise<void> {
  while (inFlight.size > 0) {
    await Promise.allSettled([...inFlight]);
    await clock.advanceTo(nowMs);
  }
}
