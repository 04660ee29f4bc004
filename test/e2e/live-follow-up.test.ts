/**
 * `voice-agent live` in the virtual room (100 ms loopback, echo cancellation on): the user talks over the
 * robot's spoken outcome. After "go to the kitchen" (answered "yes" if the robot asks), "turn left" is
 * played into the room the moment the navigation ends, as the robot starts "Arrived at the kitchen.". The
 * outcome must be cut for the user in every trial, and their words heard — a turn of their own — in two of three.
 *
 * The room's loopback resamples with a drifting clock, which keeps the echo filter under the suppressor's
 * "converged" (docs/echo.md): this is the path the loudness test of the echo suppressor exists for. Skipped
 * only when the PulseAudio binaries are missing; retried twice, as the room test.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FOLLOW_UP_LINES, talkOverFollowUps } from '../../sim/live-follow-up.js';
import { spawnLive, usePulseRoom, writeUserRecordings } from '../support/live-room-setup.js';
import { pulseMissing } from '../../sim/pulse-room.js';

/** Why 60 s: tsx, the engines' warm-up and a loaded two-core machine; it is ready in ~5 s. */
const READY_TIMEOUT_MS = 60_000;
/** Why 300 ms of silence around each line: it puts "turn left" ~0.2–0.4 s into the outcome, as the bench does. */
const PAD_MS = 300;
const TRIALS = 3;
/**
 * Why 2 of 3: a trial is heard about five times in six here (the recognizer misses a "turn left" that the
 * echo step passed whole now and then); before the suppressor's loudness test none were (0 of 3).
 */
const HEARD_AT_LEAST = 2;
/**
 * Commands before the trials, as the live bench gives six: in a fresh session the recognizer rejected the
 * first follow-up's "turn left" though the echo step passed it whole (4 runs of 4), and heard it after.
 */
const WARM_UP = ['turn right', 'turn left'];
/** Why 30 s: a command's turn takes ~4 s (speech, hangover, reply and outcome); the rest is a stalled machine. */
const TURN_TIMEOUT_MS = 30_000;

const missing = pulseMissing();

describe.skipIf(missing)(
  `voice-agent live, the user over the robot's outcome${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const room = usePulseRoom({ echoDelayMs: 100 });

    it(
      '"turn left" said as the robot starts "Arrived at the kitchen." ' + 'cuts the outcome every trial, and is heard',
      { timeout: 180_000, retry: 2 },
      async () => {
        const warmUp = await writeUserRecordings(room().dir, WARM_UP, 'command', PAD_MS);
        const recordings = await writeUserRecordings(room().dir, FOLLOW_UP_LINES, 'follow-up', PAD_MS);
        const { child, out, stderr, exited } = spawnLive(room(), [
          '--timeline',
          join(room().dir, 'live.timeline.json'),
        ]);
        const progress: string[] = [];
        try {
          await out.waitFor((lines) => lines.some((l) => l.startsWith('live on ')), READY_TIMEOUT_MS, 'the ready line');
          for (const [i, file] of warmUp.entries()) {
            // Two lines per command: the reply, then the simulated robot's outcome (`Turned right.`).
            const before = out.seen.filter((l) => l.startsWith('agent: ')).length;
            await room().play(file);
            await out.waitFor(
              (lines) => lines.filter((l) => l.startsWith('agent: ')).length >= before + 2,
              TURN_TIMEOUT_MS,
              `the outcome of "${WARM_UP[i]}"`,
            );
          }
          const row = await talkOverFollowUps({
            room: room(),
            seen: out.seen,
            lastLineAt: out.lastLineAtMs,
            recordings,
            trials: TRIALS,
            progress: (line) => progress.push(line),
          });
          console.log(`live follow-up: ${JSON.stringify(row)}\n${progress.join('\n')}`);
          expect(row.trials, progress.join('\n')).toBe(TRIALS);
          expect(row.cut, progress.join('\n')).toBe(TRIALS);
          expect(row.heard, progress.join('\n')).toBeGreaterThanOrEqual(HEARD_AT_LEAST);
        } finally {
          child.kill('SIGINT');
        }
        expect(await exited, stderr()).toBe(0);
      },
    );
  },
);
