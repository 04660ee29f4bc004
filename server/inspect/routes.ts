/**
 * The inspector's endpoints on `voice-agent serve` (same auth as the rest: Bearer key, or the
 * `openai-insecure-api-key.<key>` subprotocol for WebSockets):
 *
 * - `GET /inspect/api/sessions` → `{ live: [{ id, state, createdAtWallMs, watchers }], recorded: [RecordingSummary & {
 *   live }] }`
 * - `GET /inspect/api/chart` → the session chart laid out (`chart-layout.ts`): nodes, edges, size
 * - WebSocket `/inspect/ws?session=<id>[&feed=chart]` → the live session's `@statelyai/inspect` messages,
 *   one JSON per frame (`feed=chart`: the chart's own `@xstate.actor` and `@xstate.snapshot`s only, and
 *   the page's own `@voice-agent.turn` figures and `@voice-agent.bus` action lifecycle and notices:
 *   `feed-extensions.ts`)
 * - WebSocket `/inspect/ws?recording=<id or session id>[&feed=chart]` → a recorded session's messages, all at
 *   once, then closed by nobody (`feed=chart`: with its `@voice-agent.recording` summary first and its turns)
 *
 * The page itself (`/inspect`) is a static asset (`static-files.ts`).
 *
 * @example
 * ```ts
 * const inspect = createInspectRoutes({ manager, clock: systemClock, records, log });
 * if (inspect.request(req, res, path)) return;          // after the auth check
 * if (inspect.upgrades(path)) inspect.upgrade(req, socket, head); // after the auth check
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../adapters/clock.js';
import type { MessageBus } from '../../bus/message-bus.js';
import type { Subscription } from '../../bus/transport.js';
import { silentLogger, type Logger } from '../../runtime/logger.js';
import { RecordingNotFoundError } from '../records/errors.js';
import type { RecordStore } from '../records/store.js';
import type { SessionManager } from '../session-manager.js';
import { KEY_SUBPROTOCOL_PREFIX } from '../http/auth.js';
import { chartLayout } from './chart-layout.js';
import { createInspectionHub, type InspectionHub } from './hub.js';
import type { SessionTimelines } from '../session-timelines.js';
import { turnLatency, type TurnLatency } from '../../runtime/turn-latency.js';
import { busMessage, FEED_BUS_TYPES, feedMessageOf, recordingMessage, turnMessage } from './feed-extensions.js';
import { recordedBusMessages, recordedFeed } from './recorded-feed.js';
import { serializeMessage } from './stately-events.js';

export const INSPECT_WS_PATH = '/inspect/ws';
/**
 * The protocol a browser asks for beside its key (`openai-insecure-api-key.<key>`): a browser fails a
 * socket that asked for protocols and got none back, and the key itself is never echoed.
 */
export const INSPECT_SUBPROTOCOL = 'voice-agent-inspect';

export interface InspectRoutesOptions {
  manager: SessionManager;
  /** The manager's clock (session start times). */
  clock: Clock;
  records?: RecordStore | undefined;
  /**
   * The sessions' bus: their actions and notices for the page (`@voice-agent.bus`); without it the page shows none
   * live.
   */
  bus?: MessageBus | undefined;
  /** The live sessions' turn figures (the page's waterfall); without them the page shows none live. */
  timelines?: SessionTimelines | undefined;
  log?: Logger;
  /** Unix ms (default `Date.now`). */
  wallClock?: () => number;
}

