/**
 * What the `voice-agent live` tests share: a virtual room per test file (pulse-room.ts) started before its
 * tests and stopped after, the user's command as flite's `slt` voice says it into a WAV file,
 * `voice-agent live` on the room's devices, and the agent's printed lines as they come.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { startPulseRoom, type PulseRoom, type PulseRoomOptions } from './pulse-room.js';

export { writeUserRecording, writeUserRecordings } from './user-recording.js';

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

/** The agent's stdout, line by line (`seen`, growing), when the last came, and a wait for a line that matches. */
export function agentLines(child: ChildProcessWithoutNullStreams) {
  const seen: string[] = [];
  let lastLineAtMs = 0;
  let buffer = '';
  const waiters: Array<{ test: (l: string) => boolean; resolve: () => void }> = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    buffer += text;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    for (const line of parts) {
      seen.push(line);
      lastLineAtMs = performance.now();
      for (const w of waiters.splice(0)) {
        if (w.test(line)) w.resolve();
        else waiters.push(w);
      }
    }
  });
  return {
    seen,
    /** `performance.now()` when the last line came (0 before any). */
    lastLineAtMs: () => lastLineAtMs,
    waitFor(test: (line: string) => boolean, timeoutMs: number, what: string) {
      const from = seen.length;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms; agent said:\n${seen.join('\n')}`)), timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        if (seen.slice(from).some(test)) return done();
        waiters.push({ test, resolve: done });
      });
    },
  };
}

/**
 * `voice-agent live` on the room's microphone (`room.monitor`) and speaker (`agent`), `args` after those:
 * its printed lines, what it wrote to stderr, and its exit code once it ends (Ctrl-C: `child.kill('SIGINT')`).
 */
export function spawnLive(room: PulseRoom, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', 'live', '--input', 'room.monitor', '--output', 'agent', ...args], {
    env: { ...room.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, out: agentLines(child), stderr: () => stderr, exited };
}
