/**
 * `voice-agent check` on a session over NATS: `serve` on a real nats-server (sim/nats-server.ts)
 * with a session listed at start, recorded with `record.audio`; a device on its own NATS connection
 * streams flite's "turn left" into `<prefix>.robot-1.audio.frame` in real time, the reference robot on a
 * third connection executes the action, then the device types a question and stops the reply. Checked,
 * every decision is the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveActions } from '../../adapters/actions/executor.js';
import { createRobotSimulator } from '../../adapters/actions/robot-simulator.js';
import { resampleAll } from '../../adapters/audio/resample.js';
import { systemClock } from '../../adapters/clock.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import { loadConfig } from '../../runtime/config.js';
import { recordingsOf } from '../../server/records/check.js';
import { RerunMaterialSchema } from '../../server/records/rerun-material.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve } from '../../server/serve.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';
import { until } from '../support/until.js';
import { expectSameDecisions, runCheck } from '../support/check-command.js';

const PREFIX = `checknats${process.pid}`;
const SESSION = 'robot-1';
const RATE = 16_000;
const FRAME_BYTES = (RATE / 50) * 2;
const dir = mkdtempSync(join(tmpdir(), 'va-check-nats-'));
const db = join(dir, 'rec.db');
let nats: NatsServerHandle;

afterAll(async () => {
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** flite's `slt` says it, at 16 kHz, with 300 ms before and 900 ms after. */
async function words(text: string): Promise<Uint8Array> {
  const tts = createFliteTts({ voice: 'slt' });
  const parts: Uint8Array[] = [];
  for await (const c of tts.synthesize({ text, language: 'en', signal: new AbortController().signal })) parts.push(c);
  const speech = await resampleAll(new Uint8Array(Buffer.concat(parts)), tts.sampleRateHz, RATE);
  const out = new Uint8Array(FRAME_BYTES * 15 + speech.byteLength + FRAME_BYTES * 45);
  out.set(speech, FRAME_BYTES * 15);
  return out;
}

/** The device's microphone: 20 ms frames on the session's subject, in real time. */
async function stream(bus: MessageBus, pcm: Uint8Array, seq: { next: number }) {
  const started = performance.now();
  for (let at = 0, i = 0; at < pcm.byteLength; at += FRAME_BYTES, i++) {
    bus.publish({
      type: 'audio.frame',
      sessionId: SESSION,
      turnId: '-',
      seq: seq.next++,
      sampleRateHz: RATE,
      audio: pcm.slice(at, at + FRAME_BYTES),
    });
    const due = started + (i + 1) * 20;
    await sleep(Math.max(0, due - performance.now()));
  }
}

beforeAll(async () => {
  nats = await startNatsServer();
  const config = loadConfig({
    overrides: { record: { audio: true }, server: { port: 0 }, nats: { servers: nats.url, prefix: PREFIX } },
  });
  const server = await serve({ config, db, sessionIds: [SESSION], log: silentLogger });
  const device = createMessageBus(await connectNatsTransport({ servers: nats.url }), {
    clock: systemClock,
    prefix: PREFIX,
  });
  const robotBus = createMessageBus(await connectNatsTransport({ servers: nats.url }), {
    clock: systemClock,
    prefix: PREFIX,
  });
  const robot = serveActions({
    bus: robotBus,
    clock: systemClock,
    handlers: createRobotSimulator({ clock: systemClock }).handlers,
    sessionId: SESSION,
  });
  const seen: BusMessage[] = [];
  device.subscribe(device.subjects.forSession(SESSION), (m) => {
    if (m.type !== 'audio.frame' && m.type !== 'audio.out' && m.type !== 'tts.chunk') seen.push(m);
  });
  try {
    await Promise.all([device.flush(), robotBus.flush()]);
    await stream(device, await words('turn left'), { next: 0 });
    await until('the action ended', () => seen.some((m) => m.type === 'action.result' || m.type === 'action.failed'), {
      timeoutMs: 30_000,
    });
    await until('the reply finished', () => seen.some((m) => m.type === 'session.history' && m.role === 'assistant'), {
      timeoutMs: 30_000,
    });
    await sleep(500);
    const count = (type: BusMessage['type']) =>
      seen.filter((m) => m.type === type && (type !== 'session.history' || ('role' in m && m.role === 'assistant')))
        .length;
    const [started, stopped] = [count('playback.started'), count('playback.stopped')];
    device.publish({ type: 'user.text', sessionId: SESSION, turnId: '-', text: 'hello robot' });
    await until('the answer plays', () => count('playback.started') > started, { timeoutMs: 30_000 });
    await sleep(300);
    device.publish({ type: 'control.stop', sessionId: SESSION, turnId: '-' });
    await until('the answer stopped', () => count('playback.stopped') > stopped, { timeoutMs: 30_000 });
    await sleep(500);
  } finally {
    await robot.close();
    await server.stop();
    await device.close();
    await robotBus.close();
  }
}, 90_000);

describe('voice-agent check on a session over NATS', () => {
  it('the recording holds the microphone as it came over NATS and the inputs from the other connections', async () => {
    const [recorded] = await recordingsOf(db);
    const material = RerunMaterialSchema.parse(recorded!.recording.rerun);
    expect(material.sinkKind).toBe('device');
    expect(material.blocks.length).toBeGreaterThan(50);
    const types = material.inputs.map((i) => i.message.type);
    expect(types).toEqual(expect.arrayContaining(['action.accepted', 'action.result', 'user.text', 'control.stop']));
  });

  it('a device and a robot on NATS, spoken and typed turns, a stop: 0 differences', async () => {
    const checked = await runCheck([db]);
    console.log(checked.stdout);
    expectSameDecisions(checked, 'robot-1');
  }, 60_000);
});
