/**
 * Reads a recording back from an MCAP file `writeMcapFile` wrote, with `@mcap/core`'s indexed reader
 * (chunk CRCs checked): the recording from its metadata record, the chart's event log and what it
 * emitted from their JSON channels, the turns, and the microphone from the `AudioStamped` channel.
 * Channels are found by schema name, so renamed topics read the same. Every problem is a
 * {@link McapRecordingError} that names the file and what to do, never a crash.
 *
 * @example
 * ```ts
 * const data = await readMcapRecording('robot-1.mcap');
 * console.log(formatReplay(replayRecording(data)));
 * ```
 */
import { open, type FileHandle } from 'node:fs/promises';
import { hasMcapPrefix, McapIndexedReader, type McapTypes } from '@mcap/core';
import { z } from 'zod';
import { RecordStoreError } from '../errors.js';
import type { RecordedAudio, RecordedEmitted, RecordedEvent, Recording } from '../read.js';
import { EmittedSchema, StoredEventSchema, TurnTimelineSchema } from '../schema.js';
import { ros2Codec } from './ros2-msgs.js';
import { JSON_SCHEMA_NAMES, RECORDING_METADATA, type RecordingData } from './topics.js';

/** The file is not an MCAP recording this project can read: not MCAP, cut off, damaged, or not ours. */
export class McapRecordingError extends RecordStoreError {
  override name = 'McapRecordingError';
}

const RecordingSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  startedWallMs: z.number(),
  endedAtMs: z.number().nullable(),
  endReason: z.string().nullable(),
  chartVersion: z.string(),
  audio: z.boolean(),
  events: z.number().int(),
  turns: z.number().int(),
  config: z.unknown(),
  rerun: z.unknown().optional(),
});
const EventSchema = z.object({
  seq: z.number().int(),
  atMs: z.number(),
  type: z.string(),
  turnId: z.string().nullable(),
  state: z.string(),
  status: z.string(),
  event: StoredEventSchema,
});
const EmittedPlaceSchema = z
  .object({ seq: z.number().int(), eventSeq: z.number().int(), atMs: z.number() })
  .passthrough();
const TurnPlaceSchema = z.object({ ordinal: z.number().int() }).passthrough();

function fileReadable(handle: FileHandle, sizeBytes: bigint) {
  return {
    size: async () => sizeBytes,
    read: async (offset: bigint, length: bigint) => {
      const buffer = new Uint8Array(Number(length));
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, Number(offset));
      if (bytesRead < buffer.byteLength)
        throw new Error(`read ${bytesRead} of ${length} bytes at offset ${offset}: the file ends early`);
      return buffer;
    },
  };
}

async function openIndexed(file: string, handle: FileHandle): Promise<McapIndexedReader> {
  const { size } = await handle.stat();
  const head = new Uint8Array(8);
  await handle.read(head, 0, 8, 0);
  if (!hasMcapPrefix(new DataView(head.buffer))) {
    throw new McapRecordingError(
      `${file} is not an MCAP file (it does not start with MCAP's magic bytes): pass a file \`voice-agent export ` +
        `--mcap\` wrote`,
      file,
    );
  }
  try {
    return await McapIndexedReader.Initialize({ readable: fileReadable(handle, BigInt(size)) });
  } catch (cause) {
    throw new McapRecordingError(
      `${file} is truncated or damaged (${(cause as Error).message}): a file cut off while it was written has no ` +
        `index; \`mcap recover ${file} -o fixed.mcap\` (the mcap CLI) rebuilds what it can, then read fixed.mcap`,
      file,
      { cause },
    );
  }
}

/**
 * The last `voice_agent.recording` record: a file written as the session ran has one from its start
 * (no end yet) and one from its end.
 */
async function readRecordingMetadata(file: string, reader: McapIndexedReader): Promise<Recording> {
  let last: Recording | undefined;
  for await (const record of reader.readMetadata({ name: RECORDING_METADATA })) {
    const text = record.metadata.get('recording');
    let value: unknown;
    try {
      value = text === undefined ? undefined : JSON.parse(text);
    } catch {
      value = text;
    }
    const parsed = RecordingSchema.safeParse(value);
    if (!parsed.success) {
      throw new McapRecordingError(
        `${file}: the ${RECORDING_METADATA} metadata is malformed (${parsed.error.issues[0]?.message}): export ` +
          `the recording again`,
        file,
      );
    }
    last = parsed.data;
  }
  if (last) return last;
  throw new McapRecordingError(
    `${file} is an MCAP file but holds no voice-agent recording (no ${RECORDING_METADATA} metadata): only files ` +
      `\`voice-agent export --mcap\` wrote can be replayed or checked`,
    file,
  );
}

