/**
 * `voice-agent export --mcap` and `voice-agent replay --mcap` on real recordings — the scripted session
 * (no input, a slow LLM's filler, a barge-in, END) and "turn left" said by flite into the local stack
 * (pocketsphinx, the rules, the `turn` action on the reference robot) — read back with the readers robot
 * tools use: `@mcap/core`'s indexed reader (header profile, statistics, channel and message counts,
 * schemas, CRCs) and, for every ROS 2 channel, a CDR reader built from the definition the file carries
 * (`@foxglove/rosmsg` + `@foxglove/rosmsg2-serialization`), never from this project's constants. A
 * replay from the MCAP file prints exactly what the replay from SQLite prints; a bad, truncated or
 * damaged file is a clear error.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import { McapWriter, TempBuffer } from '@mcap/core';
import { openIndexedMcap } from '../support/indexed-mcap.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resampleAll } from '../../adapters/audio/resample.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import { loadConfig } from '../../runtime/config.js';
import {
  createSessionRecorder,
  openRecordStore,
  readMcapRecording,
  recordingData,
  type RecordingData,
  type SessionRecorder,
  writeMcapFile,
} from '../../server/records/index.js';
import { runAudio } from '../../runtime/run-audio.js';
import { recordScriptedSession } from '../support/recorded-session.js';

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', ...args], { timeout: 90_000 });
const dir = mkdtempSync(join(tmpdir(), 'va-mcap-'));
const db = join(dir, 'records.db');
let scripted: RecordingData;
let field: RecordingData;

async function speak(text: string, rateHz: number): Promise<Uint8Array> {
  const tts = createFliteTts();
  const parts: Uint8Array[] = [];
  for await (const c of tts.synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  return resampleAll(new Uint8Array(Buffer.concat(parts)), tts.sampleRateHz, rateHz);
}

/** The file through @mcap/core's indexed reader, as Foxglove and the mcap CLI open it. */
async function indexed(file: string) {
  const { reader, close } = await openIndexedMcap(file);
  const messages: Array<{ topic: string; schema: string; encoding: string; logTime: bigint; data: Uint8Array }> = [];
  for await (const m of reader.readMessages({ validateCrcs: true })) {
    const channel = reader.channelsById.get(m.channelId)!;
    messages.push({
      topic: channel.topic,
      schema: reader.schemasById.get(channel.schemaId)!.name,
      encoding: channel.messageEncoding,
      logTime: m.logTime,
      data: m.data,
    });
  }
  await close();
  /** A CDR reader from the definition the file carries, as a ROS 2 tool builds one. */
  const cdr = (schemaName: string) => {
    const schema = [...reader.schemasById.values()].find((s) => s.name === schemaName)!;
    expect(schema.encoding).toBe('ros2msg');
    return new MessageReader(parse(new TextDecoder().decode(schema.data), { ros2: true }));
  };
  const decode = <T>(topic: string): T[] => {
    const list = messages.filter((m) => m.topic === topic);
    if (list[0]?.encoding === 'json') return list.map((m) => JSON.parse(new TextDecoder().decode(m.data)) as T);
    const reader = list[0] ? cdr(list[0].schema) : undefined;
    return list.map((m) => reader!.readMessage<T>(m.data));
  };
  return { reader, messages, decode };
}

