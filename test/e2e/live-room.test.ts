/**
 * `voice-agent live` in a virtual room on a real PulseAudio daemon (sim/pulse-room.ts): the
 * agent's microphone is the room's monitor, its speaker comes back into the room 100 ms later through
 * `module-loopback`, and a user (flite's `slt` voice; the agent speaks with `kal16`) gives three commands
 * played into the room with `paplay`. The agent must answer every command, as said, and never cut its
 * own reply short on its own voice; Ctrl-C must end it with the timeline written.
 *
 * Skipped only when the PulseAudio binaries are missing; retried twice (see the test).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pulseMissing } from '../../sim/pulse-room.js';
import { spawnLive, usePulseRoom, writeSpacedRecording, writeUserRecordings } from '../support/live-room-setup.js';

const COMMANDS = ['turn left', 'move forward two meters', 'go to the kitchen'];
/** Said 3.5 s apart whatever the robot does: "turn left" comes while the answer to the time still plays. */
const OVER_REPLY = ['hello robot', 'what time is it', 'turn left', 'go to the kitchen'];
const OVER_REPLY_EVERY_MS = 3500;
/**
 * Why 6 s: longer than any pause between an answer and the action's outcome, shorter than the confirmation's timeout.
 */
const QUIET_AFTER_LAST_MS = 6000;
/** Why 60 s: tsx, the engines' warm-up and a loaded two-core machine; it is ready in ~5 s. */
const READY_TIMEOUT_MS = 60_000;
/**
 * Why 30 s: a command's turn takes ~4 s (speech, hangover, reply) and its action up to 8 s (a navigation); the rest is
 * a stalled machine.
 */
const TURN_TIMEOUT_MS = 30_000;
/** Why 1.5 s: after a reply, long enough for a late echo to start a false turn that the timeline would show. */
const QUIET_AFTER_REPLY_MS = 1500;

const missing = pulseMissing();

describe.skipIf(missing)(`voice-agent live in a virtual room${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const room = usePulseRoom({ echoDelayMs: 100 });

  it(
    'answers every command played into the room, never interrupting itself on its own echo; Ctrl-C writes the timeline',
    { timeout: 120_000, retry: 2 },
    async () => {
      const files = await writeUserRecordings(room().dir, COMMANDS);
      const timelineFile = join(room().dir, 'live.timeline.json');
      const { child, out, stderr, exited } = spawnLive(room(), ['--timeline', timelineFile]);
      try {
        await out.waitFor((lines) => lines.some((l) => l.startsWith('live on ')), READY_TIMEOUT_MS, 'the ready line');
        expect(out.seen.find((l) => l.startsWith('live on '))).toContain('echo cancellation on');
        for (const [i, file] of files.entries()) {
          // Two lines per command: the reply, then the simulated robot's outcome (`Turned left.`).
          const before = out.seen.filter((l) => l.startsWith('agent: ')).length;
          await room().play(file);
          await out.waitFor(
            (lines) => lines.filter((l) => l.startsWith('agent: ')).length >= before + 2,
            TURN_TIMEOUT_MS,
            `the reply and outcome of "${COMMANDS[i]}"`,
          );
          await new Promise((r) => setTimeout(r, QUIET_AFTER_REPLY_MS));
        }
      } finally {
        child.kill('SIGINT');
      }
      expect(await exited, stderr()).toBe(0);
      const timeline = JSON.parse(readFileSync(timelineFile, 'utf8')) as {
        input: string;
        turns: Array<{
          userText?: string;
          outcome?: string;
          reason?: string;
          firstAudioAtMs?: number;
          echoHalfDuplex?: Array<{ durationMs: number }>;
        }>;
        soundServer: { playbackLatencyMs: number; echoShiftMs: number; underruns: number };
      };
      const summary = timeline.turns
        .map((t) => `${t.userText ?? '(no text)'} → ${t.outcome ?? '-'}${t.reason ? ` (${t.reason})` : ''}`)
        .join('; ');
      const halfDuplexMs = timeline.turns.flatMap((t) => t.echoHalfDuplex ?? []).map((span) => span.durationMs);
      console.log(
        `live room: ${summary}; sound server ${JSON.stringify(timeline.soundServer)}; half duplex ` +
          `${JSON.stringify(halfDuplexMs)} ms\n${out.seen.join('\n')}`,
      );
      expect(timeline.input).toBe('room.monitor');
      // Every command heard as said, each answered to the end (and its action's outcome too): no turn of
      // its own echo, no reply cut short.
      expect(
        timeline.turns.filter((t) => t.userText !== undefined).map((t) => t.userText),
        summary,
      ).toEqual(COMMANDS);
      expect(
        timeline.turns.map((t) => t.outcome).filter((o) => o !== 'finished'),
        summary,
      ).toEqual([]);
      expect(out.seen.filter((l) => l.includes('(interrupted)'))).toEqual([]);
      // Why two retries: the room's timing is real and its machine shared, and about one single run in
      // fourteen fails (docs/live.md, *What the room test guards against*: a run of bursts of the filter's
      // lag that cuts a reply). A regression that makes the agent hear itself fails all three.
    },
  );

  it(
    'four commands 3.5 s apart, one said over a reply: that reply cut by the user, every utterance answered, no ' +
      'emergency stop nobody said',
    { timeout: 120_000, retry: 2 },
    async () => {
      const file = join(room().dir, 'over-reply.wav');
      await writeSpacedRecording(OVER_REPLY, file, OVER_REPLY_EVERY_MS);
      const timelineFile = join(room().dir, 'over-reply.timeline.json');
      const { child, out, stderr, exited } = spawnLive(room(), ['--timeline', timelineFile]);
      try {
        await out.waitFor((lines) => lines.some((l) => l.startsWith('live on ')), READY_TIMEOUT_MS, 'the ready line');
        await room().play(file);
        // Done once the agent has said nothing new for a while (a confirmation question waits for its timeout).
        await out.waitFor(
          () => performance.now() - out.lastLineAtMs() > QUIET_AFTER_LAST_MS,
          TURN_TIMEOUT_MS,
          'the last answer',
        );
      } finally {
        child.kill('SIGINT');
      }
      expect(await exited, stderr()).toBe(0);
      const timeline = JSON.parse(readFileSync(timelineFile, 'utf8')) as {
        turns: Array<{ userText?: string; outcome?: string; reason?: string; firstAudioAtMs?: number }>;
      };
      const summary = timeline.turns
        .map((t) => `${t.userText ?? '(no text)'} → ${t.outcome ?? '-'}${t.reason ? ` (${t.reason})` : ''}`)
        .join('; ');
      console.log(`live room, commands over replies: ${summary}\n${out.seen.join('\n')}`);
      const said = timeline.turns.filter((t) => t.userText !== undefined).map((t) => t.userText);
      expect(said.slice(0, 2), summary).toEqual(OVER_REPLY.slice(0, 2));
      // The answer to the time is cut by the user's next command, never by an emergency stop nobody said.
      expect(timeline.turns.find((t) => t.userText === OVER_REPLY[1])?.reason, summary).toBe('barge_in');
      expect(
        timeline.turns.filter((t) => t.reason === 'estop'),
        summary,
      ).toEqual([]);
      // Every utterance has an answer: the command, a confirmation question, or a re-prompt.
      expect(
        timeline.turns.filter((t) => t.firstAudioAtMs === undefined),
        summary,
      ).toEqual([]);
    },
  );
});