export interface InspectRoutes {
  readonly hub: InspectionHub;
  /** Answers `/inspect/api/*`; false for other paths. Call after the auth check. */
  request(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** `path` is the inspection WebSocket. */
  upgrades(path: string): boolean;
  /** Upgrades an authenticated request for {@link INSPECT_WS_PATH}. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every inspection socket. */
  close(): void;
}

/**
 * Why 4 MiB: a watcher this far behind is not reading; dropping it keeps the session's memory bounded
 * (messages are a few KB; a busy session sends tens per second).
 */
const MAX_WATCHER_BACKLOG_BYTES = 4 * 1024 * 1024;
/**
 * Why 200 ms: a watcher's messages are queued and written at most this often, in one system call —
 * a turn moves the chart several times within ~200 ms, and one write per message was 80 % of the cost of
 * watching. Each message stays its own WebSocket frame. A person watching barely notices 200 ms
 * (docs/inspector.md, *Cost*).
 */
const WRITE_EVERY_MS = 200;

export function createInspectRoutes(options: InspectRoutesOptions): InspectRoutes {
  const { manager, records, clock } = options;
  const log = options.log ?? silentLogger;
  const wallClock = options.wallClock ?? Date.now;
  const hub = createInspectionHub({ manager, wallClock });
  const sockets = new Set<WebSocket>();
  /** Messages waiting for the next write, per watcher; one timer writes them all. */
  const pending = new Map<WebSocket, { socket: Duplex; texts: string[] }>();
  let writeTimer: ReturnType<typeof setTimeout> | undefined;
  const writePending = () => {
    const startedAt = performance.now();
    writeTimer = undefined;
    for (const [ws, { socket, texts }] of pending) {
      if (ws.readyState !== ws.OPEN) continue;
      // Corked for this loop only: the frames leave in one write.
      socket.cork();
      for (const text of texts) ws.send(text);
      socket.uncork();
    }
    pending.clear();
    // The writes are inspection's cost too: counted with the hub's.
    hub.stats.busyMs += performance.now() - startedAt;
  };
  /** Writes one watcher's queue now (before its socket is closed: the last messages are the end of the story). */
  const flush = (ws: WebSocket) => {
    const entry = pending.get(ws);
    pending.delete(ws);
    if (!entry || ws.readyState !== ws.OPEN) return;
    entry.socket.cork();
    for (const text of entry.texts) ws.send(text);
    entry.socket.uncork();
  };
  const queue = (ws: WebSocket, socket: Duplex, text: string) => {
    const entry = pending.get(ws);
    if (entry) entry.texts.push(text);
    else pending.set(ws, { socket, texts: [text] });
    writeTimer ??= setTimeout(writePending, WRITE_EVERY_MS);
  };
  const wss = new WebSocketServer({
    noServer: true,
    // Stately's receiver asks for no protocol; a client sending its key gets another one back, never the key.
    handleProtocols: (protocols) =>
      [...protocols].find((p) => p === INSPECT_SUBPROTOCOL) ??
      [...protocols].find((p) => !p.startsWith(KEY_SUBPROTOCOL_PREFIX)) ??
      false,
  });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
    res.end(JSON.stringify(body));
  };

  const sessionsBody = () => {
    const now = wallClock();
    const live = manager.list().map((s) => ({
      id: s.id,
      state: s.handle.state(),
      // The manager's clock is monotonic: turned into a wall time through now.
      createdAtWallMs: Math.round(now - (clock.now() - s.createdAtMs)),
      watchers: hub.watchers(s.id),
    }));
    return { live, recorded: records ? records.recordings({ limit: 200 }) : [], recording: records !== undefined };
  };

  const sendRecorded = (ws: WebSocket, ref: string, feed: 'full' | 'chart') => {
    if (!records) return ws.close(4404, 'this server records nothing: start it with --db FILE');
    try {
      const recording = records.recording(ref);
      const events = records.events(recording.id);
      const emitted = records.emitted(recording.id);
      const { messages, exact } = recordedFeed({ recording, events, emitted });
      if (feed === 'chart') {
        const turns = records.turns(recording.id);
        const first = emitted.find((e) => e.kind === 'history' && e.role === 'user');
        const { id, sessionId, startedWallMs, endedAtMs, endReason } = recording;
        const summary = {
          id,
          sessionId,
          startedWallMs,
          endedAtMs,
          endReason,
          events: events.length,
          turns: turns.length,
          firstUtterance: first?.kind === 'history' ? first.text : null,
          transitions: exact ? 'exact' : 'inferred',
        } as const;
        ws.send(JSON.stringify(recordingMessage(summary)));
        for (const turn of turns) {
          const latency = turnLatency(turn);
          if (latency) ws.send(JSON.stringify(turnMessage(sessionId, latency, startedWallMs + latency.originAtMs)));
        }
      }
      // The chart feed: after each event's snapshot, the requests, cancels and notices it caused.
      const extras =
        feed === 'chart' ? recordedBusMessages({ recording, events, emitted }) : new Map<number, never[]>();
      for (const [i, m] of messages.entries()) {
        ws.send(serializeMessage(m));
        for (const extra of extras.get(i - 1) ?? []) ws.send(JSON.stringify(extra));
      }
    } catch (error) {
      if (error instanceof RecordingNotFoundError) return ws.close(4404, `no recording ${ref}`.slice(0, 120));
      log.error('recorded session could not be read for the inspector', { ref, error });
      ws.close(1011, 'the recording could not be read');
    }
  };

