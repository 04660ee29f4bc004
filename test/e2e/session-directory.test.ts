/**
 * One session id runs on one host only: two `serve` instances on one real nats-server. Starting a session
 * under a chosen id — the manager, a robot's `va.sessions.create` — refuses an id that runs on the other
 * host (naming it) instead of starting a second chart on the same subjects; once the session ends there,
 * the id is free again. A `/chat/stream` turn that reaches the other host goes to the session over the
 * bus and lands in its history; another key still cannot reach it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import type { Transport } from '../../bus/transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { systemClock } from '../../adapters/clock.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { createNatsSessionDirectory, SessionDirectoryError } from '../../server/session-directory.js';
import { SessionExistsError } from '../../server/session-manager.js';
import type { CreateSessionReply } from '../../server/session-placement.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';

let nats: NatsServerHandle;
let robot: Transport;
const hosts: Record<'a' | 'b', VoiceAgentServer> = {} as never;

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
const config = () =>
  loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      nats: { servers: nats.url },
      server: { port: 0, apiKeys: [KEY_A, KEY_B], drainTimeoutMs: 200 },
    },
  });

const chat = (host: VoiceAgentServer, key: string, body: object) =>
  fetch(`${host.http.url}/chat/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ turn: 1, type: 'TEXT', ...body }),
  });

beforeAll(async () => {
  nats = await startNatsServer();
  hosts.a = await serve({ config: config(), hostId: 'host-a', log: silentLogger });
  hosts.b = await serve({ config: config(), hostId: 'host-b', log: silentLogger });
  robot = await connectNatsTransport({ servers: nats.url, name: 'robot' });
}, 30_000);

afterAll(async () => {
  await robot?.close();
  await hosts.a?.stop();
  await hosts.b?.stop();
  await nats?.stop();
});

const askForSession = async (sessionId: string) =>
  JSON.parse(
    new TextDecoder().decode(
      await robot.request('va.sessions.create', new TextEncoder().encode(JSON.stringify({ sessionId })), {
        timeoutMs: 3000,
      }),
    ),
  ) as CreateSessionReply;

describe('session directory over NATS', () => {
  it('refuses an id that runs on the other host, on every way in, and frees it when the session ends', async () => {
    await hosts.a.manager.create({ sessionId: 'robot-7' });

    await expect(hosts.b.manager.create({ sessionId: 'robot-7' })).rejects.toThrow(SessionExistsError);
    await expect(hosts.b.manager.create({ sessionId: 'robot-7' })).rejects.toThrow(
      /robot-7 already runs on host host-a/,
    );

    // The queue group hands the requests to either host; both refuse.
    for (let i = 0; i < 6; i++) {
      const reply = await askForSession('robot-7');
      expect(reply).toMatchObject({ ok: false, error: { code: 'session_exists' } });
    }

    expect(hosts.a.manager.size).toBe(1);
    expect(hosts.b.manager.size).toBe(0);

    await hosts.a.manager.end('robot-7', 'end');
    const moved = await hosts.b.manager.create({ sessionId: 'robot-7' });
    expect(moved.id).toBe('robot-7');
    await hosts.b.manager.end('robot-7', 'end');
  });

  it('a /chat/stream turn reaching the other host goes to the session over the bus; another key gets 404', async () => {
    const first = await chat(hosts.a, KEY_A, { sessionId: 'kiosk-1', content: 'first question' });
    expect(first.status).toBe(200);
    expect(await first.text()).toMatch(/event: done/);

    const second = await chat(hosts.b, KEY_A, { sessionId: 'kiosk-1', content: 'second question' });
    expect(second.status).toBe(200);
    const body = await second.text();
    expect(body).toMatch(/event: text-delta\ndata: \{"content":"Hello/);
    expect(body).toMatch(/event: done/);
    expect(hosts.b.manager.size).toBe(0);
    const history = hosts.a.manager.get('kiosk-1')!.handle.history();
    expect(history.filter((h) => h.role === 'user').map((h) => h.text)).toEqual(['first question', 'second question']);

    expect((await chat(hosts.b, KEY_B, { sessionId: 'kiosk-1', content: 'not yours' })).status).toBe(404);
    const end = await chat(hosts.b, KEY_A, { sessionId: 'kiosk-1', type: 'COMMAND', content: 'END' });
    expect(end.status).toBe(200);
    await end.text();
    for (let i = 0; i < 100 && hosts.a.manager.get('kiosk-1'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(hosts.a.manager.get('kiosk-1')).toBeUndefined();
  });

  it(
    'a session with a fresh id is announced too, and a host that holds an id but does not answer is ' +
      'an error, not a duplicate',
    async () => {
      const fresh = await hosts.a.manager.create({});
      const directory = createNatsSessionDirectory({ bus: hosts.b.bus, hostId: 'host-b', timeoutMs: 200 });
      expect(await directory.lookup(fresh.id)).toEqual({ hostId: 'host-a' });
      expect(await directory.lookup('nobody-here')).toBeUndefined();
      await hosts.a.manager.end(fresh.id, 'end');
      expect(await directory.lookup(fresh.id)).toBeUndefined();

      // Something subscribed on the id's subject that never answers: the directory cannot tell, so it says so.
      const mute = createMessageBus(robot, { clock: systemClock });
      const silent = mute.transport.subscribe('va.sessions.host.robot-9', () => {});
      await robot.flush();
      await expect(directory.lookup('robot-9')).rejects.toThrow(SessionDirectoryError);
      silent.unsubscribe();
    },
  );
});
