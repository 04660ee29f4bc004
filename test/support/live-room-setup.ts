/**
 * What the `voice-agent live` tests share: a virtual room per test file (pulse-room.ts) started before its
 * tests and stopped after, the user's command as flite's `slt` voice says it into a WAV file,
 * `voice-agent live` on the room's devices, and the agent's printed lines as they come.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { startPulseRoom, type PulseRoom, type PulseRoomOptions } from '../../sim/pulse-room.js';
import { until } from './until.js';

export { writeSpacedRecording, writeUserRecording, writeUserRecordings } from '../../sim/user-recording.js';

/** Registers the room's start and stop on the enclosing `describe`; the getter holds it once started. */
export function usePulseRoom(options: PulseRoomOptions): () => PulseRoom {
  let room: PulseRoom | undefined;
  beforeAll(async () => {
    room = await startPulseRoom(options);
  }, 30_000);
  afterAll(async () => {
    await room?.stop();
  });
  return () => {
    if (!room) throw new Error('the virtual room has not started');
    return room;
  };
}

/**
 * The agent's stdout, line by line (`seen`, growing), when the last came, and a wait until the lines so far hold
 * something.
 */
export function agentLines(child: ChildProcessWithoutNullStreams) {
  const seen: string[] = [];
  let lastLineAtMs = 0;
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    buffer += text;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    seen.push(...parts);
    if (parts.length > 0) lastLineAtMs = performance.now();
  });
  return {
    seen,
    /** `performance.now()` when the last line came (0 before any). */
    lastLineAtMs: () => lastLineAtMs,
    /** Resolves once `check` holds of the lines so far; rejects after `timeoutMs` with what the agent said. */
    waitFor: (check: (lines: readonly string[]) => boolean, timeoutMs: number, what: string) =>
      until(what, () => check(seen), { timeoutMs, detail: () => `agent said:\n${seen.join('\n')}` }),
  };
}

/**
 * `voice-agent live` on the room's microphone (`room.monitor`) and speaker (`agent`), `args` after those:
 * its printed lines, what it wrote to stderr, and its exit code once it ends (Ctrl-C: `child.kill('SIGINT')`).
 */
export function spawnLive(room: PulseRoom, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/voice-agent.ts', 'live', '--input', 'room.monitor', '--output', 'agent', ...args],
    {
      env: { ...room.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, out: agentLines(child), stderr: () => stderr, exited };
}