  const watchLive = (ws: WebSocket, socket: Duplex, sessionId: string, feed: 'full' | 'chart') => {
    const send = (text: string) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_WATCHER_BACKLOG_BYTES) return ws.close(1008, 'inspector is not reading its messages');
      queue(ws, socket, text);
    };
    const watch = hub.watch(sessionId, {
      feed,
      message: (_m, json) => send(json()),
      end: (reason) => {
        flush(ws);
        ws.close(1000, `session ended: ${reason}`);
      },
    });
    if (!watch) return ws.close(4404, `no live session ${sessionId}`.slice(0, 120));
    let unwatchTurns: (() => void) | undefined;
    // Turn figures and bus messages are on the session's clock: turned into wall times like the snapshots' `createdAt`.
    const toWall = (atMs: number) => wallClock() - (clock.now() - atMs);
    if (feed === 'chart' && options.timelines) {
      const sendTurn = (latency: TurnLatency) =>
        send(JSON.stringify(turnMessage(sessionId, latency, toWall(latency.originAtMs))));
      for (const latency of options.timelines.turns(sessionId)) sendTurn(latency);
      unwatchTurns = options.timelines.watch(sessionId, sendTurn);
    }
    const { bus } = options;
    const busSubs: Subscription[] =
      feed === 'chart' && bus
        ? FEED_BUS_TYPES.map((type) =>
            bus.subscribe(bus.subjects.forEvent(sessionId, type), (m) => {
              const message = feedMessageOf(m);
              if (message) send(JSON.stringify(busMessage(sessionId, message, toWall(message.atMs ?? clock.now()))));
            }),
          )
        : [];
    ws.on('close', () => {
      watch.unsubscribe();
      unwatchTurns?.();
      for (const sub of busSubs) sub.unsubscribe();
    });
  };

  return {
    hub,
    request(req, res, path) {
      if (!path.startsWith('/inspect/api/')) return false;
      if (req.method !== 'GET')
        return (json(res, 405, { error: { code: 'method_not_allowed', message: `use GET for ${path}` } }), true);
      if (path === '/inspect/api/sessions') return (json(res, 200, sessionsBody()), true);
      if (path === '/inspect/api/chart') {
        void chartLayout().then(
          (layout) => json(res, 200, layout),
          (error: unknown) => {
            log.error('chart layout failed', { error });
            json(res, 500, {
              error: { code: 'layout_failed', message: 'the chart could not be laid out: see the server log' },
            });
          },
        );
        return true;
      }
      json(res, 404, { error: { code: 'not_found', message: `no route GET ${path}: see docs/inspector.md` } });
      return true;
    },
    upgrades: (path) => path === INSPECT_WS_PATH,
    upgrade(req, socket, head) {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const sessionId = query.get('session');
      const recording = query.get('recording');
      const feed = query.get('feed') ?? 'full';
      if (!sessionId === !recording || (feed !== 'full' && feed !== 'chart')) {
        socket.end(
          'HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nconnection: ' +
            'close\r\n\r\n{"error":{"code":"bad_request","message":"ask for ?session=<live session id> or ' +
            '?recording=<recording id>, and optionally &feed=full or &feed=chart"}}',
        );
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        ws.on('close', () => {
          sockets.delete(ws);
          pending.delete(ws);
        });
        ws.on('error', (error) => log.warn('inspector socket error', { error }));
        if (sessionId) watchLive(ws, socket, sessionId, feed as 'full' | 'chart');
        else sendRecorded(ws, recording!, feed as 'full' | 'chart');
      });
    },
    close() {
      if (writeTimer !== undefined) clearTimeout(writeTimer);
      writeTimer = undefined;
      writePending();
      for (const ws of sockets) ws.close(1001, 'server shutting down');
      wss.close();
    },
  };
}
