/**
 * Two `voice-agent serve` processes on one nats-server share the sessions robots ask for on
 * `va.sessions.create` (queue group `session-hosts`): requests spread over both; when one is killed,
 * new sessions go to the survivor and the survivor's sessions carry on untouched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../adapters/clock.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import type { CreateSessionReply } from '../../server/session-placement.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';

let nats: NatsServerHandle;
let bus: MessageBus;
const hosts: Array<{ child: ChildProcess; out: string; hostId?: string }> = [];
const seen: BusMessage[] = [];

const waitFor = async (what: string, check: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; hosts said:\n${hosts.map((h) => h.out).join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Host `a` is given NATS by `--nats`, host `b` by `nats.servers` (its variable): serve honours both. */
function startHost(name: string) {
  const natsFlag = name === 'a' ? ['--nats', nats.url] : [];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/voice-agent.ts', 'serve', ...natsFlag, '--port', '0', '--db', ':memory:'],
    {
      env: {
        ...process.env,
        ...(name === 'a' ? {} : { VA_NATS__SERVERS: nats.url }),
        VA_VAD__ENGINE: 'fake',
        VA_STT__ENGINE: 'fake',
        VA_LLM__ENGINE: 'fake',
        VA_LLM__FAKE_REPLY: `Answer from ${name}.`,
        // Fake engines: room for all 25 sessions on the survivor (the shipped capacity is the local stack's).
        VA_SERVER__CAPACITY: '30',
        VA_TTS__ENGINES: '[{"engine":"fake","latencyMs":5,"msPerWord":50}]',
        VA_TTS__PHRASES: '[]',
        VA_SERVER__DRAIN_TIMEOUT_MS: '500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const host: (typeof hosts)[number] = { child, out: '' };
  child.stdout!.on('data', (d) => (host.out += String(d)));
  child.stderr!.on('data', (d) => (host.out += String(d)));
  hosts.push(host);
  return host;
}

async function createSession(): Promise<Extract<CreateSessionReply, { ok: true }>> {
  for (let attempt = 0; ; attempt++) {
    try {
      const reply = JSON.parse(
        new TextDecoder().decode(
          await bus.transport.request('va.sessions.create', new TextEncoder().encode('{}'), { timeoutMs: 3000 }),
        ),
      ) as CreateSessionReply;
      if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
      return reply;
    } catch (error) {
      // A request routed to the killed host just before nats-server noticed it is gone: ask again.
      if (attempt >= 2) throw error;
    }
  }
}

beforeAll(async () => {
  nats = await startNatsServer();
  bus = createMessageBus(await connectNatsTransport({ servers: nats.url }), { clock: systemClock });
  bus.subscribe('va.*.session.history', (m) => seen.push(m));
  await bus.flush();
  for (const name of ['a', 'b']) startHost(name);
  await waitFor('both hosts to serve', () => hosts.every((h) => h.out.includes('"msg":"serving"')));
  for (const h of hosts)
    h.hostId = (JSON.parse(h.out.split('\n').find((l) => l.includes('"msg":"serving"'))!) as { hostId: string }).hostId;
}, 40_000);

afterAll(async () => {
  for (const { child } of hosts) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await bus?.close();
  await nats?.stop();
});

describe('session placement over NATS', () => {
  it(
    'spreads sessions over both hosts; after one is killed, new sessions go to the other and its ' +
      'sessions carry on',
    async () => {
      const replies = [];
      for (let i = 0; i < 20; i++) replies.push(await createSession());
      const [a, b] = hosts as [(typeof hosts)[number], (typeof hosts)[number]];
      const onA = replies.filter((r) => r.hostId === a.hostId);
      const onB = replies.filter((r) => r.hostId === b.hostId);
      expect(onA.length + onB.length).toBe(20);
      expect(onA.length).toBeGreaterThan(0);
      expect(onB.length).toBeGreaterThan(0);
      expect(onB[0]!.subjects.audioIn).toBe(`va.${onB[0]!.sessionId}.audio.frame`);

      // A conversation on a session of b, before and after a is killed.
      const survivor = onB[0]!.sessionId;
      bus.publish({ type: 'user.text', sessionId: survivor, turnId: '-', text: 'first question' });
      await waitFor('the first answer', () =>
        seen.some((m) => m.sessionId === survivor && m.type === 'session.history' && m.role === 'assistant'),
      );

      a.child.kill('SIGKILL');
      await new Promise((resolve) => a.child.once('exit', resolve));
      const after = [];
      for (let i = 0; i < 5; i++) after.push(await createSession());
      expect(after.map((r) => r.hostId)).toEqual(Array(5).fill(b.hostId));

      bus.publish({ type: 'user.text', sessionId: survivor, turnId: '-', text: 'second question' });
      await waitFor(
        'the second answer',
        () =>
          seen.filter((m) => m.sessionId === survivor && m.type === 'session.history' && m.role === 'assistant')
            .length === 2,
      );
      const history = seen
        .filter((m) => m.sessionId === survivor && m.type === 'session.history')
        .map((m) => ('text' in m ? m.text : ''));
      expect(history).toEqual(['first question', 'Answer from b.', 'second question', 'Answer from b.']);
    },
    60_000,
  );
});
