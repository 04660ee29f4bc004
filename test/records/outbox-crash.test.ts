/**
 * A `voice-agent serve` process that dies between committing a turn record and publishing it loses
 * nothing: the first run exits at exactly that point (the relay's test hook), the second run on the same
 * database publishes the record, and the stream holds it once. Real processes, real nats-server, real
 * SQLite file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../adapters/clock.js';
import { createMessageBus, parseBusMessage, type MessageBus } from '../../bus/message-bus.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import { getStoredMessage, streamState, TEST_HOOK_EXIT_BEFORE_PUBLISH } from '../../server/records/index.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';
import { until } from '../support/until.js';

const dir = mkdtempSync(join(tmpdir(), 'va-crash-'));
const dbFile = join(dir, 'records.db');
let nats: NatsServerHandle;
let bus: MessageBus;
let reader: NatsConnection;
const children: ChildProcess[] = [];

interface Serve {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startServe(env: Record<string, string> = {}): Promise<Serve> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/voice-agent.ts',
      'serve',
      '--sessions',
      'c1',
      '--nats',
      nats.url,
      '--port',
      '0',
      '--db',
      dbFile,
    ],
    {
      env: {
        ...process.env,
        VA_VAD__ENGINE: 'fake',
        VA_STT__ENGINE: 'fake',
        VA_LLM__ENGINE: 'fake',
        VA_LLM__FAKE_REPLY: 'Okay, done.',
        VA_TTS__ENGINES: '[{"engine":"fake","latencyMs":5,"msPerWord":50}]',
        VA_TTS__PHRASES: '[]',
        VA_SERVER__DRAIN_TIMEOUT_MS: '500',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return until('serve to start', () => output.includes('voice-agent serving on http://127.0.0.1:'), {
    timeoutMs: 30_000,
    detail: () => output,
  }).then(() => ({
    child,
    output: () => output,
    exited,
  }));
}

const outboxRows = () => {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare('SELECT msg_id, delivered_wall_ms FROM ' + 'outbox ORDER BY id').all() as Array<{
      msg_id: string;
      delivered_wall_ms: number | null;
    }>;
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  nats = await startNatsServer();
  bus = createMessageBus(await connectNatsTransport({ servers: nats.url }), { clock: systemClock });
  reader = await connect({ servers: nats.url });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await reader?.close();
  await bus?.close();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox across a crash of voice-agent', () => {
  it('publishes after restart a turn record committed just before the process died', async () => {
    const first = await startServe({ [TEST_HOOK_EXIT_BEFORE_PUBLISH]: '1' });
    bus.publish({ type: 'user.text', sessionId: 'c1', turnId: '-', text: 'close the door' });
    const code = await Promise.race([
      first.exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000)),
    ]);
    expect(code, first.output()).toBe(86);
    expect(first.output()).toContain(
      `${TEST_HOOK_EXIT_BEFORE_PUBLISH}: exiting with 1 committed turn record(s) not yet published`,
    );
    // Committed, not published: the row waits in the file and the stream is still empty.
    const [row] = outboxRows();
    expect(row).toMatchObject({ msg_id: expect.stringMatching(/\.t1$/), delivered_wall_ms: null });
    expect((await streamState(reader, 'VA_TURNS'))?.messages ?? 0).toBe(0);

    const second = await startServe();
    await until('the record in the stream', async () => (await streamState(reader, 'VA_TURNS'))?.messages === 1, {
      detail: second.output,
    });
    await until('the outbox row marked delivered', () => outboxRows()[0]?.delivered_wall_ms !== null, {
      detail: second.output,
    });
    second.child.kill('SIGTERM');
    await second.exited;

    const state = await streamState(reader, 'VA_TURNS');
    expect(state?.messages).toBe(1);
    const stored = (await getStoredMessage(reader, 'VA_TURNS', state!.lastSeq))!;
    expect(stored.msgId).toBe(row!.msg_id);
    expect(parseBusMessage('va', stored.subject, stored.data)).toMatchObject({
      type: 'record.turn',
      sessionId: 'c1',
      turnId: 't1',
      turn: { userText: 'close the door', outcome: 'finished', heardText: 'Okay, done.' },
    });
  }, 90_000);
});
