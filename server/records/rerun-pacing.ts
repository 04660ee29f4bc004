/**
 * How a faithful re-run paces the session's engines on its simulated clock: engines compute while the
 * clock stands still, and each answer is held until the time the session got it (a recognizer final by
 * its turn, an LLM start by its order, a TTS segment by its text); a remote LLM's replies are the
 * recorded ones. faithful-rerun.ts drives the clock with {@link advance} and {@link settle}.
 *
 * @example
 * ```ts
 * const inFlight = new Set<Promise<unknown>>();
 * const hold = answerHold(material, clock);
 * const engines = pacedEngines(bound, { material, remoteLlm, inFlight, hold, utteranceTurn });
 * await advance(inFlight, clock, clock.now() + 20);
 * ```
 */
import { replayedFeedConditioner } from '../../adapters/audio/conditioner-feed.js';
import type { LlmEngine } from '../../adapters/llm/types.js';
import type { SttEngine } from '../../adapters/stt/types.js';
import type { ManualClock } from '../../adapters/testing/manual-clock.js';
import type { TtsEngine } from '../../adapters/tts/types.js';
import type { BoundEngines } from '../../runtime/engine-pool.js';
import { trackedDecodes, trackedIterable, trackedKeywords, trackIn } from '../../runtime/engines-in-flight.js';
import type { RerunMaterial } from './rerun-material.js';

/**
 * Holds an engine's answer until the session got it: a final by its turn, a TTS segment by its text, an LLM start by
 * its order.
 */
export type Held = (kind: 'stt' | 'llm' | 'tts', key?: string) => Promise<void>;

/** Waits for engine work in flight, letting the clock run what falls due up to now. */
export async function settle(inFlight: Set<Promise<unknown>>, clock: ManualClock): Promise<void> {
  await clock.advanceTo(clock.now());
  while (inFlight.size > 0) {
    await Promise.allSettled([...inFlight]);
    await clock.advanceTo(clock.now());
  }
}

/**
 * Moves the clock to `targetMs` one due timer at a time, waiting for the engine work each one starts before the next.
 */
export async function advance(inFlight: Set<Promise<unknown>>, clock: ManualClock, targetMs: number): Promise<void> {
  await settle(inFlight, clock);
  for (;;) {
    const due = clock.nextDueMs();
    if (due === undefined || due > targetMs) break;
    await clock.advanceTo(due);
    await settle(inFlight, clock);
  }
  await clock.advanceTo(targetMs);
  await settle(inFlight, clock);
}

/** `turn()`: the utterance a stream opened now belongs to (the last `vad.speech_start`'s). */
function pacedStt(
  engine: SttEngine,
  inFlight: Set<Promise<unknown>>,
  hold: Held,
  turn: () => string | undefined,
): SttEngine {
  return {
    ...engine,
    name: engine.name,
    createStream(options) {
      const inner = engine.createStream(options);
      const turnId = turn();
      return {
        ...inner,
        push: (audio) => inner.push(audio),
        finish: async () => {
          const result = await trackIn(inFlight, inner.finish());
          await hold('stt', turnId);
          return result;
        },
      };
    },
  };
}

function pacedTts(engine: TtsEngine, inFlight: Set<Promise<unknown>>, hold: Held): TtsEngine {
  return {
    ...engine,
    name: engine.name,
    sampleRateHz: engine.sampleRateHz,
    synthesize: (request) =>
      trackedIterable(engine.synthesize(request), inFlight, (step) =>
        step.done ? undefined : hold('tts', request.text),
      ),
  };
}

function pacedLlm(engine: LlmEngine, inFlight: Set<Promise<unknown>>, hold: Held): LlmEngine {
  return {
    ...engine,
    name: engine.name,
    stream: (request) => trackedIterable(engine.stream(request), inFlight, () => hold('llm')),
  };
}

