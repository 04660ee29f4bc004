/**
 * The entries of the check scenario (check-scenario.ts says what each records): each records `sessions`
 * sessions with `record.audio` and checks every one on the same build and configuration, giving the
 * entry's row — the differences on re-run, and what one check took.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { serveActions } from '../adapters/actions/executor.js';
import { createRobotSimulator } from '../adapters/actions/robot-simulator.js';
import { createConditionerFeed } from '../adapters/audio/conditioner-feed.js';
import { encodeWav } from '../adapters/audio/wav.js';
import { systemClock } from '../adapters/clock.js';
import { createFliteTts } from '../adapters/tts/flite.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import { connectNatsTransport } from '../bus/nats-transport.js';
import { loadConfig, type AppConfig } from '../runtime/config.js';
import { runLive } from '../runtime/live-session.js';
import { silentLogger } from '../runtime/logger.js';
import { checkRecording, recordingsOf, type CheckResult } from '../server/records/check.js';
import type { RecordingData } from '../server/records/mcap/topics.js';
import { createSessionRecorder, openRecordStore, type SessionRecorder } from '../server/records/index.js';
import { decisionsOf } from '../server/records/decisions.js';
import { buildFingerprint } from '../server/records/rerun-material.js';
import { serve } from '../server/serve.js';
import { startNatsServer } from '../sim/nats-server.js';
import { pulseMissing, startPulseRoom } from '../sim/pulse-room.js';
import { writeUserRecording } from '../sim/user-recording.js';
import { summarize, type Percentiles } from './stats.js';
import { command, paced, runCommand, speech, until } from './check-speech.js';

export type CheckEntry = 'realtime' | 'run' | 'nats' | 'live' | 'live, without the conditioner feed';

export interface CheckRow {
  scenario: 'check';
  entry: CheckEntry;
  /** Sessions recorded and checked (a session that failed to record is in `failed`, not here). */
  sessions: number;
  failed: number;
  turns: number;
  /** Decisions compared (the recorded side's). */
  decisions: number;
  /** Sessions whose re-run decided something else, and how many decisions differed in all. */
  differing: number;
  differences: number;
  /** The in-process check of one session (its re-run and the comparison), wall ms. */
  checkMs: Percentiles;
}

/** Checks every recording, one after the other; the row of the entry. */
async function checkAll(
  entry: CheckEntry,
  recordings: RecordingData[],
  config: AppConfig,
  file: string,
  failed: number,
  progress: (line: string) => void,
) {
  const results: CheckResult[] = [];
  const times: number[] = [];
  for (const recorded of recordings) {
    const started = performance.now();
    const result = await checkRecording(recorded, config, file);
    times.push(performance.now() - started);
    results.push(result);
    if (result.differences.length > 0)
      progress(
        `  ${entry}: ${recorded.recording.sessionId} differs: ` +
          `${result.differences.map((d) => `${d.turnId} ${d.kind} ${d.was} → ${d.isNow}`).join('; ')}`,
      );
  }
  const row: CheckRow = {
    scenario: 'check',
    entry,
    sessions: results.length,
    failed,
    turns: results.reduce((n, r) => n + r.turns, 0),
    decisions: recordings.reduce((n, r) => n + decisionsOf(r).length, 0),
    differing: results.filter((r) => r.differences.length > 0).length,
    differences: results.reduce((n, r) => n + r.differences.length, 0),
    checkMs: summarize(times),
  };
  progress(
    `  ${entry}: ${row.sessions} sessions checked, ${row.differing} with differences (${row.differences} decisions ` +
      `of ${row.decisions})`,
  );
  return row;
}

