/**
 * Property: every recorded session replays identically. N seeded random interleavings (the randomized
 * test's own generator: user speech, STT, LLM, TTS, playback, control events, time passing, late
 * messages of old turns) run on live sessions — the real session host, chart, stage actors and bus on
 * controlled fakes and a ManualClock — each recorded into an in-memory SQLite store and then replayed
 * on the bare chart: the state after every event, the notices and the history must all match.
 *
 * Reproduce a failure with `REPLAY_SEED=<seed> npx vitest run test/records/replay-property.test.ts`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  createSessionRecorder,
  formatReplay,
  openRecordStore,
  replayRecording,
  type SessionRecorder,
} from '../../server/records/index.js';
import { createLiveHarness } from '../support/live-session.js';
import { CONFIGS, pick, prng, randomInterleaving } from '../model/random-steps.js';

const INTERLEAVINGS = Number(process.env.REPLAY_INTERLEAVINGS ?? 1000);
const SEED = Number(process.env.REPLAY_SEED ?? 20_261_123);
/** Interleavings per recorded session: later ones start from wherever the earlier ones left the session. */
const PER_SESSION = 3;

const store = openRecordStore({ file: ':memory:' });
afterAll(() => store.close());

describe('record and replay', () => {
  it(`replays ${INTERLEAVINGS} seeded random interleavings identically`, async () => {
    const random = prng(SEED);
    let done = 0;
    let sessions = 0;
    let events = 0;
    let transitions = 0;
    const delayed = new Set<string>();
    while (done < INTERLEAVINGS) {
      let recorder: SessionRecorder | undefined;
      const h = await createLiveHarness({
        config: pick(random, CONFIGS),
        attach: ({ bus, clock }) => (recorder = createSessionRecorder(store, { bus, clock })).attach,
      });
      const trace: string[] = [];
      for (let i = 0; i < PER_SESSION && done < INTERLEAVINGS; i++, done++) {
        await randomInterleaving(h, random, trace);
        if (h.session.actor.getSnapshot().status !== 'active') break;
      }
      await h.end();
      recorder!.close('end');
      sessions++;

      const id = recorder!.recordingId!;
      const recording = store.recording(id);
      const recorded = store.events(id);
      // Recorded on a simulated clock: delayed events fire exactly on time, so no tolerance.
      const result = replayRecording({ recording, events: recorded, emitted: store.emitted(id) }, { toleranceMs: 0 });
      if (!result.identical)
        throw new Error(`seed ${SEED}, session ${sessions}:\n${formatReplay(result)}\nsteps: ${trace.join(' → ')}`);
      expect(result.events).toBe(recorded.length);
      events += result.events;
      transitions += result.transitions;
      for (const e of recorded) if (e.type.startsWith('xstate.after.')) delayed.add(e.type.split('.')[2]!);
    }
    console.log(
      `record/replay: ${done} interleavings in ${sessions} sessions, ${events} events, ${transitions} ` +
        `transitions, 100 % identical; delayed events seen: ${[...delayed].sort().join(', ')}`,
    );
    expect(sessions).toBeGreaterThan(0);
    // The chart's own timers are part of what is recorded and replayed, not only bus messages.
    expect(delayed.size).toBeGreaterThanOrEqual(4);
  }, 120_000);
});
