/**
 * A microphone or a speaker of this machine as a child process of the sound server's own clients: raw
 * s16le mono at the session's rate, with a small buffer — `parec` / `pacat` on a pulse server
 * (PulseAudio, PipeWire), `arecord` / `aplay` on plain ALSA.
 *
 * Latency: the pulse clients run with `-v`, which prints the stream's latency as the server reports it
 * (`pa_stream_get_latency`: what is buffered in the server plus the device's own latency) every 50 ms on
 * stderr; {@link AudioStream.latencyMs} is the median of the recent reports. ALSA's clients report none,
 * so it is the buffer asked for (`--buffer-time`), an upper bound.
 *
 * @example
 * ```ts
 * const mic = await openCapture(server, {
 *   device: 'room.monitor',
 *   sampleRateHz: 16_000,
 *   latencyMs: 20,
 *   onData: (chunk) => push(chunk),
 * });
 * const speaker = await openPlayback(server, { device: 'agent', sampleRateHz: 16_000, latencyMs: 60 });
 * speaker.write(frame);
 * await Promise.all([mic.close(), speaker.close()]);
 * ```
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { clientFailure, NO_SOUND_SERVER_HINT, SoundServerError, type SoundServer } from './sound-server.js';

export interface StreamOptions {
  /** Pulse source/sink name or ALSA device; `undefined`: the server's default. */
  device?: string;
  sampleRateHz: number;
  /** The buffer asked of the server (`--latency-msec`, ALSA `--buffer-time`). */
  latencyMs: number;
}

export interface AudioStream {
  readonly command: string;
  /** Median of the server's recent latency reports (ms); the buffer asked for where none come. */
  latencyMs(): number;
  /**
   * Playback: the least of the recent (audio written − the stream's playing position) — everything queued
   * between this process and the speaker: the client's pipe, the server's buffer, the device. Pulse's
   * `pa_stream_get_time` ("Time:" in `pacat -v`'s reports); ALSA: the buffer asked for.
   */
  queuedMs(): number;
  /** Playback buffer underruns the client reported ("Stream underrun"). */
  readonly underruns: number;
  /** Resolves with the failure when the client exits on its own (device gone, server stopped). */
  readonly failed: Promise<SoundServerError>;
  /** Ends the client (SIGTERM) and waits for it. */
  close(): Promise<void>;
}

export type CaptureStream = AudioStream;

export interface PlaybackStream extends AudioStream {
  /** Queues audio for the device (s16le mono at the stream's rate). */
  write(audio: Uint8Array): void;
}

/** Why 25 reports: about 1.2 s of pulse's 50 ms reports, enough for the median to ignore a burst. */
const LATENCY_REPORTS = 25;
/** Why 300 ms: `aplay`/`arecord` fail on a busy or unknown device within a few milliseconds. */
const ALSA_OPEN_MS = 300;
/** Why 5 s: a client connects in milliseconds; a server that takes longer is not serving. */
const START_TIMEOUT_MS = 5000;

function clientArgs(
  server: SoundServer,
  direction: 'capture' | 'playback',
  options: StreamOptions,
): { command: string; args: string[] } {
  const { device, sampleRateHz, latencyMs } = options;
  if (server.kind === 'pulse') {
    const name = direction === 'capture' ? 'microphone' : 'speaker';
    return {
      command: direction === 'capture' ? 'parec' : 'pacat',
      args: [
        '-v',
        '--raw',
        '--format=s16le',
        `--rate=${sampleRateHz}`,
        '--channels=1',
        `--latency-msec=${latencyMs}`,
        '--client-name=voice-agent',
        `--stream-name=${name}`,
        ...(device ? ['-d', device] : []),
      ],
    };
  }
  return {
    command: direction === 'capture' ? 'arecord' : 'aplay',
    args: [
      '-q',
      '-t',
      'raw',
      '-f',
      'S16_LE',
      '-c',
      '1',
      '-r',
      String(sampleRateHz),
      `--buffer-time=${latencyMs * 1000}`,
      ...(device ? ['-D', device] : []),
    ],
  };
}