export async function realtimeEntry(
  dir: string,
  sessions: number,
  progress: (line: string) => void,
): Promise<CheckRow> {
  const db = join(dir, 'realtime.db');
  const config = loadConfig({ overrides: { record: { audio: true }, server: { port: 0 } } });
  const server = await serve({ config, db, log: silentLogger });
  const turnLeft = await speech('turn left', 24_000);
  let failed = 0;
  try {
    for (let i = 0; i < sessions; i++) {
      const ws = new WebSocket(`${server.http.url.replace(/^http/, 'ws')}/v1/realtime`);
      const events: Array<{ type: string; [k: string]: unknown }> = [];
      ws.on('message', (d) => events.push(JSON.parse(String(d)) as (typeof events)[number]));
      await new Promise((r) => ws.once('open', r));
      const send = (e: object) => ws.send(JSON.stringify(e));
      const count = (type: string) => events.filter((e) => e.type === type).length;
      try {
        send({
          type: 'session.update',
          session: { type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 24000 } } } },
        });
        await until('session.updated', () => count('session.updated') > 0);
        await paced(await speech(command(i), 24_000), 24_000, (c) =>
          send({ type: 'input_audio_buffer.append', audio: Buffer.from(c).toString('base64') }),
        );
        await until('the answer', () => count('response.done') > 0);
        await sleep(1500);
        send({
          type: 'conversation.item.create',
          item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello robot' }] },
        });
        send({ type: 'response.create' });
        const deltas = count('response.output_audio.delta');
        await until('the typed answer plays', () => count('response.output_audio.delta') > deltas);
        await sleep(300);
        const transcripts = count('conversation.item.input_audio_transcription.completed');
        await paced(turnLeft, 24_000, (c) =>
          send({ type: 'input_audio_buffer.append', audio: Buffer.from(c).toString('base64') }),
        );
        await until(
          '"turn left" over it',
          () => count('conversation.item.input_audio_transcription.completed') > transcripts,
        );
        await sleep(2500);
      } catch (error) {
        failed++;
        progress(`  realtime: session ${i + 1} failed (${String(error)})`);
      }
      ws.close();
      await sleep(300);
      progress(`  realtime: ${i + 1}/${sessions} recorded`);
    }
  } finally {
    await server.stop();
  }
  return checkAll('realtime', await recordingsOf(db), loadConfig({}), db, failed, progress);
}

export async function runEntry(dir: string, sessions: number, progress: (line: string) => void): Promise<CheckRow> {
  const db = join(dir, 'run.db');
  const tts = createFliteTts();
  for (let i = 0; i < sessions; i++) {
    const input = join(dir, `run-${i}.wav`);
    const first = await speech(command(i), tts.sampleRateHz, 300, 4000);
    const second = await speech(command(i + 3), tts.sampleRateHz, 0, 1000);
    writeFileSync(input, encodeWav(Buffer.concat([first, second]), tts.sampleRateHz));
    await runCommand([
      'run',
      '--in',
      input,
      '--out',
      join(dir, `run-${i}.reply.wav`),
      '--db',
      db,
      '--session',
      `run-${i}`,
    ]);
    progress(`  run: ${i + 1}/${sessions} recorded`);
  }
  return checkAll('run', await recordingsOf(db), loadConfig({}), db, 0, progress);
}

export async function natsEntry(dir: string, sessions: number, progress: (line: string) => void): Promise<CheckRow> {
  const db = join(dir, 'nats.db');
  const nats = await startNatsServer();
  const prefix = `benchcheck${process.pid}`;
  const ids = Array.from({ length: sessions }, (_, i) => `robot-${i}`);
  const config = loadConfig({
    overrides: { record: { audio: true }, server: { port: 0 }, nats: { servers: nats.url, prefix } },
  });
  const server = await serve({ config, db, sessionIds: ids, log: silentLogger });
  const connect = async () =>
    createMessageBus(await connectNatsTransport({ servers: nats.url }), { clock: systemClock, prefix });
  const device: MessageBus = await connect();
  const robotBus: MessageBus = await connect();
  const robot = serveActions({
    bus: robotBus,
    clock: systemClock,
    handlers: createRobotSimulator({ clock: systemClock }).handlers,
  });
  let failed = 0;
  try {
    await Promise.all([device.flush(), robotBus.flush()]);
    for (const [i, id] of ids.entries()) {
      const seen: BusMessage[] = [];
      const sub = device.subscribe(device.subjects.forSession(id), (m) => {
        if (m.type !== 'audio.frame' && m.type !== 'audio.out' && m.type !== 'tts.chunk') seen.push(m);
      });
      const count = (type: BusMessage['type']) => seen.filter((m) => m.type === type).length;
      try {
        await device.flush();
        let seq = 0;
        await paced(await speech(command(i), 16_000), 16_000, (audio) =>
          device.publish({
            type: 'audio.frame',
            sessionId: id,
            turnId: '-',
            seq: seq++,
            sampleRateHz: 16_000,
            audio: audio.slice(),
          }),
        );
        await until('the answer', () => count('playback.finished') > 0 || count('playback.stopped') > 0);
        await sleep(2500);
        const started = count('playback.started');
        device.publish({ type: 'user.text', sessionId: id, turnId: '-', text: 'hello robot' });
        await until('the typed answer plays', () => count('playback.started') > started);
        await sleep(300);
        device.publish({ type: 'control.stop', sessionId: id, turnId: '-' });
        await sleep(1500);
      } catch (error) {
        failed++;
        progress(`  nats: session ${i + 1} failed (${String(error)})`);
      }
      sub.unsubscribe();
      await server.manager.end(id, 'end');
      progress(`  nats: ${i + 1}/${sessions} recorded`);
    }
  } finally {
    await robot.close();
    await server.stop();
    await device.close();
    await robotBus.close();
    await nats.stop();
  }
  return checkAll('nats', await recordingsOf(db), loadConfig({}), db, failed, progress);
}

