/**
 * `npm run bench -- --scenario check`: how faithfully `voice-agent check` re-runs recorded sessions, per
 * entry, and what a check costs. For each entry it can run here (headless), it records `sessions`
 * sessions with `record.audio`, each its own words, and checks every one on the same build and
 * configuration: the differences on re-run (any is a re-run that is not faithful; 0 is the goal).
 *
 * - `realtime`: a Realtime client on `/v1/realtime` (a plain WebSocket), 24 kHz: a spoken command, then a
 *   typed question whose answer a spoken "turn left" interrupts.
 * - `run`: `voice-agent run --db` on a WAV file of two commands 4 s apart.
 * - `nats`: `serve --nats` with a session listed at start, a device on its own NATS connection streaming
 *   a command, the reference robot on another, a typed question and a stop over its answer.
 * - `live`: `voice-agent live` in the virtual PulseAudio room (skipped without PulseAudio): a command,
 *   then "hello robot". Also `live, without the conditioner feed`: the same recordings re-run with the
 *   far end of a plain device sink and the blocks' arrival times as the conditioner's times, as a
 *   re-run has them without what the recording keeps of the sound server's clocks.
 *
 * Then the cost: a 60 s `run` recording (15 commands) checked by the CLI in a process of its own, wall
 * and CPU time, node and tsx start included (`/usr/bin/time`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { WebSocket } from 'ws';
import { serveActions } from '../adapters/actions/executor.js';
import { createRobotSimulator } from '../adapters/actions/robot-simulator.js';
import { createConditionerFeed } from '../adapters/audio/conditioner-feed.js';
import { resampleAll } from '../adapters/audio/resample.js';
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
import { round, summarize, type Percentiles } from './stats.js';

const run = promisify(execFile);

/** `voice-agent ARGS` in a process of its own, as a user runs it (bench sits beside bin, not on it). */
async function runCommand(args: readonly string[]): Promise<void> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', ...args], { maxBuffer: 16 * 1024 * 1024 });
}

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

export interface CheckCostRow {
  scenario: 'check-cost';
  entry: 'run';
  recordingS: number;
  turns: number;
  differences: number;
  /** `voice-agent check FILE` in a process of its own: wall and CPU (user + system) seconds, node and tsx start included. */
  wallS: number;
  cpuS: number;
}

const COMMANDS = ['turn left', 'turn right', 'go to the kitchen', 'move forward two meters', 'go to the door', 'turn around', 'go backward one meter'];
const command = (i: number) => COMMANDS[i % COMMANDS.length]!;

