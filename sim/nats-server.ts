/**
 * Starts a throwaway nats-server for integration tests: its own free port, its own JetStream store dir,
 * so parallel test files never share state.
 *
 * @example
 * ```ts
 * const server = await startNatsServer();
 * const transport = await connectNatsTransport({ servers: server.url });
 * // ...
 * await transport.close();
 * await server.stop();
 * ```
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerHandle {
  url: string;
  port: number;
  /** The JetStream store directory. */
  storeDir: string;
  stop(): Promise<void>;
  /**
   * SIGKILL, as a crash would: no clean shutdown, the store dir stays. Start it again with
   * `startNatsServer({ port, storeDir })`: same address, same streams.
   */
  kill(): Promise<void>;
}

const HOST = '127.0.0.1';
/** Why this long: a cold start with JetStream on a loaded 2-core CI box can take a few seconds. */
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

function findBinary(): string {
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  const probe = spawnSync('nats-server', ['--version'], { stdio: 'ignore' });
  if (probe.error === undefined && probe.status === 0) return 'nats-server';
  throw new Error(
    'nats-server was not found in /usr/sbin or on PATH: install it with `apt-get install -y nats-server`.',
  );
}

/**
 * Asks the OS for a free port. Another process could grab it before nats-server binds; the ready check would then
 * report it.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export interface StartNatsServerOptions {
  /**
   * A nats-server configuration file (users, permissions). Its listen address, port and JetStream store
   * are still this test's own: command-line flags override the file.
   */
  configFile?: string;
  /** Environment for the server (a configuration may read passwords from `$VARIABLES`). */
  env?: Record<string, string>;
  /** Listen on this port (a restart after `kill`); default: a free one. */
  port?: number;
  /** Use this JetStream store dir and leave it in place on stop (the caller removes it); default: a fresh one. */
  storeDir?: string;
  /** Default true; false starts a server without JetStream (to test what needs it). */
  jetstream?: boolean;
}

export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServerHandle> {
  const binary = findBinary();
  const port = options.port ?? (await freePort());
  const ownStoreDir = options.storeDir === undefined;
  const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), 'va-nats-')));
  const args = [
    ...(options.configFile ? ['-c', options.configFile] : []),
    '-a',
    HOST,
    '-p',
    String(port),
    ...(options.jetstream === false ? [] : ['-js', '-sd', storeDir]),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...options.env } });

  // nats-server logs to stderr; keep the tail so a failed start explains itself.
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await waitForExit(child, STOP_TIMEOUT_MS);
      }
    }
    if (ownStoreDir) await rm(storeDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const exited = child.exitCode !== null || child.signalCode !== null;
    if (spawnError || exited) {
      await cleanup();
      const reason = spawnError
        ? `could not be spawned (${spawnError.message})`
        : `exited with ${child.exitCode ?? child.signalCode}`;
      throw new Error(`nats-server on port ${port} ${reason}. stderr:\n${stderr}`, { cause: spawnError });
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      await cleanup();
      throw new Error(
        `nats-server did not accept connections on ${HOST}:${port} within ${READY_TIMEOUT_MS} ms. ` +
          `stderr:\n${stderr}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopped: Promise<void> | undefined;
  return {
    url: `nats://${HOST}:${port}`,
    port,
    storeDir,
    stop: () => (stopped ??= cleanup()),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await waitForExit(child, STOP_TIMEOUT_MS);
      }
    },
  };
}