/** Topic of the channel whose schema is `schemaName`, if the file has one. */
function topicOf(reader: McapIndexedReader, schemaName: string): string | undefined {
  for (const channel of reader.channelsById.values()) {
    if (reader.schemasById.get(channel.schemaId)?.name === schemaName) return channel.topic;
  }
  return undefined;
}

export async function readMcapRecording(file: string): Promise<RecordingData> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw new McapRecordingError(
      `${file} cannot be opened (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}): ` +
        `check the path`,
      file,
      {
        cause,
      },
    );
  }
  try {
    const reader = await openIndexed(file, handle);
    const recording = await readRecordingMetadata(file, reader);
    const topics = {
      events: topicOf(reader, JSON_SCHEMA_NAMES.events),
      emitted: topicOf(reader, JSON_SCHEMA_NAMES.emitted),
      turns: topicOf(reader, JSON_SCHEMA_NAMES.turns),
      microphone: topicOf(reader, 'audio_common_msgs/msg/AudioStamped'),
    };
    if (!topics.events)
      throw new McapRecordingError(
        `${file} has no ${JSON_SCHEMA_NAMES.events} channel (the chart's event log): export the recording ` + `again`,
        file,
      );
    return await readMessages(file, reader, recording, topics);
  } finally {
    await handle.close();
  }
}

async function readMessages(
  file: string,
  reader: McapIndexedReader,
  recording: Recording,
  topics: Record<'events' | 'emitted' | 'turns' | 'microphone', string | undefined>,
): Promise<RecordingData> {
  const events: RecordedEvent[] = [];
  const emitted: RecordedEmitted[] = [];
  const turns: Array<{ ordinal: number; turn: RecordingData['turns'][number] }> = [];
  const audio: RecordedAudio[] = [];
  const decoder = new TextDecoder();
  const startNs = BigInt(Math.round(recording.startedWallMs)) * 1_000_000n;
  const wanted = Object.values(topics).filter((t): t is string => t !== undefined);
  let message: McapTypes.TypedMcapRecords['Message'] | undefined;
  const what = () => `message ${message?.sequence} of ${reader.channelsById.get(message?.channelId ?? -1)?.topic}`;
  const parse = <S extends z.ZodType>(schema: S, value: unknown): z.infer<S> => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    throw new McapRecordingError(
      `${file}: ${what()} is malformed (${result.error.issues[0]?.path.join('.')}: ` +
        `${result.error.issues[0]?.message}): export the recording again`,
      file,
    );
  };
  try {
    for await (message of reader.readMessages({ topics: wanted, validateCrcs: true })) {
      const topic = reader.channelsById.get(message.channelId)!.topic;
      if (topic === topics.microphone) {
        const stamped = ros2Codec('audio_common_msgs/msg/AudioStamped').reader.readMessage<{
          audio: { audio_data: { int16_data: Int16Array }; info: { rate: number } };
        }>(message.data);
        const samples = stamped.audio.audio_data.int16_data;
        const pcm = new Uint8Array(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
        audio.push({
          seq: audio.length,
          atMs: Number(message.logTime - startNs) / 1e6,
          sampleRateHz: stamped.audio.info.rate,
          pcm,
        });
        continue;
      }
      const value: unknown = JSON.parse(decoder.decode(message.data));
      if (topic === topics.events) events.push(parse(EventSchema, value) as RecordedEvent);
      else if (topic === topics.emitted) {
        const { seq, eventSeq, atMs, ...rest } = parse(EmittedPlaceSchema, value);
        emitted.push({ ...parse(EmittedSchema, rest), seq, eventSeq, atMs });
      } else if (topic === topics.turns) {
        const { ordinal, ...rest } = parse(TurnPlaceSchema, value);
        turns.push({ ordinal, turn: parse(TurnTimelineSchema, rest) });
      }
    }
  } catch (cause) {
    if (cause instanceof McapRecordingError) throw cause;
    throw new McapRecordingError(
      `${file} is damaged at ${what()} (${(cause as Error).message}): \`mcap recover ${file} -o fixed.mcap\` ` +
        `rebuilds what it can`,
      file,
      {
        cause,
      },
    );
  }
  events.sort((a, b) => a.seq - b.seq);
  emitted.sort((a, b) => a.seq - b.seq);
  turns.sort((a, b) => a.ordinal - b.ordinal);
  return { recording, events, emitted, turns: turns.map((t) => t.turn), audio };
}
