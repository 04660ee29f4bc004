/**
 * One recording as an MCAP file (profile `ros2`) that Foxglove, `ros2 bag` (MCAP storage) and the `mcap`
 * CLI open: CDR-encoded ROS 2 messages where ROS 2 has one, Foxglove's well-known schemas for the log and
 * the audio, and JSON channels for the chart (its lossless event log, each transition, what it emitted)
 * and the turns. The recording itself (ids, start, end, chart version, config) is a metadata record, so
 * the file alone replays the session. Times: each message's log time is the recording's start plus its
 * `atMs`, in Unix ns.
 *
 * @example
 * ```ts
 * const data = recordingData(store, 'robot-1');
 * const topics = mcapTopics({ prefix: '/robot1/voice_agent' });
 * const { messages } = await writeMcapFile(data, 'robot-1.mcap', { topics });
 * ```
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { McapWriter, type IWritable } from '@mcap/core';
import type { RecordStore } from '../store.js';
import { ros2Codec, type Ros2TypeName } from './ros2-msgs.js';
import { sessionMessages, type TopicMessage } from './messages.js';
import {
  FOXGLOVE_SCHEMAS,
  JSON_SCHEMA_NAMES,
  JSON_SCHEMAS,
  mcapTopics,
  RECORDING_METADATA,
  type McapTopics,
  type RecordingData,
  type TopicKey,
} from './topics.js';

export interface McapWriteOptions {
  topics?: McapTopics;
  /**
   * Also write the microphone as `foxglove.RawAudio` JSON (base64, a third larger) beside the CDR audio; default true.
   */
  rawAudio?: boolean;
}

export interface McapWriteResult {
  file: string;
  messages: number;
  /** Channels in the file, one per topic (a topic may have no message, e.g. no action was asked for). */
  channels: number;
  /** Messages per topic that has any. */
  byTopic: Record<string, number>;
}

/** Everything of one recording in a store, read at once. */
export function recordingData(
  store: Pick<RecordStore, 'recording' | 'events' | 'emitted' | 'turns' | 'audio'>,
  ref: string,
): RecordingData {
  const recording = store.recording(ref);
  const { id } = recording;
  return {
    recording,
    events: store.events(id),
    emitted: store.emitted(id),
    turns: store.turns(id),
    audio: store.audio(id),
  };
}

/** A file written through a descriptor; `position` counts what was written. */
function fileWritable(fd: number): IWritable {
  let position = 0n;
  return {
    position: () => position,
    write: async (buffer) => {
      let written = 0;
      while (written < buffer.byteLength) written += writeSync(fd, buffer, written, buffer.byteLength - written);
      position += BigInt(buffer.byteLength);
    },
  };
}

export type Channel = { kind: 'ros2'; type: Ros2TypeName } | { kind: 'json'; schema: object; name: string };

/** The schema and encoding of a topic's channel: the MCAP file's and the Foxglove live view's alike. */
export function channelFor(key: TopicKey): Channel {
  const json = (name: string, schema: object): Channel => ({ kind: 'json', name, schema });
  switch (key) {
    case 'events':
    case 'state':
    case 'emitted':
    case 'turns':
      return json(JSON_SCHEMA_NAMES[key], JSON_SCHEMAS[key]);
    case 'log':
      return json('foxglove.Log', FOXGLOVE_SCHEMAS.log);
    case 'microphoneRaw':
      return json('foxglove.RawAudio', FOXGLOVE_SCHEMAS.rawAudio);
    case 'userSpeech':
      return { kind: 'ros2', type: 'hri_msgs/msg/LiveSpeech' };
    case 'robotSpeechFeedback':
      return { kind: 'ros2', type: 'tts_msgs/action/TTS_FeedbackMessage' };
    case 'robotSpeechResult':
      return { kind: 'ros2', type: 'tts_msgs/action/TTS_GetResult_Response' };
    case 'actionGoal':
      return { kind: 'ros2', type: 'voice_agent_msgs/action/Action_SendGoal_Request' };
    case 'actionStatus':
      return { kind: 'ros2', type: 'action_msgs/msg/GoalStatusArray' };
    case 'actionFeedback':
      return { kind: 'ros2', type: 'voice_agent_msgs/action/Action_FeedbackMessage' };
    case 'actionResult':
      return { kind: 'ros2', type: 'voice_agent_msgs/action/Action_GetResult_Response' };
    case 'actionCancel':
      return { kind: 'ros2', type: 'voice_agent_msgs/msg/ActionCancel' };
    case 'microphone':
      return { kind: 'ros2', type: 'audio_common_msgs/msg/AudioStamped' };
  }
}

/** Unix ns of a time in ms since the recording started; integer arithmetic, so no float rounding at 1e18. */
export const logTimeNs = (startedWallMs: number, atMs: number): bigint =>
  BigInt(Math.round(startedWallMs)) * 1_000_000n + BigInt(Math.round(atMs * 1e6));

