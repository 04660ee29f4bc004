/**
 * `serve --record-mcap DIR` (`record.mcapDir`): each session written as an MCAP file while it runs.
 * Checked against `export --mcap` of the same session from the SQLite records: through `@mcap/core`'s
 * indexed reader the same channels (topic, schema, encoding) and the same message count on each; read
 * back, the same recording, events, emitted entries, turns and microphone; and `replay --mcap` of it
 * prints what `replay --db` prints. A session the server stops mid-reply leaves a finished file too; a
 * file as a crash leaves it (read while the session runs, and from a `serve` killed with SIGKILL) gives
 * its recording and a gapless start of the chart's events to `@mcap/core`'s stream reader. Two sessions
 * at once write two files, each holding its own session only. A directory that cannot be written costs
 * the file only.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { McapStreamReader, type McapTypes } from '@mcap/core';
import { openIndexedMcap } from '../support/indexed-mcap.js';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/vad/testing/fake-vad.js';
import { loadConfig } from '../../runtime/config.js';
import { createLogger, silentLogger } from '../../runtime/logger.js';
import {
  openRecordStore,
  readMcapRecording,
  recordingData,
  startMcapRecorder,
  RECORDING_METADATA,
  writeMcapFile,
  type RecordStore,
} from '../../server/records/index.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import { until } from '../support/until.js';
import { DialogState } from '../../machines/states.js';

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', ...args], { timeout: 90_000 });
const RATE_HZ = 16_000;
const FRAME_MS = 20;
const dir = mkdtempSync(join(tmpdir(), 'va-mcap-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configIn = (name: string, reply = 'Okay, done.') =>
  loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      stt: { engine: 'fake', fakeTranscripts: ['hello robot', 'hello again'] },
      llm: { engine: 'fake', fakeReply: reply },
      server: { port: 0, drainTimeoutMs: 200 },
      record: { audio: true, mcapDir: join(dir, name) },
    },
  });

/**
 * One utterance on the fake engines: a second of speech, then the silence that ends it; resolves once the reply plays.
 */
async function speak(server: VoiceAgentServer, sessionId: string) {
  const session = server.manager.get(sessionId)!;
  for (let i = 0; i < 50; i++) session.handle.pushAudio(makeSpeechFrame(RATE_HZ, FRAME_MS, i), RATE_HZ);
  for (let i = 0; i < 60; i++) session.handle.pushAudio(makeSilenceFrame(RATE_HZ, FRAME_MS), RATE_HZ);
  await until(`${sessionId}'s reply to start`, () => session.handle.matches(DialogState.speaking));
}

/** The file through @mcap/core's indexed reader: channels, statistics and every message read (CRCs checked). */
async function indexed(file: string) {
  const { reader, close } = await openIndexedMcap(file);
  try {
    const counts: Record<string, number> = {};
    for await (const m of reader.readMessages({ validateCrcs: true })) {
      const topic = reader.channelsById.get(m.channelId)!.topic;
      counts[topic] = (counts[topic] ?? 0) + 1;
    }
    const channels = [...reader.channelsById.values()]
      .map((c) => `${c.topic} ${reader.schemasById.get(c.schemaId)!.name} ${c.messageEncoding}`)
      .sort();
    const statistics = Object.fromEntries(
      [...reader.statistics!.channelMessageCounts].map(([id, n]) => [reader.channelsById.get(id)!.topic, Number(n)]),
    );
    return { reader, counts, channels, statistics };
  } finally {
    await close();
  }
}

/** The live file of `sessionId` against `export --mcap` of the same recording from the records. */
async function expectSameAsExport(server: VoiceAgentServer, records: RecordStore, sessionId: string) {
  await server.mcap!.settled();
  const [live] = server.mcap!.files().filter((f) => f.sessionId === sessionId);
  expect(live).toMatchObject({
    finished: true,
    file: expect.stringMatching(new RegExp(`/${sessionId}-[0-9a-f]{8}\\.mcap$`)),
  });
  const exported = join(dir, `${sessionId}-export.mcap`);
  await writeMcapFile(recordingData(records, live!.recordingId), exported);
  const [a, b] = await Promise.all([indexed(live!.file), indexed(exported)]);
  expect(a.channels).toEqual(b.channels);
  expect(a.counts).toEqual(b.counts);
  expect(a.statistics).toEqual(b.counts);
  expect(a.counts['/voice_agent/audio/microphone']).toBeGreaterThan(0);
  const [liveData, exportData] = await Promise.all([readMcapRecording(live!.file), readMcapRecording(exported)]);
  expect(liveData.recording).toEqual(exportData.recording);
  expect(liveData.events).toEqual(exportData.events);
  expect(liveData.emitted).toEqual(exportData.emitted);
  expect(liveData.turns).toEqual(exportData.turns);
  expect(liveData.audio).toEqual(exportData.audio);
  return { file: live!.file, data: liveData };
}