/** flite's voice saying `text` at `rateHz`, after `leadMs` and before `tailMs` of silence. */
async function speech(text: string, rateHz: number, leadMs = 300, tailMs = 900): Promise<Uint8Array> {
  const tts = createFliteTts();
  const parts: Uint8Array[] = [];
  for await (const c of tts.synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  const words = await resampleAll(new Uint8Array(Buffer.concat(parts)), tts.sampleRateHz, rateHz);
  const bytesFor = (ms: number) => Math.round((rateHz * ms) / 1000) * 2;
  const out = new Uint8Array(bytesFor(leadMs) + words.byteLength + bytesFor(tailMs));
  out.set(words, bytesFor(leadMs));
  return out;
}

/** Real-time pacing: calls `send` with each 20 ms of `pcm` when it is due. */
async function paced(pcm: Uint8Array, rateHz: number, send: (chunk: Uint8Array) => void): Promise<void> {
  const bytes = (rateHz / 50) * 2;
  const started = performance.now();
  for (let at = 0, i = 0; at < pcm.byteLength; at += bytes, i++) {
    send(pcm.subarray(at, at + bytes));
    await sleep(Math.max(0, started + (i + 1) * 20 - performance.now()));
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Checks every recording, one after the other; the row of the entry. */
async function checkAll(entry: CheckEntry, recordings: RecordingData[], config: AppConfig, file: string, failed: number, progress: (line: string) => void) {
  const results: CheckResult[] = [];
  const times: number[] = [];
  for (const recorded of recordings) {
    const started = performance.now();
    const result = await checkRecording(recorded, config, file);
    times.push(performance.now() - started);
    results.push(result);
    if (result.differences.length > 0)
      progress(
        `  ${entry}: ${recorded.recording.sessionId} differs: ${result.differences.map((d) => `${d.turnId} ${d.kind} ${d.was} → ${d.isNow}`).join('; ')}`,
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
  progress(`  ${entry}: ${row.sessions} sessions checked, ${row.differing} with differences (${row.differences} decisions of ${row.decisions})`);
  return row;
}

async function realtimeEntry(dir: string, sessions: number, progress: (line: string) => void): Promise<CheckRow> {
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
        send({ type: 'session.update', session: { type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 24000 } } } } });
        await until('session.updated', () => count('session.updated') > 0);
        await paced(await speech(command(i), 24_000), 24_000, (c) => send({ type: 'input_audio_buffer.append', audio: Buffer.from(c).toString('base64') }));
        await until('the answer', () => count('response.done') > 0);
        await sleep(1500);
        send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello robot' }] } });
        send({ type: 'response.create' });
        const deltas = count('response.output_audio.delta');
        await until('the typed answer plays', () => count('response.output_audio.delta') > deltas);
        await sleep(300);
        const transcripts = count('conversation.item.input_audio_transcription.completed');
        await paced(turnLeft, 24_000, (c) => send({ type: 'input_audio_buffer.append', audio: Buffer.from(c).toString('base64') }));
        await until('"turn left" over it', () => count('conversation.item.input_audio_transcription.completed') > transcripts);
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

async function runEntry(dir: string, sessions: number, progress: (line: string) => void): Promise<CheckRow> {
  const db = join(dir, 'run.db');
  const tts = createFliteTts();
  for (let i = 0; i < sessions; i++) {
    const input = join(dir, `run-${i}.wav`);
    const first = await speech(command(i), tts.sampleRateHz, 300, 4000);
    const second = await speech(command(i + 3), tts.sampleRateHz, 0, 1000);
    writeFileSync(input, encodeWav(Buffer.concat([first, second]), tts.sampleRateHz));
    await runCommand(['run', '--in', input, '--out', join(dir, `run-${i}.reply.wav`), '--db', db, '--session', `run-${i}`]);
    progress(`  run: ${i + 1}/${sessions} recorded`);
  }
  return checkAll('run', await recordingsOf(db), loadConfig({}), db, 0, progress);
}

async function natsEntry(dir: string, sessions: number, progress: (line: string) => void): Promise<CheckRow> {
  const db = join(dir, 'nats.db');
  const nats = await startNatsServer();
  const prefix = `benchcheck${process.pid}`;
  const ids = Array.from({ length: sessions }, (_, i) => `robot-${i}`);
  const config = loadConfig({ overrides: { record: { audio: true }, server: { port: 0 }, nats: { servers: nats.url, prefix } } });
  const server = await serve({ config, db, sessionIds: ids, log: silentLogger });
  const connect = async () => createMessageBus(await connectNatsTransport({ servers: nats.url }), { clock: systemClock, prefix });
  const device: MessageBus = await connect();
  const robotBus: MessageBus = await connect();
  const robot = serveActions({ bus: robotBus, clock: systemClock, handlers: createRobotSimulator({ clock: systemClock }).handlers });
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
          device.publish({ type: 'audio.frame', sessionId: id, turnId: '-', seq: seq++, sampleRateHz: 16_000, audio: audio.slice() }),
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

async function liveEntries(dir: string, sessions: number, progress: (line: string) => void): Promise<CheckRow[]> {
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

/** A 60 s `run` recording of 15 commands, checked by the CLI in a process of its own. */
async function costRow(dir: string, progress: (line: string) => void): Promise<CheckCostRow> {
  const db = join(dir, 'long.db');
  const tts = createFliteTts();
  const second = tts.sampleRateHz * 2;
  // 15 slots of 4 s: 0.6 s of silence, the command (at most 2.4 s of it), silence.
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 15; i++) {
    const words = await speech(command(i), tts.sampleRateHz, 0, 0);
    const slot = new Uint8Array(4 * second);
    const lead = Math.round(0.6 * tts.sampleRateHz) * 2;
    slot.set(words.subarray(0, Math.min(words.byteLength, slot.byteLength - lead - second)), lead);
    parts.push(slot);
  }
  const input = join(dir, 'long.wav');
  writeFileSync(input, encodeWav(Buffer.concat(parts), tts.sampleRateHz));
  progress('  cost: a 60 s run recording (15 commands, 4 s apart), in real time');
  await runCommand(['run', '--in', input, '--out', join(dir, 'long.reply.wav'), '--db', db, '--session', 'long']);
  const [recorded] = await recordingsOf(db);
  const timed = await run('/usr/bin/time', ['-f', 'TIME %e %U %S', process.execPath, '--import', 'tsx', 'bin/voice-agent.ts', 'check', db], {
    timeout: 600_000,
  }).catch((error: { stdout: string; stderr: string }) => error);
  const [wall, user, system] = (/TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(timed.stderr) ?? []).slice(1).map(Number);
  const differences = /(\d+) decisions? differs?/.exec(timed.stdout)?.[1];
  progress(`  cost: ${timed.stdout.trim().split('\n')[0]}`);
  return {
    scenario: 'check-cost',
    entry: 'run',
    recordingS: round((recorded!.recording.endedAtMs ?? 0) / 1000, 1),
    turns: recorded!.turns.length,
    differences: differences ? Number(differences) : 0,
    wallS: round(wall ?? Number.NaN, 1),
    cpuS: round((user ?? Number.NaN) + (system ?? Number.NaN), 1),
  };
}

export const CHECK_PARTS = ['realtime', 'run', 'nats', 'live', 'cost'] as const;

/** `parts`: the entries to record and check, and `cost` (the 60 s recording); default all. */
export async function runCheckScenario(
  options: { sessions: number; parts?: ReadonlyArray<(typeof CHECK_PARTS)[number]> },
  progress: (line: string) => void,
): Promise<Array<CheckRow | CheckCostRow>> {
  const dir = mkdtempSync(join(tmpdir(), 'va-bench-check-'));
  const rows: Array<CheckRow | CheckCostRow> = [];
  const parts = options.parts ?? CHECK_PARTS;
  const n = options.sessions;
  try {
    for (const part of parts) {
      progress(part === 'cost' ? 'check: the time to check a 60 s recording' : `check: ${part}, ${n} sessions`);
      if (part === 'realtime') rows.push(await realtimeEntry(dir, n, progress));
      else if (part === 'run') rows.push(await runEntry(dir, n, progress));
      else if (part === 'nats') rows.push(await natsEntry(dir, n, progress));
      else if (part === 'live') rows.push(...(await liveEntries(dir, n, progress)));
      else rows.push(await costRow(dir, progress));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function printCheck(rows: Array<CheckRow | CheckCostRow>): void {
  console.log('\n## voice-agent check: differences on re-run (same build and configuration)\n');
  console.log('| entry | sessions | failed to record | turns | decisions | sessions with differences | differing decisions | check per session p50 / p99 |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    if (r.scenario !== 'check') continue;
    console.log(
      `| ${r.entry} | ${r.sessions} | ${r.failed} | ${r.turns} | ${r.decisions} | ${r.differing} | ${r.differences} | ${Math.round(r.checkMs.p50)} / ${Math.round(r.checkMs.p99)} ms |`,
    );
  }
  for (const r of rows) {
    if (r.scenario !== 'check-cost') continue;
    console.log(
      `\n\`voice-agent check\` of a ${r.recordingS} s ${r.entry} recording (${r.turns} turns, ${r.differences} differences): ${r.wallS} s wall, ${r.cpuS} s CPU (node and tsx start included)`,
    );
  }
}
