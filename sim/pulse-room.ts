/**
 * A virtual room on a PulseAudio daemon of its own (unique runtime directory, so it never meets the
 * machine's or another test's): a null sink `room` whose monitor is the agent's microphone, a null sink
 * `agent` that is the agent's speaker, and `module-loopback` from the agent's speaker into the room with a
 * delay — the agent hears itself as a robot does. A user is a recording played into the room (`paplay -d
 * room`). Used by the live-room test and the mouth-to-ear bench.
 *
 * @example
 * ```ts
 * const room = await startPulseRoom({ echoDelayMs: 100 });
 * spawn('voice-agent', ['live', '--input', 'room.monitor', '--output', 'agent'], { env: room.env });
 * await room.play('command.wav');
 * await room.stop();
 * ```
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PulseRoom {
  /** The environment a client needs to reach this daemon (and only it). */
  env: NodeJS.ProcessEnv;
  dir: string;
  /** Plays a WAV file into the room; resolves when paplay has drained it. */
  play(file: string): Promise<void>;
  /** Runs `pactl` against the room's daemon. */
  pactl(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Why these binaries: the daemon, and its clients the agent and the test use. */
const NEEDED = ['pulseaudio', 'pactl', 'parec', 'pacat', 'paplay'];

/** Why it is missing, or `undefined` when every PulseAudio binary is installed. */
export function pulseMissing(): string | undefined {
  const missing = NEEDED.filter((command) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0);
  return missing.length > 0
    ? `${missing.join(', ')} not installed (bin/setup.sh --tests installs pulseaudio pulseaudio-utils)`
    : undefined;
}

const run = (command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 10_000) =>
  new Promise<string>((resolve, reject) =>
    execFile(command, args, { env, timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(String(stdout)),
    ),
  );

/** White noise at `db` dBFS RMS, 16 kHz s16le mono, `seconds` long (a fixed seed: the same room every run). */
function noiseFloor(db: number, seconds: number): Uint8Array {
  const samples = new Int16Array(16_000 * seconds);
  const rms = 32768 * 10 ** (db / 20);
  let seed = 0x2545f491;
  const uniform = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) + 0.5) / 2 ** 32;
  };
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.round(rms * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
  return new Uint8Array(samples.buffer);
}

export interface PulseRoomOptions {
  /** The echo path's delay (`module-loopback latency_msec`). */
  echoDelayMs?: number;
  /** The echo's level at the microphone; default: the loopback at 0 dB. */
  echoGainDb?: number;
  /**
   * A noise floor in dBFS (−60: a quiet room and a microphone's self-noise), played into the room all
   * along; default none: null sinks are digital silence. (With −60 dBFS the first command went
   * unrecognized in 2 of 8 runs on a loaded machine, to be looked into.)
   */
  noiseDb?: number;
}

export async function startPulseRoom(options: PulseRoomOptions = {}): Promise<PulseRoom> {
  const dir = mkdtempSync(join(tmpdir(), 'va-room-'));
  const env = roomEnv(dir);
  await startDaemon(env);
  const pactl = (args: string[]) => run('pactl', args, env);
  await waitForDaemon(pactl);
  await loadEchoPath(pactl, options);
  const noise = options.noiseDb !== undefined ? playNoiseFloor(dir, env, options.noiseDb) : undefined;
  return {
    env,
    dir,
    pactl,
    play: (file) => run('paplay', ['-d', 'room', file], env, 60_000).then(() => undefined),
    async stop() {
      try {
        if (noise?.pid) process.kill(-noise.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await run('pulseaudio', ['-k'], env).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The environment of a daemon that lives in `dir` alone (and never the machine's `PULSE_SERVER`). */
function roomEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_RUNTIME_DIR: dir,
    PULSE_RUNTIME_PATH: join(dir, 'pulse'),
    PULSE_STATE_PATH: join(dir, 'state'),
    PULSE_CONFIG_PATH: join(dir, 'config'),
    HOME: dir,
  };
  delete env.PULSE_SERVER;
  return env;
}

/** Starts the room's daemon with its two null sinks: `room` (the microphone's) and `agent` (the speaker). */
async function startDaemon(env: NodeJS.ProcessEnv): Promise<void> {
  const sink = (name: string, description: string) =>
    `module-null-sink sink_name=${name} rate=48000 channels=1 sink_properties=device.description=${description}`;
  // As root in a container, PulseAudio warns that it is not meant to run as root, and works.
  await run(
    'pulseaudio',
    [
      '-D',
      '--exit-idle-time=-1',
      '-n',
      '--log-target=stderr',
      '--load=module-native-protocol-unix',
      `--load=${sink('room', 'virtual-room')}`,
      `--load=${sink('agent', 'agent-speaker')}`,
    ],
    env,
  );
}

/** Waits until the daemon answers `pactl info`: 50 tries 100 ms apart, then its last error. */
async function waitForDaemon(pactl: (args: string[]) => Promise<string>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await pactl(['info']);
      return;
    } catch (error) {
      if (i >= 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The echo path: what the agent plays reaches its microphone `echoDelayMs` later, at `echoGainDb`. */
async function loadEchoPath(pactl: (args: string[]) => Promise<string>, options: PulseRoomOptions): Promise<void> {
  await pactl([
    'load-module',
    'module-loopback',
    'source=agent.monitor',
    'sink=room',
    `latency_msec=${options.echoDelayMs ?? 100}`,
    'source_dont_move=true',
    'sink_dont_move=true',
  ]);
  if (options.echoGainDb === undefined) return;
  // The loopback's stream into the room, at the echo's level (a robot's microphone hears its speaker at
  // about −6 dB).
  const inputs = await pactl(['list', 'short', 'sink-inputs']);
  const loopback = inputs
    .split('\n')
    .find((l) => l.includes('module-loopback'))
    ?.split('\t')[0];
  if (loopback === undefined) throw new Error(`no module-loopback stream in the room:\n${inputs}`);
  await pactl(['set-sink-input-volume', loopback, `${options.echoGainDb}dB`]);
}

/** The room's noise floor, played into it in a loop by a process group of its own (killed as one). */
function playNoiseFloor(dir: string, env: NodeJS.ProcessEnv, noiseDb: number): ReturnType<typeof spawn> {
  const noiseFile = join(dir, 'noise.raw');
  writeFileSync(noiseFile, noiseFloor(noiseDb, 5));
  return spawn(
    'sh',
    [
      '-c',
      `while :; do cat '${noiseFile}'; done | pacat --raw --format=s16le --rate=16000 --channels=1 ` +
        `--stream-name=room-noise -d room`,
    ],
    { env, stdio: 'ignore', detached: true },
  );
}
