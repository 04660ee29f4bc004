/**
 * This machine's sound server, through its own command-line clients: PulseAudio, or PipeWire's pulse
 * server (the same `pactl`, `parec` and `pacat` talk to both), else plain ALSA (`arecord`, `aplay`).
 * {@link detectSoundServer} says which one answers; {@link listDevices} lists its inputs and outputs;
 * {@link resolveDevices} checks a chosen input and output against them, with errors that name the fix.
 *
 * `pactl -f json` (PulseAudio ≥ 16, pipewire-pulse) gives names and descriptions; older `pactl` falls back
 * to `pactl list short`. ALSA devices come from `arecord -l` / `aplay -l` as `hw:CARD,DEVICE`.
 *
 * @example
 * ```ts
 * const server = await detectSoundServer();
 * const devices = await listDevices(server);
 * const { input, output } = resolveDevices(server, devices, { input: 'room.monitor' });
 * ```
 */
import { execFile } from 'node:child_process';
import { z } from 'zod';

export type SoundServerKind = 'pulse' | 'alsa';

export interface SoundServer {
  kind: SoundServerKind;
  /** `pactl info`'s server name and version (`pulseaudio 16.1`, `PulseAudio (on PipeWire 1.0.5) 15.0.0`), or `ALSA`. */
  name: string;
  defaultInput?: string;
  defaultOutput?: string;
}

export interface AudioDevice {
  /** What `--input` / `--output` take: a pulse source or sink name, or an ALSA `hw:CARD,DEVICE`. */
  name: string;
  description: string;
  /** A pulse source that records what a sink plays (`<sink>.monitor`). */
  monitor?: boolean;
}

export interface DeviceList {
  inputs: AudioDevice[];
  outputs: AudioDevice[];
}

/** A sound-server problem the user can fix; the message says how. */
export class SoundServerError extends Error {
  override name = 'SoundServerError';
}

/** Why 5 s: `pactl` answers in milliseconds; a server that takes longer is not serving. */
const COMMAND_TIMEOUT_MS = 5000;

export const NO_SOUND_SERVER_HINT =
  'start PulseAudio or PipeWire (`pulseaudio --start`, or `systemctl --user start pipewire-pulse`; set ' +
  'PULSE_SERVER for a remote one) or pass --input hw:CARD,DEVICE --output hw:CARD,DEVICE for plain ALSA ' +
  '(`voice-agent devices` lists them)';

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a client; rejects with its stderr (or ENOENT) on failure. */
export function runClient(command: string, args: string[], timeoutMs = COMMAND_TIMEOUT_MS): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, maxBuffer: 8 * 2 ** 20, env: { ...process.env, LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stderr: String(stderr) }));
        else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const field = (text: string, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1]?.trim();

/**
 * The sound server that answers: pulse when `pactl info` succeeds, else ALSA when `arecord` and `aplay`
 * exist; throws {@link SoundServerError} naming the fix when neither does.
 */
export async function detectSoundServer(): Promise<SoundServer> {
  let pulseFailure: string;
  try {
    const { stdout } = await runClient('pactl', ['info']);
    const name = `${field(stdout, 'Server Name') ?? 'pulse'} ${field(stdout, 'Server Version') ?? ''}`.trim();
    const defaultInput = field(stdout, 'Default Source');
    const defaultOutput = field(stdout, 'Default Sink');
    return {
      kind: 'pulse',
      name,
      ...(defaultInput ? { defaultInput } : {}),
      ...(defaultOutput ? { defaultOutput } : {}),
    };
  } catch (error) {
    pulseFailure =
      (error as { code?: string }).code === 'ENOENT'
        ? 'pactl is not installed'
        : `pactl info failed: ${firstLine((error as { stderr?: string }).stderr) || (error as Error).message}`;
  }
  if ((await hasCommand('arecord')) && (await hasCommand('aplay'))) return { kind: 'alsa', name: 'ALSA' };
  throw new SoundServerError(
    `no sound server answers (${pulseFailure}; arecord/aplay are not installed either): ${NO_SOUND_SERVER_HINT}`,
  );
}

async function hasCommand(command: string): Promise<boolean> {
  try {
    await runClient(command, ['--version']);
    return true;
  } catch (error) {
    return (error as { code?: string }).code !== 'ENOENT';
  }
}

const firstLine = (text: string | undefined) => (text ?? '').trim().split('\n')[0] ?? '';

const PactlDeviceSchema = z.array(
  z
    .object({ name: z.string(), description: z.string().optional(), monitor_of_sink: z.string().optional() })
    .passthrough(),
);

/** Inputs and outputs of the sound server. */
export async function listDevices(server: SoundServer): Promise<DeviceList> {
  if (server.kind === 'alsa') {
    const [capture, playback] = await Promise.all([
      runClient('arecord', ['-l']).catch(() => ({ stdout: '' })),
      runClient('aplay', ['-l']).catch(() => ({ stdout: '' })),
    ]);
    return { inputs: parseAlsaList(capture.stdout), outputs: parseAlsaList(playback.stdout) };
  }
  const [inputs, outputs] = await Promise.all([pulseDevices('sources'), pulseDevices('sinks')]);
  return { inputs, outputs };
}