beforeAll(async () => {
  const store = openRecordStore({ file: db });
  await recordScriptedSession(store, { recorder: { audio: true } });
  const config = loadConfig({});
  let recorder: SessionRecorder | undefined;
  await runAudio({
    config,
    pcm: await speak('turn left', config.audio.inputRateHz),
    sessionId: 'field',
    attach: ({ bus, clock }) => (recorder = createSessionRecorder(store, { bus, clock, audio: true })).attach,
  });
  recorder!.close('end');
  store.flush();
  scripted = recordingData(store, 'live');
  field = recordingData(store, 'field');
  await store.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('export --mcap', () => {
  it('writes a ros2-profile MCAP whose summary, schemas, counts and CRCs the indexed reader accepts', async () => {
    const file = join(dir, 'field.mcap');
    const { stdout } = await cli(['export', '--db', db, '--session', 'field', '--mcap', file]);
    expect(stdout).toMatch(new RegExp(`^${file}: \\d+ messages on 13 of 15 topics \\(profile ros2\\)`));
    const { reader, messages, decode } = await indexed(file);
    expect(reader.header).toMatchObject({ profile: 'ros2', library: 'voice-agent' });
    expect(reader.dataSectionCrc).toBeGreaterThan(0);
    expect(reader.chunkIndexes.length).toBeGreaterThan(0);
    expect(Number(reader.statistics!.messageCount)).toBe(messages.length);
    const counts = new Map(
      [...reader.statistics!.channelMessageCounts].map(([id, n]) => [reader.channelsById.get(id)!.topic, Number(n)]),
    );
    const schemaOf = (topic: string) =>
      reader.schemasById.get([...reader.channelsById.values()].find((c) => c.topic === topic)!.schemaId)!;
    expect(schemaOf('/voice_agent/user/speech')).toMatchObject({
      name: 'hri_msgs/msg/LiveSpeech',
      encoding: 'ros2msg',
    });
    expect(schemaOf('/voice_agent/audio/microphone').name).toBe('audio_common_msgs/msg/AudioStamped');
    expect(schemaOf('/voice_agent/log')).toMatchObject({ name: 'foxglove.Log', encoding: 'jsonschema' });
    expect(schemaOf('/voice_agent/audio/microphone/raw').name).toBe('foxglove.RawAudio');
    expect(schemaOf('/voice_agent/chart/state').name).toBe('voice_agent.ChartState');
    expect(counts.get('/voice_agent/chart/events')).toBe(field.events.length);
    expect(counts.get('/voice_agent/chart/emitted')).toBe(field.emitted.length);
    expect(counts.get('/voice_agent/turns')).toBe(field.turns.length);
    expect(counts.get('/voice_agent/audio/microphone')).toBe(field.audio.length);
    // Log times are non-decreasing: a player plays the file in order.
    expect(messages.every((m, i) => i === 0 || m.logTime >= messages[i - 1]!.logTime)).toBe(true);

    // The user's speech, decoded with the definition in the file: every partial, then the final.
    const speech = decode<{ header: { frame_id: string }; incremental: string; final: string; confidence: number }>(
      '/voice_agent/user/speech',
    );
    const stt = field.events.filter((e) => e.type === 'stt.partial' || e.type === 'stt.final');
    expect(speech.map((s) => s.incremental || s.final)).toEqual(stt.map((e) => e.event.text));
    expect(speech.at(-1)).toMatchObject({ incremental: '', final: 'turn left', header: { frame_id: 'u1' } });
    expect(speech.at(-1)!.confidence).toBeCloseTo(stt.at(-1)!.event.confidence as number, 5);

    // The action: the goal with its id and turn, accepted then succeeded, its result.
    const [goal, ...moreGoals] = decode<{
      goal: { action_id: string; turn_id: string; name: string; arguments_json: string };
    }>('/voice_agent/action/goal');
    expect(moreGoals).toEqual([]);
    expect(goal!.goal).toMatchObject({ action_id: 'a1', turn_id: 'u1', name: 'turn' });
    expect(JSON.parse(goal!.goal.arguments_json)).toMatchObject({ direction: 'left' });
    const statuses = decode<{ status_list: Array<{ status: number; goal_info: { goal_id: { uuid: Uint8Array } } }> }>(
      '/voice_agent/action/_action/status',
    );
    expect(statuses.map((s) => s.status_list[0]!.status)).toEqual([1, 4]);
    expect(new TextDecoder().decode(statuses[0]!.status_list[0]!.goal_info.goal_id.uuid).replace(/\0+$/, '')).toBe(
      'a1',
    );
    const [result] = decode<{ status: number; result: { outcome: string; turn_id: string; result_json: string } }>(
      '/voice_agent/action/_action/result',
    );
    expect(result).toMatchObject({ status: 4, result: { outcome: 'result', turn_id: 'u1' } });
    expect(JSON.parse(result!.result.result_json)).toMatchObject({ direction: 'left' });

    // The robot's speech per turn: what was heard, and how the reply ended.
    const words = decode<{ feedback: { word: string } }>('/voice_agent/robot/speech/_action/feedback').map(
      (f) => f.feedback.word,
    );
    expect(words).toEqual(field.turns.map((t) => t.heardText!.split(' ')[0]));
    const results = decode<{ status: number; result: { error_msg: string; text: string } }>(
      '/voice_agent/robot/speech/_action/result',
    );
    expect(results.map((r) => [r.status, r.result.text, r.result.error_msg])).toEqual(
      field.turns.map((t) => [4, t.heardText, '']),
    );

    // The microphone, sample for sample, from the ROS 2 message and from foxglove.RawAudio.
    const audio = decode<{
      audio: { audio_data: { int16_data: Int16Array }; info: { rate: number; channels: number; format: number } };
    }>('/voice_agent/audio/microphone');
    expect(audio[0]!.audio.info).toMatchObject({ rate: 16_000, channels: 1, format: 8 });
    const fromRos = Buffer.concat(
      audio.map((a) =>
        Buffer.from(
          a.audio.audio_data.int16_data.buffer,
          a.audio.audio_data.int16_data.byteOffset,
          a.audio.audio_data.int16_data.byteLength,
        ),
      ),
    );
    const fromRaw = Buffer.concat(
      decode<{ data: string }>('/voice_agent/audio/microphone/raw').map((r) => Buffer.from(r.data, 'base64')),
    );
    const recorded = Buffer.concat(field.audio.map((a) => a.pcm));
    expect(fromRos.equals(recorded)).toBe(true);
    expect(fromRaw.equals(recorded)).toBe(true);
  }, 90_000);

  it(
    'writes the notices as foxglove.Log and each transition of the chart, under another prefix when ' + 'asked',
    async () => {
      const file = join(dir, 'scripted.mcap');
      await cli([
        'export',
        '--db',
        db,
        '--session',
        'live',
        '--mcap',
        file,
        '--topic-prefix',
        '/robot1/voice',
        '--no-raw-audio',
      ]);
      const { reader, decode } = await indexed(file);
      const topics = [...reader.channelsById.values()].map((c) => c.topic);
      expect(topics.every((t) => t.startsWith('/robot1/voice/'))).toBe(true);
      expect(topics).not.toContain('/robot1/voice/audio/microphone/raw');
      const log = decode<{ level: number; message: string; name: string }>('/robot1/voice/log');
      const notices = scripted.emitted.filter((e) => e.kind === 'notice');
      expect(log.map((l) => l.message.split(' ')[0])).toEqual(notices.map((n) => n.code));
      expect(log[0]).toMatchObject({ name: 'voice_agent/live', message: 'no_input -: 8000 ms' });
      const states = decode<{ state: string; previous: string; event: string; seq: number }>(
        '/robot1/voice/chart/state',
      );
      // One message per change of state, each leaving the state the one before entered.
      expect(states.length).toBeGreaterThan(5);
      states.forEach((s, i) => {
        expect(s.state).not.toBe(s.previous);
        if (i > 0) expect(s.previous).toBe(states[i - 1]!.state);
        expect(scripted.events[s.seq]!.state).toBe(s.state);
      });
      // The barge-in: the cut reply's action result says canceled.
      expect(decode<{ status: number }>('/robot1/voice/robot/speech/_action/result').map((r) => r.status)).toEqual(
        scripted.turns
          .filter((t) => t.firstAudioAtMs !== undefined || t.heardText !== undefined)
          .map((t) => (t.outcome === 'finished' ? 4 : 5)),
      );
    },
    90_000,
  );
});

describe('replay --mcap', () => {
  it('reads back exactly what the store holds, and replays with the same report as from SQLite', async () => {
    for (const [session, data] of [
      ['field', field],
      ['live', scripted],
    ] as const) {
      const file = join(dir, `${session}-replay.mcap`);
      await cli(['export', '--db', db, '--session', session, '--mcap', file]);
      const back = await readMcapRecording(file);
      expect(back.recording).toEqual(data.recording);
      expect(back.events).toEqual(data.events);
      expect(back.emitted).toEqual(data.emitted);
      expect(back.turns).toEqual(data.turns);
      expect(Buffer.concat(back.audio.map((a) => a.pcm)).equals(Buffer.concat(data.audio.map((a) => a.pcm)))).toBe(
        true,
      );
      const [fromDb, fromMcap] = await Promise.all([
        cli(['replay', '--db', db, '--session', session]),
        cli(['replay', '--mcap', file]),
      ]);
      expect(fromDb.stdout).toMatch(/identical/);
      expect(fromMcap.stdout).toBe(fromDb.stdout);
    }
  }, 120_000);
});

describe('a bad MCAP file', () => {
  it(
    'is refused with what is wrong and what to do: not MCAP, truncated, damaged, not a recording, ' + 'missing',
    async () => {
      await writeMcapFile(field, join(dir, 'good.mcap'));
      const good = readFileSync(join(dir, 'good.mcap'));
      const notMcap = join(dir, 'not.mcap');
      writeFileSync(notMcap, 'SQLite format 3\0 and more');
      const truncated = join(dir, 'truncated.mcap');
      writeFileSync(truncated, good.subarray(0, Math.floor(good.byteLength / 2)));
      const damaged = join(dir, 'damaged.mcap');
      const flipped = Buffer.from(good);
      flipped[Math.floor(flipped.byteLength / 3)]! ^= 0xff; // inside a chunk: its CRC no longer matches
      writeFileSync(damaged, flipped);
      const foreign = join(dir, 'foreign.mcap');
      const buffer = new TempBuffer();
      const writer = new McapWriter({ writable: buffer });
      await writer.start({ profile: 'ros2', library: 'another tool' });
      await writer.end();
      writeFileSync(foreign, buffer.get());

      const refused = (file: string) =>
        readMcapRecording(file).then(
          () => 'read',
          (e: Error) => `${e.name}: ${e.message}`,
        );
      expect(await refused(notMcap)).toBe(
        `McapRecordingError: ${notMcap} is not an MCAP file (it does not start with MCAP's magic bytes): pass a ` +
          `file \`voice-agent export --mcap\` wrote`,
      );
      expect(await refused(truncated)).toMatch(
        new RegExp(
          `^McapRecordingError: ${truncated} is truncated or damaged \\(.+\\): .*\`mcap recover ${truncated} -o ` +
            `fixed.mcap\``,
        ),
      );
      expect(await refused(damaged)).toMatch(
        new RegExp(`^McapRecordingError: ${damaged} is (damaged at|truncated or damaged).*crc`, 'i'),
      );
      expect(await refused(foreign)).toMatch(
        `McapRecordingError: ${foreign} is an MCAP file but holds no voice-agent recording`,
      );
      expect(await refused(join(dir, 'nope.mcap'))).toMatch(
        `McapRecordingError: ${join(dir, 'nope.mcap')} cannot be opened (ENOENT)`,
      );

      // From the command line: the message and exit 1, no stack trace.
      const failed = await cli(['replay', '--mcap', truncated]).catch((e: { code: number; stderr: string }) => e);
      expect(failed).toMatchObject({
        code: 1,
        stderr: expect.stringContaining(`voice-agent: ${truncated} is truncated or damaged`),
      });
      expect((failed as { stderr: string }).stderr).not.toMatch(/^\s+at /m);
    },
    60_000,
  );
});