export async function liveEntries(
  dir: string,
  sessions: number,
  progress: (line: string) => void,
): Promise<CheckRow[]> {
  const missing = pulseMissing();
  if (missing) {
    progress(`  live: skipped (${missing})`);
    return [];
  }
  const db = join(dir, 'live.db');
  const room = await startPulseRoom({ echoDelayMs: 100 });
  const saved = { ...process.env };
  Object.assign(process.env, room.env);
  delete process.env.PULSE_SERVER;
  const config = loadConfig({ env: {}, overrides: { record: { audio: true } } });
  const store = openRecordStore({ file: db });
  let failed = 0;
  try {
    const hello = join(room.dir, 'hello.wav');
    await writeUserRecording('hello robot', hello, 300);
    for (let i = 0; i < sessions; i++) {
      const file = join(room.dir, `command-${i}.wav`);
      await writeUserRecording(command(i), file, 300);
      const controller = new AbortController();
      const lines: string[] = [];
      let ready!: () => void;
      const listening = new Promise<void>((resolve) => (ready = resolve));
      const feed = createConditionerFeed();
      let recorder: SessionRecorder | undefined;
      const live = runLive({
        config,
        input: 'room.monitor',
        output: 'agent',
        sessionId: `live-${i}`,
        signal: controller.signal,
        conditionerFeed: feed,
        attach: ({ bus, clock }) =>
          (recorder = createSessionRecorder(store, {
            bus,
            clock,
            audio: true,
            input: { sinkKind: 'device', build: buildFingerprint(config), conditioner: feed },
          })).attach,
        onReady: () => ready(),
        onLine: (line) => lines.push(line),
      });
      try {
        await Promise.race([listening, live]);
        await room.play(file);
        await until('the answer', () => lines.filter((l) => l.startsWith('agent: ')).length >= 1);
        await sleep(2500);
        await room.play(hello);
        await until('the second answer', () => lines.filter((l) => l.startsWith('agent: ')).length >= 2);
        await sleep(1500);
      } catch (error) {
        failed++;
        progress(`  live: session ${i + 1} failed (${String(error)})`);
      }
      controller.abort();
      await live.catch(() => undefined);
      recorder?.close('end');
      progress(`  live: ${i + 1}/${sessions} recorded`);
    }
  } finally {
    await store.close();
    process.env = saved;
    await room.stop();
  }
  const recordings = await recordingsOf(db);
  const checkConfig = loadConfig({});
  const rows = [await checkAll('live', recordings, checkConfig, db, failed, progress)];
  // The same recordings without what they keep of the sound server's clocks.
  const bare = recordings.map((r) => {
    const { conditioner: _dropped, ...material } = r.recording.rerun as Record<string, unknown>;
    return { ...r, recording: { ...r.recording, rerun: material } };
  });
  rows.push(await checkAll('live, without the conditioner feed', bare, checkConfig, db, failed, progress));
  return rows;
}