describe('serve --record-mcap', () => {
  it(
    'writes the session as it runs: the channels and message counts of export --mcap, and replay ' +
      '--mcap prints what replay --db prints',
    async () => {
      const db = join(dir, 'one.db');
      const server = await serve({ config: configIn('one'), db, log: silentLogger });
      try {
        await server.manager.create({ sessionId: 'robot-1' });
        await speak(server, 'robot-1');
        await until('the reply to finish', () => server.manager.get('robot-1')!.handle.matches(DialogState.idle));
        await server.mcap!.settled();
        // While the session runs, its file is there, not yet finished.
        expect(server.mcap!.files()).toMatchObject([{ sessionId: 'robot-1', finished: false }]);
        await server.manager.end('robot-1', 'client_closed');
        const { file, data } = await expectSameAsExport(server, server.records!, 'robot-1');
        expect(data.recording).toMatchObject({ sessionId: 'robot-1', endReason: 'client_closed', audio: true });
        expect(data.turns).toMatchObject([{ turnId: 'u1', outcome: 'finished', heardText: 'Okay, done.' }]);
        await server.stop();
        const [fromDb, fromMcap] = await Promise.all([
          cli(['replay', '--db', db, '--session', 'robot-1']),
          cli(['replay', '--mcap', file]),
        ]);
        expect(fromDb.stdout).toMatch(/identical/);
        expect(fromMcap.stdout).toBe(fromDb.stdout);
      } finally {
        await server.stop();
      }
    },
    120_000,
  );

  it('takes its topic prefix and the raw audio from the configuration', async () => {
    const config = configIn('prefixed');
    const server = await serve({
      config: { ...config, record: { ...config.record, mcapTopicPrefix: '/robot1/voice_agent', mcapRawAudio: false } },
      db: ':memory:',
      log: silentLogger,
    });
    try {
      await server.manager.create({ sessionId: 'robot-p' });
      await speak(server, 'robot-p');
      await server.manager.end('robot-p', 'client_closed');
      await server.mcap!.settled();
      const { channels } = await indexed(server.mcap!.files()[0]!.file);
      expect(channels.length).toBeGreaterThan(3);
      expect(channels.filter((c) => !c.startsWith('/robot1/voice_agent/'))).toEqual([]);
      expect(channels.filter((c) => c.includes('foxglove.RawAudio'))).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('finishes the file of a session the server stops mid-reply', async () => {
    const db = join(dir, 'stopped.db');
    const server = await serve({ config: configIn('stopped', 'Okay. '.repeat(40)), db, log: silentLogger });
    await server.manager.create({ sessionId: 'robot-2' });
    await speak(server, 'robot-2');
    await server.stop();
    const records = openRecordStore({ file: db, readonly: true });
    try {
      const { data } = await expectSameAsExport(server, records, 'robot-2');
      expect(data.recording).toMatchObject({ endReason: 'draining', endedAtMs: expect.any(Number) });
      // The reply was cut by the end: what was heard of it is in the file.
      expect(data.turns).toMatchObject([
        { turnId: 'u1', outcome: 'interrupted', reason: 'end', heardText: expect.stringMatching(/^Okay\./) },
      ]);
    } finally {
      await records.close();
    }
  }, 60_000);

  it(
    'leaves, where a crash would cut it, a file whose whole chunks @mcap/core reads: the recording ' +
      'and the start of the events',
    async () => {
      const server = await serve({ config: configIn('crash'), db: ':memory:', log: silentLogger });
      try {
        await server.manager.create({ sessionId: 'robot-3' });
        await speak(server, 'robot-3');
        await until('the reply to finish', () => server.manager.get('robot-3')!.handle.matches(DialogState.idle));
        await server.mcap!.settled();
        // What is on disk now is what a crash at this moment leaves: the writer holds only its open chunk.
        const [live] = server.mcap!.files();
        const cut = readFileSync(live!.file);
        const reader = new McapStreamReader({ validateCrcs: true });
        reader.append(cut);
        const records: McapTypes.TypedMcapRecord[] = [];
        for (let r; (r = reader.nextRecord());) records.push(r);
        expect(reader.done()).toBe(false);
        const metadata = records.find(
          (r): r is McapTypes.TypedMcapRecords['Metadata'] => r.type === 'Metadata' && r.name === RECORDING_METADATA,
        )!;
        expect(JSON.parse(metadata.metadata.get('recording')!)).toMatchObject({
          sessionId: 'robot-3',
          endedAtMs: null,
          audio: true,
        });
        const channels = new Map(records.flatMap((r) => (r.type === 'Channel' ? [[r.id, r.topic] as const] : [])));
        const events = records
          .filter(
            (r): r is McapTypes.TypedMcapRecords['Message'] =>
              r.type === 'Message' && channels.get(r.channelId) === '/voice_agent/chart/events',
          )
          .map((m) => JSON.parse(new TextDecoder().decode(m.data)) as { seq: number; type: string });
        expect(events.length).toBeGreaterThan(0);
        expect(events.map((e) => e.seq).sort((x, y) => x - y)).toEqual(events.map((_, i) => i));
        expect(events[0]).toMatchObject({ seq: 0, type: 'xstate.init' });
        expect(
          records.filter((r) => r.type === 'Message' && channels.get(r.channelId) === '/voice_agent/audio/microphone')
            .length,
        ).toBeGreaterThan(0);
      } finally {
        await server.stop();
      }
    },
    60_000,
  );

  it('writes two sessions at once into two files that hold their own session only', async () => {
    const server = await serve({ config: configIn('two'), db: ':memory:', log: silentLogger });
    const records = server.records!;
    try {
      await Promise.all(['robot-4', 'robot-5'].map((id) => server.manager.create({ sessionId: id })));
      await Promise.all(['robot-4', 'robot-5'].map((id) => speak(server, id)));
      await Promise.all(
        ['robot-4', 'robot-5'].map((id) =>
          until(`${id}'s reply to finish`, () => server.manager.get(id)!.handle.matches(DialogState.idle)),
        ),
      );
      await Promise.all(['robot-4', 'robot-5'].map((id) => server.manager.end(id, 'client_closed')));
      const files = new Set<string>();
      for (const id of ['robot-4', 'robot-5']) {
        const { file, data } = await expectSameAsExport(server, records, id);
        files.add(file);
        expect(data.recording.sessionId).toBe(id);
        const sessionIds = new Set(data.events.flatMap((e) => ('sessionId' in e.event ? [e.event.sessionId] : [])));
        expect([...sessionIds]).toEqual([id]);
        expect(data.turns.length).toBe(1);
      }
      expect(files.size).toBe(2);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it(
    'goes on without its file when the directory cannot be written, logging it once; a directory that ' +
      'cannot be made is refused at start',
    async () => {
      const errors: string[] = [];
      const log = createLogger({ write: (line) => errors.push(...(line.includes('"level":"error"') ? [line] : [])) });
      const config = configIn('gone');
      const server = await serve({ config, db: ':memory:', log });
      try {
        // The directory is replaced by a file: the next session's file cannot be opened.
        rmSync(config.record.mcapDir!, { recursive: true });
        writeFileSync(config.record.mcapDir!, '');
        await server.manager.create({ sessionId: 'robot-6' });
        await speak(server, 'robot-6');
        await until('the reply to finish', () => server.manager.get('robot-6')!.handle.matches(DialogState.idle));
        await server.manager.end('robot-6', 'client_closed');
        await server.mcap!.settled();
        expect(errors).toEqual([
          expect.stringContaining('an MCAP recording could not be written; the session goes on'),
        ]);
        expect(errors[0]).toContain('ENOTDIR');
        expect(server.records!.recording('robot-6')).toMatchObject({ endReason: 'client_closed', turns: 1 });
      } finally {
        await server.stop();
      }
      expect(() => startMcapRecorder({ dir: join(config.record.mcapDir!, 'sub') })).toThrow(
        `the MCAP directory ${join(config.record.mcapDir!, 'sub')} cannot be made (ENOTDIR): give --record-mcap a ` +
          `writable directory`,
      );
    },
    60_000,
  );

  it(
    'killed (SIGKILL) mid-session, leaves a file @mcap/core reads up to its last whole chunk, and ' +
      'replay says how to recover it',
    async () => {
      const mcapDir = join(dir, 'killed');
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/mcap-crash-child.ts', mcapDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('close', (_code, signal) => resolve(signal)),
      );
      let file: string;
      try {
        await until('the first reply', () => stdout.includes('ready '), {
          timeoutMs: 60_000,
          detail: () => stdout + stderr,
        });
        file = stdout.match(/ready (\S+)/)![1]!;
        // A second more of talk: chunks are written while it is killed.
        await new Promise((resolve) => setTimeout(resolve, 1000));
      } finally {
        child.kill('SIGKILL');
      }
      expect(await exited).toBe('SIGKILL');
      const reader = new McapStreamReader({ validateCrcs: true });
      reader.append(readFileSync(file));
      const records: McapTypes.TypedMcapRecord[] = [];
      for (let r; (r = reader.nextRecord());) records.push(r);
      expect(reader.done()).toBe(false);
      const metadata = records.find((r): r is McapTypes.TypedMcapRecords['Metadata'] => r.type === 'Metadata')!;
      expect(JSON.parse(metadata.metadata.get('recording')!)).toMatchObject({
        sessionId: 'robot-crash',
        endedAtMs: null,
      });
      const channels = new Map(records.flatMap((r) => (r.type === 'Channel' ? [[r.id, r.topic] as const] : [])));
      const seqs = records
        .filter(
          (r): r is McapTypes.TypedMcapRecords['Message'] =>
            r.type === 'Message' && channels.get(r.channelId) === '/voice_agent/chart/events',
        )
        .map((m) => (JSON.parse(new TextDecoder().decode(m.data)) as { seq: number }).seq);
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs.sort((x, y) => x - y)).toEqual(seqs.map((_, i) => i));
      expect(
        records.some((r) => r.type === 'Message' && channels.get(r.channelId) === '/voice_agent/audio/microphone'),
      ).toBe(true);
      await expect(readMcapRecording(file)).rejects.toThrow(`\`mcap recover ${file} -o fixed.mcap\``);
    },
    90_000,
  );
});
