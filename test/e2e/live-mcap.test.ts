/**
 * `voice-agent live --record-mcap DIR` in a virtual room on a real PulseAudio daemon
 * (sim/pulse-room.ts): a user (flite's `slt` voice) says "turn left" into the room; while the
 * session runs its MCAP file is there, and once Ctrl-C ends it the file opens with `@mcap/core`'s indexed
 * reader (through the project's reader), holds the turn as heard, the microphone, and replays as
 * identical (`voice-agent replay --mcap`).
 *
 * Skipped only when the PulseAudio binaries are missing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readMcapRecording } from '../../server/records/index.js';
import { pulseMissing } from '../../sim/pulse-room.js';
import { spawnLive, usePulseRoom, writeUserRecording } from '../support/live-room-setup.js';
import { until } from '../support/until.js';

const run = promisify(execFile);
/** Why 60 s: tsx, the engines' warm-up and a loaded two-core machine; it is ready in ~5 s. */
const READY_TIMEOUT_MS = 60_000;
/** Why 30 s: the turn takes ~4 s (speech, hangover, reply) and its action ~2 s; the rest is a stalled machine. */
const TURN_TIMEOUT_MS = 30_000;

const missing = pulseMissing();

describe.skipIf(missing)(`voice-agent live --record-mcap${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const room = usePulseRoom({ echoDelayMs: 100 });

  it(
    'writes the session as MCAP while it runs; after Ctrl-C the file holds the turn and replays ' + 'identically',
    async () => {
      const command = join(room().dir, 'command.wav');
      await writeUserRecording('turn left', command);
      const dir = join(room().dir, 'mcap');
      const { child, out, stderr, exited } = spawnLive(
        room(),
        ['--timeline', join(room().dir, 't.json'), '--record-mcap', dir],
        { VA_RECORD__AUDIO: 'true' },
      );
      const stdout = () => out.seen.join('\n');
      try {
        await until('the ready line', () => stdout().includes('live on '), {
          timeoutMs: READY_TIMEOUT_MS,
          detail: () => stdout() + stderr(),
        });
        await room().play(command);
        await out.waitFor(
          (lines) => lines.filter((l) => l.startsWith('agent: ')).length >= 2,
          TURN_TIMEOUT_MS,
          'the reply and the outcome',
        );
        // The file is written as the session runs.
        expect(existsSync(dir) && readdirSync(dir).filter((f) => f.endsWith('.mcap'))).toEqual([
          expect.stringMatching(/^live-[0-9a-f]{8}\.mcap$/),
        ]);
      } finally {
        child.kill('SIGINT');
      }
      expect(await exited, stderr()).toBe(0);
      const [name] = readdirSync(dir);
      const file = join(dir, name!);
      expect(stdout()).toContain(`the session as MCAP: ${file}`);
      const data = await readMcapRecording(file);
      expect(data.recording).toMatchObject({ sessionId: 'live', endReason: 'end', audio: true });
      expect(data.turns.filter((t) => t.userText !== undefined)).toMatchObject([
        { userText: 'turn left', outcome: 'finished' },
      ]);
      expect(data.audio.length).toBeGreaterThan(0);
      const replay = await run(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', 'replay', '--mcap', file], {
        timeout: 90_000,
      });
      expect(replay.stdout).toMatch(/^replay: \d+ events, \d+ transitions, identical/);
    },
    180_000,
  );
});
