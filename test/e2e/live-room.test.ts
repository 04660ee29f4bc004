/**
 * `voice-agent live` in a virtual room on a real PulseAudio daemon (test/support/pulse-room.ts): the
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
import { pulseMissing } from '../support/pulse-room.js';
import { spawnLive, usePulseRoom, writeSpacedRecording, writeUserRecordings } from '../support/live-room-setup.js';

const COMMANDS = ['turn left', 'move forward two meters', 'go to the kitchen'];
/** Said 3.5 s apart whatever the robot does: "turn left" comes while the answer to the time still plays. */
const OVER_REPLY = ['hello robot', 'what time is it', 'turn left', 'go to the kitchen'];
const OVER_REPLY_EVERY_MS = 3500;
/** Why 60 s: tsx, the engines' warm-up and a loaded two-core machine; it is ready in ~5 s. */
const READY_TIMEOUT_MS = 60_000;
/** Why 30 s: a command's turn takes ~4 s (speech, hangover, reply) and its action up to 8 s (a navigation); the rest is a stalled machine. */
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
        turns: Array<{ userText?: string; outcome?: string; reason?: string; firstAudioAtMs?: number; echoHalfDuplex?: Array<{ durationMs: number }> }>;
        soundServer: { playbackLatencyMs: number; echoShiftMs: number; underruns: number };
      };
      const summary = timeline.turns.map((t) => `${t.userText ?? '(no text)'} → ${t.outcome ?? '-'}${t.reason ? ` (${t.reason})` : ''}`).join('; ');
      const halfDuplexMs = timeline.turns.flatMap((t) => t.echoHalfDuplex ?? []).map((span) => span.durationMs);
      console.log(
        `live room: ${summary}; sound server ${JSON.stringify(timeline.soundServer)}; half duplex ${JSON.stringify(halfDuplexMs)} ms\n${out.seen.join('\n')}`,
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

  it('four commands 3.5 s apart, one said over a reply: each answered, and no emergency stop nobody said', { timeout: 120_000, retry: 2 }, async () => {
    const file = join(room().dir, 'over-reply.wav');
    await writeSpacedRecording(OVER_REPLY, file, OVER_REPLY_EVERY_MS);
    const timelineFile = join(room().dir, 'over-reply.timeline.json');
    const { child, out, stderr, exited } = spawnLive(room(), ['--timeline', timelineFile]);
    try {
      await out.waitFor((lines) => lines.some((l) => l.startsWith('live on ')), READY_TIMEOUT_MS, 'the ready line');
      await room().play(file);
      // The kitchen's reply and its outcome: the last of the turns.
      await out.waitFor((lines) => lines.some((l) => /^agent: .*kitchen/i.test(l)), TURN_TIMEOUT_MS, 'the answer to "go to the kitchen"');
      await new Promise((r) => setTimeout(r, QUIET_AFTER_REPLY_MS));
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited, stderr()).toBe(0);
    const timeline = JSON.parse(readFileSync(timelineFile, 'utf8')) as { turns: Array<{ userText?: string; outcome?: string; reason?: string }> };
    const summary = timeline.turns.map((t) => `${t.userText ?? '(no text)'} → ${t.outcome ?? '-'}${t.reason ? ` (${t.reason})` : ''}`).join('; ');
    console.log(`live room, commands over replies: ${summary}\n${out.seen.join('\n')}`);
    expect(
      timeline.turns.filter((t) => t.userText !== undefined).map((t) => t.userText),
      summary,
    ).toEqual(OVER_REPLY);
    expect(
      timeline.turns.filter((t) => t.reason === 'estop'),
      summary,
    ).toEqual([]);
  });
});