/**
 * Why 16 kB: a chunk reaches the file whole or not at all, so a crash loses at most the open one —
 * about 0.2 s of microphone (32 kB/s as CDR plus 43 kB/s as base64 `RawAudio`), or about one turn of
 * the chart's messages without it (11–18 kB a turn in test/records/suite) — and the smaller chunks
 * cost 0.45 % more file than 1 MB ones on those recordings.
 */
export const MCAP_CHUNK_BYTES = 16 * 1024;

/**
 * An MCAP recording being written: messages go in as the session produces them (any order of time;
 * the indexed reader orders them), `end` writes the summary and the index. The one writer of both the
 * export and the recording written as sessions run.
 */
export interface McapRecordingWriter {
  /** The recording as the metadata record `voice_agent.recording`; readers take the last one written. */
  recording(recording: RecordingData['recording']): Promise<void>;
  /** Encodes and appends `messages` (their topic's channel must be in the file), stable by time. */
  messages(startedWallMs: number, messages: readonly TopicMessage[]): Promise<void>;
  /** Writes the summary (schemas, channels, statistics, chunk and metadata indexes) and the footer. */
  end(): Promise<Omit<McapWriteResult, 'file'>>;
}

/**
 * Starts an MCAP file (profile `ros2`) on `writable` with one channel per topic. `chunkBytes`: where
 * a chunk is closed (default @mcap/core's 1 MB; {@link MCAP_CHUNK_BYTES} for a file written as it runs).
 */
export async function startMcapWriter(
  writable: IWritable,
  options: McapWriteOptions & { chunkBytes?: number } = {},
): Promise<McapRecordingWriter> {
  const topics = options.topics ?? mcapTopics();
  const writer = new McapWriter({
    writable,
    useStatistics: true,
    useChunks: true,
    ...(options.chunkBytes !== undefined ? { chunkSize: options.chunkBytes } : {}),
    useChunkIndex: true,
    useMessageIndex: true,
    useSummaryOffsets: true,
  });
  await writer.start({ profile: 'ros2', library: 'voice-agent' });
  const encoder = new TextEncoder();
  const channels = new Map<TopicKey, { id: number; channel: Channel }>();
  const keys = (Object.keys(topics) as TopicKey[]).filter((k) => options.rawAudio !== false || k !== 'microphoneRaw');
  for (const key of keys) {
    const channel = channelFor(key);
    const schemaId =
      channel.kind === 'ros2'
        ? await writer.registerSchema({
            name: channel.type,
            encoding: 'ros2msg',
            data: encoder.encode(ros2Codec(channel.type).definition),
          })
        : await writer.registerSchema({
            name: channel.name,
            encoding: 'jsonschema',
            data: encoder.encode(JSON.stringify(channel.schema)),
          });
    const id = await writer.registerChannel({
      topic: topics[key],
      schemaId,
      messageEncoding: channel.kind === 'ros2' ? 'cdr' : 'json',
      metadata: new Map(),
    });
    channels.set(key, { id, channel });
  }
  const byTopic: Record<string, number> = {};
  const sequences = new Map<TopicKey, number>();
  let count = 0;
  return {
    async recording(recording) {
      await writer.addMetadata({
        name: RECORDING_METADATA,
        metadata: new Map([['recording', JSON.stringify(recording)]]),
      });
    },
    async messages(startedWallMs, messages) {
      // Stable by time: messages of one moment keep the order the session produced them in.
      const sorted = messages.filter((m) => channels.has(m.topic)).sort((a, b) => a.atMs - b.atMs);
      for (const m of sorted) {
        const { id, channel } = channels.get(m.topic)!;
        const data =
          channel.kind === 'ros2'
            ? ros2Codec(channel.type).writer.writeMessage(m.message)
            : encoder.encode(JSON.stringify(m.message));
        const time = logTimeNs(startedWallMs, m.atMs);
        const sequence = (sequences.get(m.topic) ?? 0) + 1;
        sequences.set(m.topic, sequence);
        await writer.addMessage({ channelId: id, sequence, logTime: time, publishTime: time, data });
        byTopic[topics[m.topic]] = (byTopic[topics[m.topic]] ?? 0) + 1;
        count++;
      }
    },
    async end() {
      await writer.end();
      return { messages: count, channels: channels.size, byTopic };
    },
  };
}

/** Writes `data` as MCAP through `writable`; resolves with the message counts. */
export async function writeMcap(
  data: RecordingData,
  writable: IWritable,
  options: McapWriteOptions = {},
): Promise<Omit<McapWriteResult, 'file'>> {
  const writer = await startMcapWriter(writable, options);
  await writer.recording(data.recording);
  await writer.messages(data.recording.startedWallMs, sessionMessages(data));
  return writer.end();
}

/**
 * Writes `data` to `file`: into `file.partial` first, renamed over `file` once complete, so a crash
 * never leaves a half-written file under the real name.
 */
export async function writeMcapFile(
  data: RecordingData,
  file: string,
  options: McapWriteOptions = {},
): Promise<McapWriteResult> {
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w');
  let result: Omit<McapWriteResult, 'file'>;
  try {
    result = await writeMcap(data, fileWritable(fd), options);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
  return { file, ...result };
}
