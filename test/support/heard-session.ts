/**
 * A session as `serve` builds it from the application's configuration (the local stack: VAD →
 * pocketsphinx with the robot grammar → rule policy → declared actions → TTS), on the simulated clock,
 * with a microphone that takes whole recordings: each is pushed in 20 ms frames at the rate the client
 * claims, followed by silence, and the session is given the real time its recognizer needs (synthesis and
 * the stop check's decodes at pauses finish before simulated time moves on). What it
 * published — the transcripts, action requests, emergency stops, errors — is returned.
 *
 * @example
 * ```ts
 * const heard = await openHeardSession();
 * const seen = await heard.hear(samples, 16_000);
 * expect(seen.filter((m) => m.type === 'action.request')).toEqual([]);
 * await heard.close();
 * ```
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createRecordingSink } from '../../adapters/audio/recording-sink.js';
import { ManualClock } from '../../adapters/testing/manual-clock.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { loadConfig } from '../../runtime/config.js';
import { buildEngines } from '../../runtime/engine-pool.js';
import { startSession } from '../../runtime/session-host.js';
import { DialogState } from '../../machines/states.js';
import { settleInFlight, trackedEngines } from '../../runtime/engines-in-flight.js';

const FRAME_MS = 20;
/** Why 1.5 s of silence after each recording: past the VAD's hangover (600 ms) and the chart's end of turn. */
const TRAILING_SILENCE_MS = 1_500;
/**
 * Why 30 s: the longest reply the rule policy speaks (the re-prompt) plays in about 5 s; beyond that the session is
 * stuck.
 */
const SETTLE_LIMIT_MS = 30_000;
/**
 * Why 10 s of real time as well: a re-prompt synthesizes in tens of ms on a quiet machine; beyond 10 s the session is
 * stuck.
 */
const SETTLE_REAL_MS = 10_000;

export interface HeardSession {
  /**
   * Pushes `samples` as a client claiming `claimedRateHz` would, then silence; resolves once every
   * utterance has its final and the session, done answering, is idle again.
   */
  hear(samples: Int16Array, claimedRateHz: number): Promise<BusMessage[]>;
  /** The chart's state. */
  state(): string;
  close(): Promise<void>;
}

export async function openHeardSession(
  sessionId = 'heard',
  overrides: Record<string, unknown> = {},
): Promise<HeardSession> {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const pool = buildEngines(loadConfig({ overrides }), { clock });
  await pool.warmUp();
  const bound = await pool.bind({ sessionId, bus, sink: createRecordingSink(clock, 16_000), sinkKind: 'device' });
  // Synthesis and the stop check's decodes at pauses run as real time allows: time waits for them, so what
  // a recording is heard as (over a reply or not, a stop phrase at a pause or not) does not depend on how
  // busy the machine is.
  const inFlight = new Set<Promise<unknown>>();
  const engines = trackedEngines(bound, inFlight);
  const session = startSession({ sessionId, bus, clock, engines, ...pool.runtime });
  await session.ready();
  const seen: BusMessage[] = [];
  bus.subscribe(
    `va.${sessionId}.>`,
    (m) => void (m.type !== 'audio.frame' && m.type !== 'vad.audio' && m.type !== 'tts.chunk' && seen.push(m)),
  );
  let now = 0;
  const push = async (frame: Int16Array, rateHz: number) => {
    session.pushAudio(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength), rateHz);
    await clock.advanceTo((now += FRAME_MS));
    await settleInFlight(inFlight, clock, now);
  };
  /**
   * Utterances the VAD ended whose final (or error) has not come yet: the recognizer works in real time.
   * One the chart dropped has its recognition cancelled, and no final will come.
   */
  const pending = () => {
    const ended = seen.filter((m) => m.type === 'vad.speech_end').map((m) => m.turnId);
    const settled = (m: BusMessage) =>
      m.type === 'stt.final' ||
      m.type === 'stt.error' ||
      (m.type === 'session.notice' && m.code === 'utterance_dropped');
    const done = new Set(seen.filter(settled).map((m) => m.turnId));
    return ended.filter((t) => !done.has(t));
  };
  return {
    async hear(samples, claimedRateHz) {
      const from = seen.length;
      const frame = (claimedRateHz * FRAME_MS) / 1000;
      for (let i = 0; i < samples.length; i += frame) {
        const chunk = new Int16Array(frame);
        chunk.set(samples.subarray(i, i + frame));
        await push(chunk, claimedRateHz);
      }
      for (let t = 0; t < TRAILING_SILENCE_MS; t += FRAME_MS) await push(new Int16Array(frame), claimedRateHz);
      for (let waited = 0; pending().length > 0 && waited < 20_000; waited += 20) await sleep(20);
      // The chart and the rule policy answer the final on the bus; give them simulated time to act, and
      // to finish the reply, so that the next recording is not heard over it (a barge-in).
      for (let t = 0; t < 200; t += FRAME_MS) await push(new Int16Array(frame), claimedRateHz);
      // TTS runs in real time beside the simulated clock: on a loaded machine a reply can take longer than
      // the simulated bound in real time too, so both must pass before the session counts as stuck.
      const started = performance.now();
      for (
        let t = 0;
        !session.matches(DialogState.idle) && (t < SETTLE_LIMIT_MS || performance.now() - started < SETTLE_REAL_MS);
        t += FRAME_MS
      ) {
        await push(new Int16Array(frame), claimedRateHz);
        await sleep(1);
      }
      // The next recording would be heard over what the session is still doing: a fault of the session (or of
      // this wait), not of what the recording was made of.
      if (!session.matches(DialogState.idle))
        throw new Error(`heard-session: the session is still ${session.state()} after the recording and its answer`);
      return seen.slice(from);
    },
    state: () => session.state(),
    async close() {
      await session.stop();
      engines.release();
    },
  };
}
