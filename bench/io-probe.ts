/**
 * How long a client's message waits for this event loop. A second process sends a small message every
 * 5 ms over TCP to an echo server in this process and times each round trip on its own. Loop lag
 * (`monitorEventLoopDelay`) samples once per loop iteration, so a 300 ms stall is one sample among
 * hundreds of 1 ms ones and its p99 can stay low while clients wait; here a stall delays every message
 * sent during it, so the p99 is the wait a client actually sees.
 *
 * @example
 * ```ts
 * const probe = await startIoProbe();
 * probe.start();
 * // … the load to measure
 * const ioWaitMs = await probe.stop(); // { p50, p99 } in ms
 * await probe.close();
 * ```
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { summarize, type Percentiles } from './stats.js';

/** Why 5 ms: four probes per 20 ms audio frame, fine enough to see a stall of one frame. */
const PROBE_EVERY_MS = 5;

type ProbeReply = { type: 'ready' } | { type: 'samples'; rttMs: number[] };

export interface IoProbe {
  /** Starts keeping round trips. */
  start(): void;
  /** Stops keeping them; their p50 / p99 in ms. */
  stop(): Promise<Percentiles>;
  close(): Promise<void>;
}

export async function startIoProbe(): Promise<IoProbe> {
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  // The same loader as this process (tsx from a checkout), so the child runs this very file.
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--io-probe-child', String(port)], {
    execArgv: process.execArgv.filter((a) => a !== '--expose-gc' && !a.startsWith('--cpu-prof')),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () => new Promise<ProbeReply>((resolve) => child.once('message', (m) => resolve(m as ProbeReply)));
  await next();
  return {
    start: () => child.send('start'),
    async stop() {
      const reply = next();
      child.send('stop');
      const got = await reply;
      return summarize(got.type === 'samples' ? got.rttMs : []);
    },
    async close() {
      child.kill();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The child: pings the echo server and keeps the round trips between `start` and `stop`. */
function runProbeChild(port: number): void {
  const sentAt = new Map<number, number>();
  let seq = 0;
  let keeping = false;
  let rttMs: number[] = [];
  let pending = '';
  const socket = connect(port, '127.0.0.1', () => {
    socket.setNoDelay(true);
    setInterval(() => {
      sentAt.set(seq, performance.now());
      socket.write(`${seq++}\n`);
    }, PROBE_EVERY_MS);
    process.send!({ type: 'ready' } satisfies ProbeReply);
  });
  socket.on('data', (data) => {
    pending += data.toString('latin1');
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const n = Number(pending.slice(0, end));
      pending = pending.slice(end + 1);
      const at = sentAt.get(n);
      sentAt.delete(n);
      if (keeping && at !== undefined) rttMs.push(performance.now() - at);
    }
  });
  socket.on('error', () => process.exit(1));
  process.on('message', (m) => {
    if (m === 'start') {
      rttMs = [];
      keeping = true;
    } else if (m === 'stop') {
      keeping = false;
      // Messages still unanswered have waited at least this long: leaving them out would hide a stall
      // at the end of the window.
      const now = performance.now();
      for (const sent of sentAt.values()) rttMs.push(now - sent);
      sentAt.clear();
      process.send!({ type: 'samples', rttMs } satisfies ProbeReply);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

const at = process.argv.indexOf('--io-probe-child');
if (at >= 0 && process.send) runProbeChild(Number(process.argv[at + 1]));
