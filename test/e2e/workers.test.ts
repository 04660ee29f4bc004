/**
 * Engines in worker processes on a real nats-server: load is shared through the queue group, and a
 * worker killed mid-utterance is noticed (silence timeout) and the turn goes on through the TTS
 * failover path on the surviving worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../adapters/clock.js';
import { createRemoteLlm, createRemoteTts } from '../../adapters/remote/remote-engines.js';
import { createFakeStt, createFakeVad, createPacedSink } from '../../adapters/testing/index.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import { startSession } from '../../runtime/session-host.js';
import { waitFor } from '../bus/transport-contract.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';

/** Like waitFor, for a whole spoken turn (seconds of real-time audio). */
async function waitLong(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let server: NatsServerHandle;
let bus: MessageBus;
const children: ChildProcess[] = [];

/** Starts a worker process and resolves once it serves its queue group. */
function startWorkerProcess(
  stage: 'tts' | 'llm',
  msPerWord = 200,
): Promise<{ child: ChildProcess; id: string; output: string[] }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/worker-process.ts', stage, server.url, String(msPerWord)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${output.join('')}`)), 20_000);
    child.stderr!.on('data', (d) => output.push(String(d)));
    child.stdout!.on('data', (d: Buffer) => {
      output.push(String(d));
      const serving = String(d)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; workerId: string })
        .find((l) => l.msg === 'worker serving');
      if (serving) {
        clearTimeout(timer);
        resolve({ child, id: serving.workerId, output });
      }
    });
  });
}

beforeAll(async () => {
  server = await startNatsServer();
  bus = createMessageBus(await connectNatsTransport({ servers: server.url }), { clock: systemClock });
});

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

afterAll(async () => {
  await bus?.close();
  await server?.stop();
});

describe('workers on NATS', () => {
  it('two TTS workers share the load through the queue group', async () => {
    const [a, b] = await Promise.all([startWorkerProcess('tts', 20), startWorkerProcess('tts', 20)]);
    const tts = createRemoteTts({ bus, clock: systemClock, sessionId: 'load', sampleRateHz: 16_000 });
    for (let i = 0; i < 20; i++) {
      let bytes = 0;
      for await (const chunk of tts.synthesize({ text: `sentence number ${i}`, signal: new AbortController().signal }))
        bytes += chunk.byteLength;
      expect(bytes).toBe(3 * 20 * 32); // three words of 20 ms at 16 kHz
    }
    const served = (w: { output: string[] }) =>
      w.output
        .join('')
        .split('\n')
        .filter((l) => l.includes(' done in ')).length;
    // Worker logs arrive over a pipe, a moment after the replies.
    await waitFor(() => served(a) + served(b) === 20, 'all twenty requests logged as served');
    expect(served(a)).toBeGreaterThan(0);
    expect(served(b)).toBeGreaterThan(0);
  }, 60_000);

  it('a worker killed mid-utterance: the other takes the turn over through failover', async () => {
    const workers = await Promise.all([
      startWorkerProcess('tts', 100),
      startWorkerProcess('tts', 100),
      startWorkerProcess('llm'),
    ]);
    const remote = (name: string) =>
      createRemoteTts({
        bus,
        clock: systemClock,
        sessionId: 'kill',
        sampleRateHz: 16_000,
        name,
        silenceTimeoutMs: 600,
      });
    const session = startSession({
      sessionId: 'kill',
      bus,
      clock: systemClock,
      engines: {
        vad: createFakeVad(),
        stt: createFakeStt({ clock: systemClock, transcripts: [] }),
        llm: createRemoteLlm({ bus, clock: systemClock, sessionId: 'kill' }),
        tts: [remote('remote-a'), remote('remote-b')],
        sink: createPacedSink({ clock: systemClock, sampleRateHz: 16_000 }),
      },
    });
    const seen: BusMessage[] = [];
    bus.subscribe(bus.subjects.forSession('kill'), (m) => void (m.type !== 'tts.chunk' && seen.push(m)));
    await bus.flush();

    const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    session.say(`${long}. And this second one must still be spoken.`);
    await waitFor(() => seen.some((m) => m.type === 'playback.started'), 'first audio');
    // The worker speaking the first sentence dies without a word. Found by that sentence's request: the
    // second sentence is synthesized beside it, on either worker, and may not have finished yet.
    const first = seen.find(
      (m): m is Extract<BusMessage, { type: 'tts.request' }> => m.type === 'tts.request' && m.text.startsWith('word0'),
    );
    expect(first).toBeDefined();
    const serving = (w: { output: string[] }) => w.output.join('').includes(`tts.request ${first!.requestId} started`);
    await waitFor(() => workers.slice(0, 2).some(serving), 'the first sentence taken by a worker');
    const speaking = workers.slice(0, 2).find(serving);
    expect(speaking!.output.join('')).not.toContain(`${first!.requestId} done`);
    speaking!.child.kill('SIGKILL');
    const survivor = workers.slice(0, 2).find((w) => w !== speaking)!;
    await waitLong(() => seen.some((m) => m.type === 'playback.finished'), 'the turn finishes');

    const types = seen.map((m) => m.type);
    expect(types).toContain('tts.fallback');
    expect(seen.find((m) => m.type === 'tts.error')).toMatchObject({ fatal: false });
    expect(survivor.output.join('')).toMatch(/tts\.request \w+ done/);
    const finished = seen.find((m) => m.type === 'playback.finished') as Extract<
      BusMessage,
      { type: 'playback.finished' }
    >;
    expect(finished.segments.at(-1)).toMatchObject({
      text: 'And this second one must still be spoken.',
      complete: true,
    });
    expect(session.state()).toMatch(/^idle/);
    await session.stop();
  }, 60_000);
});
