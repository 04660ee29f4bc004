/**
 * Seeded randomized test: 10,000 random interleavings of user speech, STT, LLM, TTS, playback and
 * control events — plus time passing at random and late messages of old turns — on live sessions. The
 * invariants are checked after every step, and after every interleaving the world goes quiet (the
 * user stops, every stage finishes its work): the session must get back to `idle` on its own.
 *
 * Reproduce a failure with `RANDOM_SEED=<seed> npx vitest run test/model/random-interleavings.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import type { SessionConfigInput } from '../../machines/config.js';
import { createLiveHarness, type LiveHarness } from '../support/live-session.js';
import { BACKCHANNEL, FILLER_TEXT, proposals, type ModelSnapshot } from './stimuli.js';

const INTERLEAVINGS = Number(process.env.RANDOM_INTERLEAVINGS ?? 10_000);
const PER_SESSION = 50;
const STEPS = { min: 3, max: 12 };
const SEED = Number(process.env.RANDOM_SEED ?? 20_261_122);
const CONFIGS: SessionConfigInput[] = [
  {},
  { bargeIn: { minWords: 2 } },
  { bargeIn: { enabled: false } },
  { bargeIn: { minSpeechMs: 0 } },
  // Backchannels are ignorable, and a short false-interruption window closes mid-utterance.
  { bargeIn: { ignorableWords: [BACKCHANNEL], falseInterruptionMs: 700 } },
];

/** mulberry32: tiny, fast, good enough to spread interleavings; the same seed gives the same run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = ReturnType<typeof prng>;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Messages of turns that are over: the bus is asynchronous, so they do arrive late in production. */
function lateMessage(h: LiveHarness, random: Random) {
  const oldTurns = h.context().history.map((e) => e.turnId);
  if (oldTurns.length === 0) return;
  const turnId = pick(random, oldTurns);
  const common = { sessionId: 'live', turnId } as const;
  const message = pick(random, [
    { ...common, type: 'llm.clause', index: 0, text: 'stale clause.' },
    { ...common, type: 'llm.started', firstTokenMs: 1 },
    { ...common, type: 'tts.chunk', segmentIndex: 0, kind: 'reply', seq: 9, text: 'stale', sampleRateHz: 16_000, audio: new Uint8Array(640), final: true },
    { ...common, type: 'tts.first_chunk', segmentIndex: 0, kind: 'reply', engine: 'x', latencyMs: 1 },
    { ...common, type: 'playback.started', kind: 'reply' },
    { ...common, type: 'playback.finished', segments: [] },
    { ...common, type: 'stt.final', text: 'stale words' },
    { ...common, type: 'vad.speech_end', speechMs: 10 },
  ] as const);
  h.bus.publish(message as never);
}

async function randomStep(h: LiveHarness, random: Random, trace: string[]) {
  const roll = random();
  if (roll < 0.15) {
    const ms = pick(random, [1, 20, 120, 499, 501, 800, 1300, 2000]);
    trace.push(`advance ${ms}`);
    return h.advance(ms);
  }
  if (roll < 0.22) {
    trace.push('late message');
    lateMessage(h, random);
    return h.settle();
  }
  const options = proposals(h.session.actor.getSnapshot() as unknown as ModelSnapshot).filter(({ stimulus }) => !stimulus.id.startsWith('after:'));
  // END is rare so most interleavings exercise a living session.
  const chosen = pick(random, options.filter((o) => o.stimulus.id !== 'end' || random() < 0.05));
  if (!chosen) return;
  trace.push(chosen.stimulus.id);
  await chosen.stimulus.drive(h);
}

/** The world goes quiet: the user stops talking and every stage completes what it was asked. */
async function quiesce(h: LiveHarness): Promise<void> {
  if (h.session.actor.getSnapshot().status !== 'active') return;
  await h.speechEnd();
  for (let i = 0; i < 400; i++) {
    if (h.session.actor.getSnapshot().status !== 'active' || h.state().startsWith('idle')) return;
    await h.sttFinal('');
    await h.llmFinish();
    for (const r of h.activeTts()) {
      r.channel.push(new Uint8Array(r.text === FILLER_TEXT ? 640 : 3200));
      r.channel.close();
    }
    await h.settle();
    const next = h.clock.nextDueMs();
    if (next !== undefined) await h.clock.advanceTo(next);
    h.checkInvariants();
  }
}

describe('random interleavings', () => {
  it(`keeps the invariants and never wedges over ${INTERLEAVINGS} seeded interleavings`, async () => {
    const random = prng(SEED);
    let done = 0;
    let ended = 0;
    let resumed = 0;
    while (done < INTERLEAVINGS) {
      const h = await createLiveHarness({ config: pick(random, CONFIGS) });
      for (let i = 0; i < PER_SESSION && done < INTERLEAVINGS; i++, done++) {
        const trace: string[] = [];
        try {
          const steps = STEPS.min + Math.floor(random() * (STEPS.max - STEPS.min + 1));
          for (let s = 0; s < steps; s++) {
            await randomStep(h, random, trace);
            h.checkInvariants();
          }
          await quiesce(h);
          h.checkInvariants();
          const status = h.session.actor.getSnapshot().status;
          if (status === 'active') expect(h.state(), `wedged after: ${trace.join(' → ')}`).toMatch(/^idle\./);
        } catch (error) {
          throw new Error(`seed ${SEED}, interleaving ${done}: ${(error as Error).message}\nsteps: ${trace.join(' → ')}`);
        }
        if (h.session.actor.getSnapshot().status !== 'active') {
          ended++;
          break;
        }
      }
      resumed += h.messages.filter((m) => m.type === 'session.notice' && m.code === 'reply_resumed').length;
      await h.end();
    }
    console.log(`random interleavings: ${done} run (seed ${SEED}), ${ended} ended by END, ${resumed} replies resumed after a false interruption`);
    expect(done).toBe(INTERLEAVINGS);
    // The generator reaches the resume paths, not only the old ones.
    if (INTERLEAVINGS >= 1000) expect(resumed).toBeGreaterThan(0);
  }, 900_000);
});
