/**
 * The echo closed loop's simulated time and air (echo-loop.ts): each 20 ms step moves the simulated clock
 * on, waits for the engines' work in flight (their real time is not the session's), and sends the session
 * one microphone frame — what its speaker played, through the current room, plus the user's voice, over
 * a quiet room's noise floor. It keeps when the user was talking, and changes the room only once nothing
 * the speaker played is still in the air.
 *
 * @example
 * ```ts
 * const timeline = createLoopTimeline({ clock, session, inFlight, rateHz: 16_000, rooms });
 * const endsAt = timeline.speak(samples);
 * await timeline.runUntil(() => timeline.now() > endsAt && idle(), 10_000);
 * ```
 */
import type { EchoPath } from './echo-path.js';
import type { ManualClock } from '../adapters/testing/manual-clock.js';
import { settleInFlight } from '../runtime/engines-in-flight.js';
import type { LoopSession } from './echo-loop-sessions.js';

const FRAME_MS = 20;
/** Why 60 dB below full scale: a quiet room and a microphone's self-noise; digital silence is unrealistic. */
const NOISE_FLOOR = 32768 * 10 ** (-60 / 20);
/** Why 1 s after the user's last sample: the VAD's hangover (600 ms) and the barge-in decision after it. */
const BUSY_AFTER_MS = 1000;

export interface LoopTimelineOptions {
  clock: ManualClock;
  session: LoopSession;
  /** The engines' work in flight (runtime/engines-in-flight.ts). */
  inFlight: Set<Promise<unknown>>;
  /** The client's rate, microphone and speaker. */
  rateHz: number;
  /** The rooms the loop moves through; the first is the room at the start. */
  rooms: readonly EchoPath[];
}

export interface LoopTimeline {
  /** Simulated ms since the loop began. */
  now(): number;
  /** Steps until `done` or `limitMs` have passed. */
  runUntil(done: () => boolean, limitMs: number): Promise<void>;
  /** The user starts saying `samples` (client rate) now; returns when they end (ms). */
  speak(samples: Int16Array): number;
  /** Whether the user was silent at `atMs` (their speech and the VAD's hangover after it). */
  userSilentAt(atMs: number): boolean;
  /** Moves to `next` once nothing the speaker played is still in the air (of either room). */
  nextRoom(next: EchoPath): Promise<void>;
  /** The input conditioner's CPU per microphone frame so far, µs. */
  conditionerMicrosPerFrame(): number;
}

/** Why 10 s: the longest a command's turn takes (speech, hangover, a two-second reply) with margin. */
export const TURN_LIMIT_MS = 10_000;

export function createLoopTimeline({ clock, session, inFlight, rateHz, rooms }: LoopTimelineOptions): LoopTimeline {
  const frameSamples = (rateHz * FRAME_MS) / 1000;
  /** The user's utterances on the sample timeline, and the spans the user was talking (with the VAD's hangover). */
  const userSpeech: Array<{ start: number; samples: Int16Array }> = [];
  const userBusy: Array<[number, number]> = [];
  let now = 0;
  let noise = 12345;
  let room = rooms[0]!;
  const conditioner = { micros: 0, frames: 0 };
  session.onConditioned((micros) => {
    conditioner.micros += micros;
    conditioner.frames++;
  });
  /** What the microphone hears over the frame that ends now: the room's echo, the user, the noise floor. */
  const micFrame = () => {
    const start = (now - FRAME_MS) * (rateHz / 1000);
    const mic = room.render(session.played, start, frameSamples);
    for (const u of userSpeech) {
      const from = Math.max(start, u.start);
      const to = Math.min(start + frameSamples, u.start + u.samples.length);
      for (let i = from; i < to; i++) mic[i - start] = mic[i - start]! + u.samples[i - u.start]!;
    }
    const frame = new Int16Array(frameSamples);
    for (let i = 0; i < frameSamples; i++) {
      noise = (Math.imul(noise, 1664525) + 1013904223) >>> 0;
      const floor = NOISE_FLOOR * ((noise / 0x1_0000_0000) * 2 - 1);
      frame[i] = Math.max(-32768, Math.min(32767, Math.round(mic[i]! + floor)));
    }
    return frame;
  };
  const step = async () => {
    now += FRAME_MS;
    await clock.advanceTo(now);
    // Engines in flight finish before time moves on (their real time is not the session's).
    await settleInFlight(inFlight, clock, now);
    session.pushMic(micFrame());
  };
  const runUntil = async (done: () => boolean, limitMs: number) => {
    const deadline = now + limitMs;
    while (!done() && now < deadline) await step();
  };
  return {
    now: () => now,
    runUntil,
    speak(samples) {
      userSpeech.push({ start: now * (rateHz / 1000), samples });
      userBusy.push([now, now + (samples.length / rateHz) * 1000 + BUSY_AFTER_MS]);
      return now + (samples.length / rateHz) * 1000;
    },
    userSilentAt: (atMs) => userBusy.every(([from, to]) => atMs < from || atMs > to),
    // The agent is silent: the device may re-buffer, and the next reply's delay may differ.
    async nextRoom(next) {
      if (next === room) return;
      const span = Math.max(next.maxLag, room.maxLag) + frameSamples;
      await runUntil(() => session.played(now * (rateHz / 1000) - span, span).every((x) => x === 0), TURN_LIMIT_MS);
      room = next;
    },
    conditionerMicrosPerFrame: () => (conditioner.frames > 0 ? conditioner.micros / conditioner.frames : 0),
  };
}
