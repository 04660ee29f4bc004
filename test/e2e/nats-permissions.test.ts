/**
 * The documented nats-server permissions (docs/nats-permissions.conf, this very file) on a real server:
 * a robot user reaches its own session's input subjects and its own inbox, and nats-server refuses
 * everything else — `stt.final` of its own session (only the pipeline may say what was heard), an
 * `action.request` (only the session asks for actions), and any subject of another robot — without the
 * message ever reaching the voice-agent user.
 */
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { PermissionViolationError } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';

const CONFIG = fileURLToPath(new URL('../../docs/nats-permissions.conf', import.meta.url));
const PASSWORDS = {
  VOICE_AGENT_PASSWORD: 'agent-secret-1',
  ROBOT_1_PASSWORD: 'robot-1-secret',
  ROBOT_2_PASSWORD: 'robot-2-secret',
};

let server: NatsServerHandle;
let agent: NatsConnection;
let robot: NatsConnection;
const violations: PermissionViolationError[] = [];
const received: string[] = [];

beforeAll(async () => {
  server = await startNatsServer({ configFile: CONFIG, env: PASSWORDS });
  agent = await connect({ servers: server.url, user: 'voice-agent', pass: PASSWORDS.VOICE_AGENT_PASSWORD });
  robot = await connect({
    servers: server.url,
    user: 'robot-1',
    pass: PASSWORDS.ROBOT_1_PASSWORD,
    inboxPrefix: '_INBOX_robot-1',
  });
  void (async () => {
    for await (const status of robot.status())
      if (status.type === 'error' && status.error instanceof PermissionViolationError) violations.push(status.error);
  })();
  agent.subscribe('va.>', { callback: (_err, msg) => void received.push(msg.subject) });
  agent.subscribe('va.sessions.create', {
    callback: (_err, msg) => void msg.respond(new TextEncoder().encode('{"ok":true,"sessionId":"robot-1"}')),
  });
  await agent.flush();
});

afterAll(async () => {
  await robot?.close();
  await agent?.close();
  await server?.stop();
});

const settle = async () => {
  await robot.flush();
  await agent.flush();
  // Why 200 ms: a refused publish is reported asynchronously by the server; a delivered one arrives in < 10 ms.
  await new Promise((r) => setTimeout(r, 200));
};

describe('documented NATS permissions', () => {
  it('a robot reaches its own audio, text and control subjects, and answers its actions', async () => {
    const subjects = [
      'va.robot-1.audio.frame',
      'va.robot-1.user.text',
      'va.robot-1.control.stop',
      'va.robot-1.action.accepted',
      'va.robot-1.action.feedback',
      'va.robot-1.action.result',
      'va.robot-1.action.cancelled',
    ];
    for (const subject of subjects) robot.publish(subject, new Uint8Array(4));
    await settle();
    expect(received).toEqual(expect.arrayContaining(subjects));
    expect(violations).toEqual([]);
  });

  it("a robot hears its own session's action requests and cancels", async () => {
    const heard: string[] = [];
    robot.subscribe('va.robot-1.action.request', { callback: (_err, msg) => void heard.push(msg.subject) });
    robot.subscribe('va.robot-1.action.cancel', { callback: (_err, msg) => void heard.push(msg.subject) });
    await settle();
    agent.publish('va.robot-1.action.request', new Uint8Array(4));
    agent.publish('va.robot-1.action.cancel', new Uint8Array(4));
    await settle();
    expect(heard).toEqual(['va.robot-1.action.request', 'va.robot-1.action.cancel']);
    expect(violations).toEqual([]);
  });

  it('nats-server refuses a robot publishing stt.final, an action request, or to another robot', async () => {
    received.length = 0;
    for (const subject of [
      'va.robot-1.stt.final',
      'va.robot-1.action.request',
      'va.robot-2.audio.frame',
      'va.robot-2.control.stop',
    ])
      robot.publish(subject, new Uint8Array(4));
    await settle();
    expect(received).toEqual([]);
    expect(violations.map((v) => [v.operation, v.subject])).toEqual([
      ['publish', 'va.robot-1.stt.final'],
      ['publish', 'va.robot-1.action.request'],
      ['publish', 'va.robot-2.audio.frame'],
      ['publish', 'va.robot-2.control.stop'],
    ]);
  });

  it("a robot cannot listen to another robot's speaker, but asks for its session through its own inbox", async () => {
    violations.length = 0;
    robot.subscribe('va.robot-2.audio.out');
    await settle();
    expect(violations.map((v) => [v.operation, v.subject])).toEqual([['subscription', 'va.robot-2.audio.out']]);
    const reply = await robot.request('va.sessions.create', new TextEncoder().encode('{"sessionId":"robot-1"}'), {
      timeout: 2000,
    });
    expect(reply.subject.startsWith('_INBOX_robot-1.')).toBe(true);
    expect(JSON.parse(reply.string())).toMatchObject({ ok: true, sessionId: 'robot-1' });
  });
});
