/**
 * A live view in Foxglove: a Foxglove WebSocket server (`@foxglove/ws-protocol`) that publishes, as the
 * sessions run, the channels an MCAP export writes — the same topics, schemas and encodings, built by the
 * same code (`mcap/messages.ts`, `mcap/write.ts`) from the same session records, as the recorder hands
 * them to the store. The channels are advertised once, when the server starts, and shared by every
 * session: a session ending unadvertises nothing, and a client that connects mid-session gets them all.
 *
 * @example
 * ```ts
 * const live = await startFoxgloveLive({ port: 8765 });
 * const recorder = createSessionRecorder(live.tap(store), { bus, clock }); // its rows are published too
 * // Foxglove: Open connection → Foxglove WebSocket → ws://127.0.0.1:8765
 * await live.close();
 * ```
 */
import type { AddressInfo } from 'node:net';
// A CommonJS package: Node's ESM loader sees its exports only as the default one.
import wsProtocol from '@foxglove/ws-protocol';
import { WebSocketServer } from 'ws';
import type { RecordedAudio, RecordedEmitted, RecordedEvent } from './read.js';
import { createMessageBuilder, type RecordingPart, type TopicMessage } from './mcap/messages.js';
import { ros2Codec } from './mcap/ros2-msgs.js';
import { mcapTopics, type McapTopics, type TopicKey } from './mcap/topics.js';
import { channelFor, logTimeNs, type Channel } from './mcap/write.js';
import { eventJson, type RecordRow } from './rows.js';
import type { RecordSource, RecordStore } from './store.js';
import { stateValueToString } from '../state-value.js';

const { FoxgloveServer } = wsProtocol;

export interface FoxgloveLiveOptions {
  /** Default 127.0.0.1: the view shows what people say, so it stays on this machine unless asked. */
  host?: string;
  /** 0: any free port (tests). */
  port: number;
  topics?: McapTopics;
  /** A message that could not be built or sent (the records are written regardless). */
  onError?: (error: unknown) => void;
}

export interface FoxgloveLive {
  /** `ws://host:port`, the address to open in Foxglove. */
  readonly url: string;
  readonly port: number;
  /** The store a session recorder writes to, its rows also published here. */
  tap(store: RecordStore): RecordStore;
  /** The topics at least one client subscribes to (a client's subscription arrives a moment after it sends it). */
  subscribedTopics(): string[];
  /** Publishes rows of recordings as they are collected (what {@link tap} does). */
  publish(rows: readonly RecordRow[]): void;
  close(): Promise<void>;
}

interface Live {
  build: ReturnType<typeof createMessageBuilder>;
  startedWallMs: number;
}

const emptyPart = (): RecordingPart & { events: RecordedEvent[]; emitted: RecordedEmitted[]; audio: RecordedAudio[] } => ({
  events: [],
  emitted: [],
  turns: [],
  audio: [],
});

/** A row as the store's reader gives it back: the state flattened, the event as its JSON says. */
function recordedEvent(row: Extract<RecordRow, { table: 'event' }>): RecordedEvent {
  return {
    seq: row.seq,
    atMs: row.atMs,
    type: row.event.type,
    turnId: typeof row.event.turnId === 'string' ? row.event.turnId : null,
    state: typeof row.state === 'string' ? row.state : stateValueToString(row.state),
    status: row.status,
    event: JSON.parse(eventJson(row.event)) as RecordedEvent['event'],
  };
}

