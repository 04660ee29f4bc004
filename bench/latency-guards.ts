/**
 * Benchmarks of the latency guards: a slow memory service must not delay the first token by more than
 * its budget; a TTS engine that misses its first-chunk deadline hands over to the backup quickly; a
 * cached phrase starts playing at once. Real time, fakes, in-process bus.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../adapters/clock.js';
import { createHttpMemory } from '../adapters/memory/http-memory.js';
import { createFakeLlm, createFakeStt, createFakeTts, createFakeVad } from '../adapters/testing/index.js';
import { createPhraseCache } from '../adapters/tts/phrase-cache.js';
import type { TtsEngine } from '../adapters/tts/types.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import type { SessionConfigInput } from '../machines/config.js';
import { assembleSession, givenEngines } from '../runtime/assemble-session.js';
import type { SessionHandle } from '../runtime/session-host.js';
import { createBenchSink } from './sink.js';
import { summarize, type Percentiles } from './stats.js';
import { DialogState } from '../machines/states.js';

const RATE = 16_000;

export interface GuardRow {
  scenario: 'memory' | 'failover' | 'phrase';
  samples: number;
  measuredMs: Percentiles;
  targetMs: number;
  what: string;
}

async function withSession(
  options: { tts: TtsEngine[]; config?: SessionConfigInput; memoryUrl?: string; memoryBudgetMs?: number },
  body: (s: {
    session: SessionHandle;
    seen: Array<BusMessage & { seenAtMs: number }>;
    firstFrameAt: () => number | undefined;
  }) => Promise<void>,
) {
  const bus = createMessageBus(createMemoryTransport(), { clock: systemClock });
  let firstFrameAtMs: number | undefined;
  const sink = createBenchSink(systemClock, RATE, 20, {
    onWrite: (_turn, atMs) => void (firstFrameAtMs ??= atMs),
    onClear: () => undefined,
  });
  const fakes = givenEngines({
    vad: createFakeVad(),
    stt: createFakeStt({ clock: systemClock, transcripts: [] }),
    llm: createFakeLlm({ clock: systemClock, reply: 'Here you are.', firstTokenDelayMs: 0, tokenIntervalMs: 5 }),
    tts: options.tts,
    ...(options.memoryUrl ? { memory: createHttpMemory({ url: options.memoryUrl, timeoutMs: 5000 }) } : {}),
  });
  const { session } = await assembleSession(fakes, {
    sessionId: 'guard',
    bus,
    clock: systemClock,
    sink,
    config: options.config ?? {},
    pipeline: { memoryBudgetMs: options.memoryBudgetMs ?? 150 },
  });
  const seen: Array<BusMessage & { seenAtMs: number }> = [];
  bus.subscribe(
    bus.subjects.forSession('guard'),
    (m) => void (m.type !== 'tts.chunk' && seen.push({ ...m, seenAtMs: performance.now() })),
  );
  try {
    await body({
      session,
      seen,
      firstFrameAt: () => {
        const at = firstFrameAtMs;
        firstFrameAtMs = undefined;
        return at;
      },
    });
  } finally {
    await session.stop();
  }
}

const waitFor = async (predicate: () => boolean) => {
  for (let i = 0; i < 2000 && !predicate(); i++) await sleep(2);
};

/** Memory service answering after 2 s; first token measured from the reply's start (its LLM request). */
export async function benchMemoryBudget(samples: number): Promise<GuardRow> {
  const server = createServer(
    (req, res) => void setTimeout(() => res.end(JSON.stringify({ results: ['late fact'] })), 2000),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/search`;
  const times: number[] = [];
  await withSession(
    { tts: [createFakeTts({ clock: systemClock, sampleRateHz: RATE, latencyMs: 10, msPerWord: 20 })], memoryUrl: url },
    async ({ session, seen }) => {
      for (let i = 0; i < samples; i++) {
        const from = seen.length;
        session.sendText(`question number ${i}`);
        await waitFor(() => seen.slice(from).some((m) => m.type === 'llm.started'));
        const started = seen.slice(from).find((m) => m.type === 'llm.started') as Extract<
          BusMessage,
          { type: 'llm.started' }
        >;
        times.push(started.firstTokenMs);
        await waitFor(() => session.matches(DialogState.idle));
      }
    },
  );
  server.closeAllConnections();
  server.close();
  return {
    scenario: 'memory',
    samples,
    measuredMs: summarize(times),
    targetMs: 155,
    what: 'reply start → first token, memory service takes 2 s, budget 150 ms',
  };
}

/** Primary TTS never answers; the session's first-chunk deadline (300 ms here) fails over to the backup. */
export async function benchFailover(samples: number): Promise<GuardRow> {
  const times: number[] = [];
  const hang = createFakeTts({ clock: systemClock, sampleRateHz: RATE, fail: 'hang', name: 'primary' });
  const backup = createFakeTts({
    clock: systemClock,
    sampleRateHz: RATE,
    latencyMs: 50,
    msPerWord: 40,
    name: 'backup',
  });
  await withSession(
    { tts: [hang, backup], config: { timeouts: { ttsFirstChunkMs: 300 } } },
    async ({ session, seen }) => {
      for (let i = 0; i < samples; i++) {
        const from = seen.length;
        session.sendText('say something');
        await waitFor(() => seen.slice(from).some((m) => m.type === 'playback.started' || m.type === 'tts.error'));
        const fallback = seen.slice(from).find((m) => m.type === 'tts.fallback');
        const audio = seen.slice(from).find((m) => m.type === 'playback.started');
        if (fallback && audio) times.push(audio.seenAtMs - fallback.seenAtMs);
        await waitFor(() => session.matches(DialogState.idle));
      }
    },
  );
  return {
    scenario: 'failover',
    samples,
    measuredMs: summarize(times),
    targetMs: 120,
    what: 'deadline miss (tts.fallback) → backup first frame, backup latency 50 ms',
  };
}

/** A phrase synthesized at start-up: SAY → first frame handed to the sink. */
export async function benchPhraseCache(samples: number): Promise<GuardRow> {
  const times: number[] = [];
  const engine = createPhraseCache(
    createFakeTts({ clock: systemClock, sampleRateHz: RATE, latencyMs: 80, msPerWord: 40 }),
    { phrases: ['Okay, on my way.'] },
  );
  await engine.warmUp();
  await withSession({ tts: [engine] }, async ({ session, firstFrameAt }) => {
    for (let i = 0; i < samples; i++) {
      firstFrameAt();
      const sentAt = performance.now();
      session.say('Okay, on my way.');
      let at: number | undefined;
      await waitFor(() => (at = firstFrameAt()) !== undefined);
      if (at !== undefined) times.push(at - sentAt);
      await waitFor(() => session.matches(DialogState.idle));
    }
  });
  return {
    scenario: 'phrase',
    samples,
    measuredMs: summarize(times),
    targetMs: 5,
    what: 'SAY of a cached phrase → first frame at the sink',
  };
}
