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
import type { TopicMessage } from './mcap/messages.js';
import { ros2Codec } from './mcap/ros2-msgs.js';
import { mcapTopics, type McapTopics, type TopicKey } from './mcap/topics.js';
import { channelFor, logTimeNs, type Channel } from './mcap/write.js';
import { createRowMessages, tapStore } from './row-messages.js';
import type { RecordRow } from './rows.js';
import type { RecordStore } from './store.js';

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
  const wss = new WebSocketServer({
    host,
    port: options.port,
    handleProtocols: (protocols) => server.handleProtocols(protocols),
  });
  wss.on('connection', (socket, request) =>
    server.handleConnection(socket, `${request.socket.remoteAddress}:${request.socket.remotePort}`),
  );
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', (error) =>
      reject(
        new Error(
          `the Foxglove live view cannot listen on ${host}:${options.port} (${error.message}): choose another ` +
            `--foxglove port`,
        ),
      ),
    );
  });
  const { port } = wss.address() as AddressInfo;

  const encoder = new TextEncoder();
  const send = (startedWallMs: number, m: TopicMessage) => {
    const entry = channels.get(m.topic);
    // Nobody subscribed: not even encoded (the microphone is most of the bytes).
    if (!entry || !subscribed.has(entry.id)) return;
    const { id, channel } = entry;
    const data =
      channel.kind === 'ros2'
        ? ros2Codec(channel.type).writer.writeMessage(m.message)
        : encoder.encode(JSON.stringify(m.message));
    server.sendMessage(id, logTimeNs(startedWallMs, m.atMs), data);
  };

  const toMessages = createRowMessages();
  const publish = (rows: readonly RecordRow[]) => {
    for (const batch of toMessages(rows)) {
      for (const m of batch.messages) send(batch.startedWallMs, m);
    }
  };

  return {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    publish,
    subscribedTopics: () => [...channels].filter(([, c]) => subscribed.has(c.id)).map(([key]) => topics[key]),
    // The view must never cost the record: a message it cannot build is logged, the rows are stored.
    tap: (store) => tapStore(store, publish, onError),
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
