/**
 * The outbox across a JetStream outage, against a real nats-server: a live session records typed turns;
 * the nats-server is killed (SIGKILL) — right after a turn record's commit, while its publish may be in
 * flight — the user keeps talking, the server comes back on the same port and store dir, and the user
 * talks some more. Every turn record must then be in the stream exactly once: none lost, none twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBusMessage } from '../../bus/message-bus.js';
import { getStoredMessage, streamState } from '../../server/records/jetstream.js';
import {
  createSessionRecorder,
  openRecordStore,
  startOutboxRelay,
  type SessionRecorder,
} from '../../server/records/index.js';
import { createLiveHarness, type LiveHarness } from '../support/live-session.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';
import { until } from '../support/until.js';
import { DialogState } from '../../machines/states.js';

const STREAM = 'VA_TURNS';
const dir = mkdtempSync(join(tmpdir(), 'va-outage-'));
const servers: NatsServerHandle[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One typed turn on the controlled fakes, played to its end. */
async function typedTurn(h: LiveHarness, n: number) {
  await h.text(`question ${n}`);
  await h.llmToken(' Sure thing.');
  await h.llmFinish();
  for (let i = 0; i < 4 && h.activeTts().length > 0; i++) await h.ttsAudio(100, true);
  for (let i = 0; i < 20 && !h.matches(DialogState.idle); i++) await h.advanceUntilChange(60_000);
  expect(h.state()).toMatch(/^idle\./);
}

describe('outbox relay', () => {
  it('gets every turn record into JetStream exactly once across a nats-server crash and restart', async () => {
    const nats = await startNatsServer({ storeDir: join(dir, 'jetstream') });
    servers.push(nats);
    const store = openRecordStore({ file: join(dir, 'records.db'), flushEveryMs: 20 });
    const relay = startOutboxRelay({
      store,
      servers: nats.url,
      stream: STREAM,
      prefix: 'va',
      retryMinMs: 50,
      retryMaxMs: 400,
      ackTimeoutMs: 1000,
    });
    let recorder: SessionRecorder | undefined;
    const h = await createLiveHarness({
      attach: ({ bus, clock }) => (recorder = createSessionRecorder(store, { bus, clock, outbox: true })).attach,
    });
    const total = () => store.outbox.counts().pending + store.outbox.counts().delivered;
    let reader: NatsConnection = await connect({ servers: nats.url });

    for (let n = 1; n <= 3; n++) await typedTurn(h, n);
    await until('3 records in the stream', async () => (await streamState(reader, STREAM))?.messages === 3);
    await reader.close();

    // Turn 4: the server dies the moment its record is committed, while the relay may be publishing it.
    await typedTurn(h, 4);
    await until('turn 4 committed', () => total() === 4);
    await nats.kill();
    for (let n = 5; n <= 6; n++) await typedTurn(h, n);
    await until('turns 5 and 6 committed', () => total() === 6);
    await until('the relay to notice the outage', () => relay.stats.failures > 0);
    expect(store.outbox.counts().pending).toBeGreaterThanOrEqual(2);

    const restarted = await startNatsServer({ port: nats.port, storeDir: nats.storeDir });
    servers.push(restarted);
    for (let n = 7; n <= 8; n++) await typedTurn(h, n);
    await h.end();
    recorder!.close('end');
    await until('every outbox row acknowledged', () => store.outbox.counts().pending === 0 && total() === 8);

    reader = await connect({ servers: restarted.url });
    const state = await streamState(reader, STREAM);
    const stored = [];
    for (let seq = state!.firstSeq; seq <= state!.lastSeq; seq++)
      stored.push((await getStoredMessage(reader, STREAM, seq))!);
    const records = stored.map((m) => parseBusMessage('va', m.subject, m.data));
    const turnIds = records.map((r) => r.turnId);
    console.log(
      `outbox outage: 8 turn records (3 before the crash, 3 while nats-server was down, 2 after); stream holds ` +
        `${state!.messages}; ` +
        `relay published ${relay.stats.published}, JetStream dropped ${relay.stats.duplicates} duplicate(s), ` +
        `${relay.stats.failures} failed attempt(s)`,
    );
    expect(state!.messages).toBe(8);
    expect(turnIds).toEqual(['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8']);
    expect(stored.map((m) => m.msgId)).toEqual(turnIds.map((t) => `${recorder!.recordingId}.${t}`));
    for (const r of records)
      expect(r).toMatchObject({
        type: 'record.turn',
        sessionId: 'live',
        recordingId: recorder!.recordingId,
        turn: { outcome: 'finished' },
      });
    expect(store.turns(recorder!.recordingId!).map((t) => t.heardText)).toEqual(Array(8).fill('Sure thing.'));
    await reader.close();
    await relay.stop();
    await store.close();
  }, 90_000);
});