/** Starts the server on `host:port`; resolves once it listens. */
export async function startFoxgloveLive(options: FoxgloveLiveOptions): Promise<FoxgloveLive> {
  const topics = options.topics ?? mcapTopics();
  const onError = options.onError ?? (() => {});
  const server = new FoxgloveServer({ name: 'voice-agent' });
  const channels = new Map<TopicKey, { id: number; channel: Channel }>();
  for (const key of Object.keys(topics) as TopicKey[]) {
    const channel = channelFor(key);
    const id =
      channel.kind === 'ros2'
        ? server.addChannel({
            topic: topics[key],
            encoding: 'cdr',
            schemaName: channel.type,
            schema: ros2Codec(channel.type).definition,
            schemaEncoding: 'ros2msg',
          })
        : server.addChannel({
            topic: topics[key],
            encoding: 'json',
            schemaName: channel.name,
            schema: JSON.stringify(channel.schema),
            schemaEncoding: 'jsonschema',
          });
    channels.set(key, { id, channel });
  }
  const subscribed = new Set<number>();
  server.on('subscribe', (id) => subscribed.add(id));
  server.on('unsubscribe', (id) => subscribed.delete(id));
  const host = options.host ?? '127.0.0.1';
  const wss = new WebSocketServer({ host, port: options.port, handleProtocols: (protocols) => server.handleProtocols(protocols) });
  wss.on('connection', (socket, request) => server.handleConnection(socket, `${request.socket.remoteAddress}:${request.socket.remotePort}`));
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', (error) =>
      reject(new Error(`the Foxglove live view cannot listen on ${host}:${options.port} (${error.message}): choose another --foxglove port`)),
    );
  });
  const { port } = wss.address() as AddressInfo;

  const encoder = new TextEncoder();
  const send = (live: Live, m: TopicMessage) => {
    const entry = channels.get(m.topic);
    // Nobody subscribed: not even encoded (the microphone is most of the bytes).
    if (!entry || !subscribed.has(entry.id)) return;
    const { id, channel } = entry;
    const data = channel.kind === 'ros2' ? ros2Codec(channel.type).writer.writeMessage(m.message) : encoder.encode(JSON.stringify(m.message));
    server.sendMessage(id, logTimeNs(live.startedWallMs, m.atMs), data);
  };

  const recordings = new Map<string, Live>();
  const publish = (rows: readonly RecordRow[]) => {
    const parts = new Map<string, ReturnType<typeof emptyPart>>();
    const part = (id: string) => parts.get(id) ?? parts.set(id, emptyPart()).get(id)!;
    const ended: string[] = [];
    for (const row of rows) {
      if (row.table === 'recording') {
        recordings.set(row.recordingId, { build: createMessageBuilder(row), startedWallMs: row.startedWallMs });
      } else if (row.table === 'event') part(row.recordingId).events.push(recordedEvent(row));
      else if (row.table === 'emitted') part(row.recordingId).emitted.push({ ...row.emitted, seq: row.seq, eventSeq: row.eventSeq, atMs: row.atMs });
      else if (row.table === 'turn') {
        const p = part(row.recordingId);
        if (p.turns.length === 0) p.firstTurnOrdinal = row.ordinal;
        p.turns.push(row.turn);
      } else if (row.table === 'audio') part(row.recordingId).audio.push({ seq: row.seq, atMs: row.atMs, sampleRateHz: row.sampleRateHz, pcm: row.pcm });
      else if (row.table === 'recordingEnd') ended.push(row.recordingId);
    }
    for (const [id, p] of parts) {
      const live = recordings.get(id);
      if (!live) continue;
      // Stable by time, as in the MCAP file: messages of one moment keep the order the session produced them in.
      for (const m of live.build(p).sort((a, b) => a.atMs - b.atMs)) send(live, m);
    }
    for (const id of ended) {
      recordings.delete(id);
    }
  };

  return {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    publish,
    subscribedTopics: () => [...channels].filter(([, c]) => subscribed.has(c.id)).map(([key]) => topics[key]),
    tap(store) {
      const tapped: RecordStore = Object.create(store) as RecordStore;
      tapped.attach = (source: RecordSource) =>
        store.attach({
          get recordingId() {
            return source.recordingId;
          },
          collect(push) {
            const rows: RecordRow[] = [];
            source.collect((row) => {
              rows.push(row);
              push(row);
            });
            // The view must never cost the record: a message it cannot build is logged, the rows are stored.
            try {
              publish(rows);
            } catch (error) {
              onError(error);
            }
          },
        });
      return tapped;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