/** A remote LLM's replies as recorded: the k-th request gets the k-th reply (its tool calls, then its text). */
function recordedLlm(material: RerunMaterial): LlmEngine {
  const replies: Array<Array<string | { callId: string; name: string; arguments: string }>> = [];
  let current: (typeof replies)[number] = [];
  for (const { message } of material.inputs) {
    if (message.type === 'llm.tool_call')
      current.push({
        callId: String(message.callId),
        name: String(message.name),
        arguments: String(message.arguments),
      });
    else if (message.type === 'llm.done' || message.type === 'llm.error') {
      if (message.type === 'llm.done' && typeof message.text === 'string' && message.text.length > 0)
        current.push(message.text);
      replies.push(current);
      current = [];
    }
  }
  let next = 0;
  return {
    name: 'recorded',
    async *stream() {
      const reply = replies[next++] ?? [];
      for (const delta of reply) yield delta as never;
    },
  };
}

/**
 * Holds each engine's answer until the session got it, in order (a TTS segment's by its text). A final
 * by its turn: an utterance the session finalized without the engine (no audio) or dropped before its
 * final must not shift the others onto another turn's time, and a final the session never got is held
 * for good.
 */
export function answerHold(material: RerunMaterial, clock: ManualClock): Held {
  const origin = material.originMs;
  const llmTimes: number[] = [];
  const keyed: Array<{ kind: 'stt' | 'tts'; atMs: number; key: string; used: boolean }> = [];
  for (const [kind, atMs, key] of material.answers) {
    if (kind === 'llm') llmTimes.push(origin + atMs);
    else keyed.push({ kind, atMs: origin + atMs, key, used: false });
  }
  let llmCount = 0;
  return (kind, key) => {
    let due: number | undefined;
    if (kind === 'llm') due = llmTimes[llmCount++];
    else {
      const found = keyed.find((t) => !t.used && t.kind === kind && t.key === key);
      if (found) found.used = true;
      due = found?.atMs;
    }
    // A final the session never got (its turn ended while the recognizer decoded) never comes in the re-run.
    if (kind === 'stt' && due === undefined) return new Promise<void>(() => undefined);
    if (due === undefined || due <= clock.now()) return Promise.resolve();
    return new Promise((resolve) => clock.setTimeout(resolve, due - clock.now()));
  };
}

const mapChains = <T, U>(chains: Readonly<Record<string, T>>, f: (chain: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(chains).map(([k, chain]) => [k, f(chain)]));

/** What the engines are wrapped with: the answers held, the work in flight tracked, the utterance's turn. */
export interface Pacing {
  readonly material: RerunMaterial;
  readonly remoteLlm: boolean;
  readonly inFlight: Set<Promise<unknown>>;
  readonly hold: Held;
  readonly utteranceTurn: () => string | undefined;
}

/**
 * The session's engines, paced: a remote LLM replaced by its recorded replies; `live`: the conditioner
 * given the session's capture stamps.
 */
export function pacedEngines(bound: BoundEngines, pacing: Pacing): BoundEngines {
  const { material, inFlight, hold } = pacing;
  const feed = material.conditioner;
  const pacedChain = (chain: readonly TtsEngine[]) => chain.map((t) => pacedTts(t, inFlight, hold));
  return {
    ...bound,
    ...(feed && bound.inputConditioner
      ? { inputConditioner: replayedFeedConditioner(feed, bound.inputConditioner) }
      : {}),
    stt: pacedStt(bound.stt, inFlight, hold, pacing.utteranceTurn),
    llm: pacedLlm(pacing.remoteLlm ? recordedLlm(material) : bound.llm, inFlight, hold),
    tts: pacedChain(bound.tts),
    ...(bound.ttsByLanguage ? { ttsByLanguage: mapChains(bound.ttsByLanguage, pacedChain) } : {}),
    ...(bound.stopStt ? { stopStt: trackedDecodes(bound.stopStt, inFlight) } : {}),
    ...(bound.learned
      ? { learned: { ...bound.learned, engine: trackedKeywords(bound.learned.engine, inFlight) } }
      : {}),
  };
}