async function pulseDevices(kind: 'sources' | 'sinks'): Promise<AudioDevice[]> {
  try {
    const { stdout } = await runClient('pactl', ['-f', 'json', 'list', kind]);
    return PactlDeviceSchema.parse(JSON.parse(stdout)).map((d) => ({
      name: d.name,
      description: d.description ?? d.name,
      ...(kind === 'sources' &&
      (d.name.endsWith('.monitor') || (d.monitor_of_sink !== undefined && d.monitor_of_sink !== 'n/a'))
        ? { monitor: true }
        : {}),
    }));
  } catch {
    // pactl before 16 has no JSON output: `list short` gives index, name, driver, format, state.
    const { stdout } = await runClient('pactl', ['list', 'short', kind]);
    return parsePactlShort(stdout, kind);
  }
}

/** Parses `pactl list short sources|sinks`. */
export function parsePactlShort(text: string, kind: 'sources' | 'sinks'): AudioDevice[] {
  return text
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((cols) => cols.length >= 2 && cols[1])
    .map((cols) => ({
      name: cols[1]!,
      description: `${cols[2] ?? ''} ${cols[3] ?? ''}`.trim(),
      ...(kind === 'sources' && cols[1]!.endsWith('.monitor') ? { monitor: true } : {}),
    }));
}

/** Parses `arecord -l` / `aplay -l`: `card 0: PCH [HDA Intel PCH], device 0: ALC257 Analog [ALC257 Analog]`. */
export function parseAlsaList(text: string): AudioDevice[] {
  const devices: AudioDevice[] = [];
  for (const match of text.matchAll(/^card (\d+): (\S+) \[([^\]]*)\], device (\d+): [^[]*\[([^\]]*)\]/gm)) {
    const [, card, id, cardName, device, deviceName] = match;
    devices.push({
      name: `hw:${id},${device}`,
      description: `${cardName} — ${deviceName} (card ${card}, device ${device})`,
    });
  }
  return devices;
}

export interface ResolvedDevices {
  /** The input to record from (a pulse source, an ALSA device); `undefined`: the server's default. */
  input: string | undefined;
  output: string | undefined;
}

/** Whether an ALSA device name is one `arecord -D` / `aplay -D` takes whatever the card list says. */
const isAlsaName = (name: string) =>
  /^(plug)?hw:|^(default|sysdefault|plughw|dmix|dsnoop|pulse|pipewire)(:|$)/.test(name);

/**
 * Checks `--input` / `--output` against the server's devices. A name the server does not know fails with
 * the known ones listed; on ALSA, names such as `default` or `plughw:1,0` pass as they are.
 */
export function resolveDevices(
  server: SoundServer,
  devices: DeviceList,
  wanted: { input?: string; output?: string },
): ResolvedDevices {
  const check = (name: string | undefined, known: AudioDevice[], what: 'input' | 'output') => {
    if (name === undefined) return undefined;
    if (known.some((d) => d.name === name)) return name;
    if (server.kind === 'alsa' && isAlsaName(name)) return name;
    const list = known.length > 0 ? known.map((d) => d.name).join(', ') : 'none';
    throw new SoundServerError(
      `unknown ${what} device "${name}" on ${server.name}: use one of ${list} (\`voice-agent devices\` describes ` +
        `them), or leave --${what} out for the default`,
    );
  };
  return {
    input: check(wanted.input, devices.inputs, 'input'),
    output: check(wanted.output, devices.outputs, 'output'),
  };
}

/**
 * Turns a client's failure output into an error that names the fix: a busy device, a device that went
 * away, a server that stopped answering.
 */
export function clientFailure(
  command: string,
  device: string | undefined,
  stderr: string,
  code: number | null,
): SoundServerError {
  const what = device ? `"${device}"` : 'the default device';
  const said = stderr
    .split(/[\r\n]+/)
    // The clients colour their messages with ANSI escapes (ESC, a control character, on purpose).
    // eslint-disable-next-line no-control-regex
    .map((l) => l.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim())
    .filter((l) => l && !l.startsWith('Time:'))
    .slice(-2)
    .join('; ');
  if (/busy/i.test(stderr)) {
    return new SoundServerError(
      `${what} is busy (${command}: ${said}): another program holds it — close it (\`fuser -v /dev/snd/*\` shows ` +
        `which), or go through the sound server instead of hw:`,
    );
  }
  if (/no such entity|no such (file|device)|not found/i.test(stderr))
    return new SoundServerError(
      `${command} cannot open ${what} (${said}): \`voice-agent devices\` lists the devices there are`,
    );
  if (/connection (refused|failure)|access denied/i.test(stderr))
    return new SoundServerError(`${command} cannot reach the sound server (${said}): ${NO_SOUND_SERVER_HINT}`);
  return new SoundServerError(`${command} on ${what} exited with code ${code ?? 'signal'}${said ? ` (${said})` : ''}`);
}