function openStream(
  server: SoundServer,
  direction: 'capture' | 'playback',
  options: StreamOptions,
  onData?: (chunk: Uint8Array) => void,
) {
  const { command, args } = clientArgs(server, direction, options);
  const child: ChildProcessWithoutNullStreams = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const reports: number[] = [];
  const queued: number[] = [];
  let writtenMs = 0;
  let underruns = 0;
  let stderr = '';
  let closing = false;
  let connected = false;
  let onConnected: (() => void) | undefined;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    // Keep the tail only: the latency reports alone are ~1 kB/s.
    stderr = (stderr + text).slice(-4000);
    for (const match of text.matchAll(/Time: ([\d.]+) sec; Latency: (\d+) usec/g)) {
      reports.push(Number(match[2]) / 1000);
      if (reports.length > LATENCY_REPORTS) reports.shift();
      // Written but not yet played: everything between this process and the speaker (pipe, client, server, device).
      queued.push(writtenMs - Number(match[1]) * 1000);
      if (queued.length > LATENCY_REPORTS) queued.shift();
    }
    underruns += text.match(/Stream underrun/g)?.length ?? 0;
    if (!connected && /Connected to device|Stream started/.test(text)) {
      connected = true;
      onConnected?.();
    }
  });
  if (onData)
    child.stdout.on('data', (chunk: Buffer) =>
      onData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
    );
  else child.stdout.resume();
  // A closed pipe at the end (EPIPE) is the client's exit, reported through `failed`.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const failed = new Promise<SoundServerError>((resolve) => {
    child.on('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ENOENT'
          ? new SoundServerError(
              `${command} is not installed: apt-get install ` +
                `${server.kind === 'pulse' ? 'pulseaudio-utils' : 'alsa-utils'} (${NO_SOUND_SERVER_HINT})`,
            )
          : new SoundServerError(`${command}: ${error.message}`),
      ),
    );
    void exited.then((code) => {
      if (!closing) resolve(clientFailure(command, options.device, stderr, code));
    });
  });
  const started = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    // ALSA's clients say nothing when they open the device: one that is still running after a moment did.
    if (server.kind === 'alsa') setTimeout(resolve, ALSA_OPEN_MS).unref();
    void failed.then(reject);
    setTimeout(
      () =>
        reject(
          new SoundServerError(`${command} did not connect within ${START_TIMEOUT_MS} ms: ${NO_SOUND_SERVER_HINT}`),
        ),
      START_TIMEOUT_MS,
    ).unref();
  });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const stream: AudioStream = {
    command,
    latencyMs() {
      if (reports.length === 0) return server.kind === 'alsa' ? options.latencyMs : 0;
      return median(reports);
    },
    queuedMs() {
      if (queued.length === 0) return server.kind === 'alsa' ? options.latencyMs : 0;
      // The least of the recent values: a report read late by a busy event loop overstates the queue by
      // the delay (more was written meanwhile), never understates it.
      return Math.min(...queued);
    },
    get underruns() {
      return underruns;
    },
    failed,
    async close() {
      if (closing) return exited.then(() => undefined);
      closing = true;
      child.stdin.end();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
  const wrote = (bytes: number) => {
    writtenMs += (bytes / 2 / options.sampleRateHz) * 1000;
  };
  return { child, stream, started, wrote };
}

/** Starts recording; `onData` gets each chunk as the client delivers it. Rejects when the client cannot start. */
export async function openCapture(
  server: SoundServer,
  options: StreamOptions & { onData(chunk: Uint8Array): void },
): Promise<CaptureStream> {
  const { stream, started } = openStream(server, 'capture', options, options.onData);
  await startedOrClosed(stream, started);
  return stream;
}

/** Starts a playback stream. Rejects when the client cannot start (busy or unknown device, no server). */
export async function openPlayback(server: SoundServer, options: StreamOptions): Promise<PlaybackStream> {
  const { child, stream, started, wrote } = openStream(server, 'playback', options);
  await startedOrClosed(stream, started);
  return Object.assign(stream, {
    write(audio: Uint8Array) {
      if (!child.stdin.writable) return;
      child.stdin.write(audio);
      wrote(audio.byteLength);
    },
  });
}

async function startedOrClosed(stream: AudioStream, started: Promise<void>): Promise<void> {
  try {
    await started;
  } catch (error) {
    await stream.close();
    throw error;
  }
}
