/**
 * The HTTP face of `voice-agent serve`: the OpenAI-Realtime-compatible WebSocket at `/v1/realtime`,
 * `POST /chat/stream` (SSE), `/metrics` (Prometheus), `/healthz` and `/readyz`, over HTTP or HTTPS. Auth
 * and limits are checked before a WebSocket is upgraded (401, 429, 503), so a refused client never costs
 * a session.
 *
 * @example
 * ```ts
 * const http = await startHttpServer({ manager, pool, bus, clock: systemClock, config: config.server, metrics, log });
 * console.log(http.url); // http://127.0.0.1:8080
 * await http.close();
 * ```
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../adapters/clock.js';
import type { MessageBus } from '../../bus/message-bus.js';
import type { AppConfig } from '../../runtime/config.js';
import { ConfigError } from '../../runtime/config.js';
import type { EnginePool } from '../../runtime/engine-pool.js';
import { createInspectRoutes, type InspectRoutes } from '../inspect/routes.js';
import { silentLogger, type Logger } from '../../runtime/logger.js';
import { openRealtimeConnection, type RealtimeConnection } from '../realtime/connection.js';
import type { RecordStore } from '../records/store.js';
import type { SessionTimelines } from '../session-timelines.js';
import { SessionDirectoryError } from '../session-directory.js';
import { atCapacityMessage, SessionExistsError, SessionLimitError, type SessionManager } from '../session-manager.js';
import { createAuthenticator, KEY_SUBPROTOCOL_PREFIX, type Authenticator } from './auth.js';
import { ChatRequestError, readChatRequest, streamChat } from './chat-stream.js';
import type { ServerMetrics } from './metrics.js';
import { createStaticFiles, type StaticFiles } from './static-files.js';

export interface HttpServerOptions {
  manager: SessionManager;
  pool: EnginePool;
  bus: MessageBus;
  clock: Clock;
  config: AppConfig['server'];
  metrics: ServerMetrics;
  log?: Logger;
  /** The session records: the inspector lists them and steps through them. */
  records?: RecordStore | undefined;
  /** The hosted sessions' turn figures: sent to Realtime clients and inspectors as they change. */
  timelines?: SessionTimelines | undefined;
}

export interface HttpServer {
  readonly url: string;
  readonly port: number;
  /** The live inspector's endpoints (`/inspect/api/*`, `/inspect/ws`) and who watches which session. */
  readonly inspect: InspectRoutes;
  /** Stops accepting, ends sessions (running turns get `drainTimeoutMs`), closes clients with a reason. */
  close(): Promise<void>;
}

/** The `error` code and the refusal's `reason` label of a client refused at `server.capacity`. */
export const AT_CAPACITY = 'server_at_capacity';

/** Why 8 MiB: a client this far behind on audio is not listening; closing it bounds the server's memory. */
const MAX_CLIENT_BACKLOG_BYTES = 8 * 1024 * 1024;
const LOOPBACK = /^(127\.|::1$|localhost$)/;

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { manager, bus, clock, config, metrics } = options;
  const log = options.log ?? silentLogger;
  refuseOpenExposure(config);
  const served: Served = {
    ...options,
    log,
    auth: createAuthenticator(config.apiKeys),
    connections: new Set<Client>(),
    assets: createStaticFiles(),
    inspect: createInspectRoutes({
      manager,
      clock,
      bus,
      records: options.records,
      timelines: options.timelines,
      log,
    }),
    wss: createWebSocketServer(config),
  };
  const { inspect } = served;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => handleRequest(served, req, res);
  const server: Server = config.tls
    ? createHttps(
        { cert: readTls(config.tls.certPath, 'certPath'), key: readTls(config.tls.keyPath, 'keyPath') },
        onRequest,
      )
    : createHttp(onRequest);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    handleUpgrade(served, req, socket, head),
  );
  manager.onCreated(() => metrics.sessionsActive.set(manager.size));
  manager.onEnded(() => metrics.sessionsActive.set(manager.size));
  const { port, url } = await listen(server, config);
  log.info('listening', {
    url,
    realtime: `${url.replace(/^http/, 'ws')}/v1/realtime`,
    auth: served.auth.required ? 'api keys' : 'none',
  });
  return {
    url,
    port,
    inspect,
    async close() {
      // Still listening while draining: /readyz says 503 so load balancers move on, upgrades get 503.
      await manager.drain(config.drainTimeoutMs);
      server.close();
      for (const { ws } of served.connections) ws.close(1001, 'server shutting down');
      inspect.close();
      served.wss.close();
      server.closeAllConnections?.();
    },
  };
}

/** A Realtime client's socket, with its connection once the session exists. */
interface Client {
  ws: WebSocket;
  connection?: RealtimeConnection;
}

/** What the request and upgrade handlers share. */
interface Served extends HttpServerOptions {
  log: Logger;
  auth: Authenticator;
  /** The Realtime clients connected now, closed at shutdown. */
  connections: Set<Client>;
  assets: StaticFiles;
  inspect: InspectRoutes;
  wss: WebSocketServer;
}

/** Without API keys the server listens on loopback only, unless anonymous access is asked for. */
function refuseOpenExposure(config: AppConfig['server']): void {
  if (config.apiKeys.length === 0 && !LOOPBACK.test(config.host) && !config.allowAnonymous) {
    throw new ConfigError(
      `server.host is ${config.host} but no API keys are set: set server.apiKeys ` +
        `(VA_SERVER__API_KEYS=key1,key2), or server.allowAnonymous=true on a trusted network`,
    );
  }
}

/** Answers with a JSON body. */
function json(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Answers with an error body: `{ error: { code, message } }`. */
function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, { error: { code, message } });
}

/** Health and readiness, the web pages, then (authenticated) the inspector, `/metrics` and `/chat/stream`. */
function handleRequest(served: Served, req: IncomingMessage, res: ServerResponse): void {
  const { manager, pool, config, metrics } = served;
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  // The capacity beside the sessions: a load balancer or a placement service routes on the room left.
  if (req.method === 'GET' && path === '/healthz')
    return json(res, 200, { status: 'ok', sessions: manager.size, capacity: config.capacity });
  // The page holds no secrets: it asks the user for a key when the server needs one.
  if (served.assets.serve(req, res)) return;
  if (req.method === 'GET' && path === '/readyz') {
    const ready = pool.warm && !manager.draining;
    return json(res, ready ? 200 : 503, {
      status: ready ? 'ready' : manager.draining ? 'draining' : 'warming',
      sessions: manager.size,
    });
  }
  const who = served.auth.check(req);
  if (!who.ok) return refuse(res, 401, 'unauthorized', who.reason);
  if (served.inspect.request(req, res, path)) return;
  if (req.method === 'GET' && path === '/metrics') {
    void metrics.registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
    });
    return;
  }
  if (req.method === 'POST' && path === '/chat/stream') return serveChatStream(served, req, res, who.owner);
  refuse(res, 404, 'not_found', `no route ${req.method} ${path}: see docs/server.md (endpoints)`);
}

/** `POST /chat/stream`: a text turn answered as server-sent events. */
function serveChatStream(served: Served, req: IncomingMessage, res: ServerResponse, owner: string | undefined): void {
  const { manager, bus, clock, pool, config } = served;
  void readChatRequest(req, config.maxEventBytes)
    .then((request) =>
      streamChat(request, res, {
        manager,
        bus,
        clock,
        owner,
        turnTimeoutMs: pool.runtime.config.timeouts.llmGiveUpMs * 2,
      }),
    )
    .catch((error: unknown) => refuseChat(served, res, error));
}

/** Answers a chat request that failed with the status its error calls for (500 if it is unexpected). */
function refuseChat(served: Served, res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.end();
  if (error instanceof ChatRequestError) return refuse(res, error.status, error.code, error.message);
  if (error instanceof SessionLimitError && error.scope === 'capacity') {
    served.metrics.sessionsRejected.inc({ reason: AT_CAPACITY });
    return refuse(res, 503, AT_CAPACITY, error.message);
  }
  if (error instanceof SessionLimitError)
    return refuse(res, error.scope === 'draining' ? 503 : 429, 'too_many_sessions', error.message);
  if (error instanceof SessionExistsError) return refuse(res, 409, 'session_exists', error.message);
  if (error instanceof SessionDirectoryError) return refuse(res, 503, 'session_directory_unavailable', error.message);
  served.log.error('chat stream failed', { error });
  refuse(res, 500, 'server_error', 'the server failed to handle the request');
}

/** The WebSocket side, without a server of its own: upgrades are handed to it once they pass the checks. */
function createWebSocketServer(config: AppConfig['server']): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    // The hard ceiling (ws closes with 1009); events above maxEventBytes but below this get an error event.
    maxPayload: config.maxEventBytes * 4,
    // A browser that sent its key as a subprotocol expects one protocol back, never the key itself.
    handleProtocols: (protocols) =>
      [...protocols].find((p) => p === 'realtime') ??
      [...protocols].find((p) => !p.startsWith(KEY_SUBPROTOCOL_PREFIX)) ??
      false,
  });
}

/** Refuses an upgrade with a plain HTTP answer, counted by its reason. */
function rejectUpgrade(served: Served, socket: Duplex, status: number, reason: string, message: string): void {
  served.metrics.sessionsRejected.inc({ reason });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\nconnection: ` +
      `close\r\n\r\n${JSON.stringify({ error: { code: reason, message } })}`,
  );
}

/** A WebSocket upgrade: the inspector's, or a Realtime client's once its key and the limits allow it. */
function handleUpgrade(served: Served, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const { inspect, manager, config, wss } = served;
  const reject = (status: number, reason: string, message: string) =>
    rejectUpgrade(served, socket, status, reason, message);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path !== '/v1/realtime' && !inspect.upgrades(path))
    return reject(404, 'not_found', "the Realtime WebSocket is at /v1/realtime, the inspector's at /inspect/ws");
  const who = served.auth.check(req);
  if (!who.ok) return reject(401, 'unauthorized', who.reason);
  // Watching costs no session: the limits below are for Realtime clients.
  if (inspect.upgrades(path)) return inspect.upgrade(req, socket, head);
  if (manager.draining) return reject(503, 'draining', 'the server is shutting down: connect to another instance');
  if (manager.size >= config.maxSessions)
    return reject(429, 'too_many_sessions', `this server hosts its maximum of ${config.maxSessions} sessions`);
  if (who.owner !== undefined && manager.countFor(who.owner) >= config.maxSessionsPerKey) {
    return reject(429, 'too_many_sessions', `this API key holds its maximum of ${config.maxSessionsPerKey} sessions`);
  }
  // At capacity the client is told in its own protocol: a Realtime `error` event, then the close.
  if (manager.size >= config.capacity)
    return wss.handleUpgrade(req, socket, head, (ws) => refuseAtCapacity(served, ws));
  wss.handleUpgrade(req, socket, head, (ws) => void acceptRealtime(served, ws, socket, who.owner));
}

/**
 * A Realtime client past `server.capacity`: one `error` event in OpenAI's shape (`type`, `code`,
 * `message`, `param`, `event_id`), then close 1013 (try again later). It never gets a session.
 */
function refuseAtCapacity(served: Served, ws: WebSocket, message = atCapacityMessage(served.config.capacity)): void {
  served.metrics.sessionsRejected.inc({ reason: AT_CAPACITY });
  ws.send(
    JSON.stringify({
      type: 'error',
      event_id: 'evt_1',
      error: { type: 'server_error', code: AT_CAPACITY, message, param: null, event_id: null },
    }),
  );
  ws.close(1013, 'server at capacity');
}

/** Opens a Realtime session for an upgraded client; what it sends before the session exists waits in order. */
async function acceptRealtime(served: Served, ws: WebSocket, socket: Duplex, owner: string | undefined) {
  const { manager, bus, clock, config, pool, metrics, log } = served;
  const entry: Client = { ws };
  served.connections.add(entry);
  // Events that arrive while the session is being created are handled in order once it exists.
  const early: Array<string | null> = [];
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : String(data);
    // Messages are Buffers here (ws's default binaryType): their size comes free, the text's would be
    // measured again.
    if (entry.connection) entry.connection.receive(text, Buffer.isBuffer(data) ? data.byteLength : undefined);
    else early.push(text);
  });
  ws.on('close', () => {
    served.connections.delete(entry);
    void entry.connection?.close();
  });
  ws.on('error', (error) => log.warn('realtime socket error', { error }));
  try {
    entry.connection = await openRealtimeConnection({
      manager,
      bus,
      clock,
      ...(owner !== undefined ? { owner } : {}),
      limits: { maxEventBytes: config.maxEventBytes, maxAudioSecondsPerSecond: config.maxAudioSecondsPerSecond },
      log,
      onClientError: (code) => metrics.clientErrors.inc({ code }),
      ...(served.timelines ? { timelines: served.timelines } : {}),
      speechDefaults: {
        transcriptionModel: pool.config.stt.engine,
        silenceDurationMs: pool.config.pipeline.vad.hangoverMs,
        prefixPaddingMs: pool.config.pipeline.vad.prefixPaddingMs,
      },
      send: corkedSender(ws, socket),
      close: (code, reason) => ws.close(code, reason),
    });
    metrics.sessionsCreated.inc();
    if (ws.readyState !== ws.OPEN) return void entry.connection.close();
    for (const text of early.splice(0)) entry.connection.receive(text);
  } catch (error) {
    refuseSession(served, ws, error);
  }
}

/**
 * Sends events as JSON; those sent in one turn of the event loop leave in one write: the socket is corked
 * at the first and uncorked once the current microtasks have run. A reply's start or end is five or six
 * events in a row, each its own system call otherwise (writes were ~7 % of a 100-client server's loop).
 * A client that stops reading is closed once its backlog passes {@link MAX_CLIENT_BACKLOG_BYTES}.
 */
function corkedSender(ws: WebSocket, socket: Duplex): (event: object) => void {
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return (event) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_CLIENT_BACKLOG_BYTES) return ws.close(1008, 'client is not reading its events');
    if (!corked) {
      corked = true;
      socket.cork();
      queueMicrotask(uncork);
    }
    ws.send(JSON.stringify(event));
  };
}

/** A session that could not start: the client gets an `error` event and close 1013. */
function refuseSession(served: Served, ws: WebSocket, error: unknown): void {
  // Two clients upgraded in the same moment for the last place: the later one is refused as above.
  if (error instanceof SessionLimitError && error.scope === 'capacity')
    return refuseAtCapacity(served, ws, error.message);
  const limit = error instanceof SessionLimitError;
  if (limit) served.metrics.sessionsRejected.inc({ reason: error.scope });
  else served.log.error('realtime session could not start', { error });
  ws.send(
    JSON.stringify({
      type: 'error',
      event_id: 'evt_0',
      error: {
        type: limit ? 'invalid_request_error' : 'server_error',
        code: limit ? 'too_many_sessions' : 'session_failed',
        message: (error as Error).message,
      },
    }),
  );
  ws.close(1013, limit ? 'session limit reached' : 'session could not start');
}

/** Listens on `config.port` (0: any free port); resolves with the port taken and the server's URL. */
async function listen(server: Server, config: AppConfig['server']): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { port, url: `${config.tls ? 'https' : 'http'}://${host}:${port}` };
}

function readTls(path: string, setting: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new ConfigError(
      `server.tls.${setting} ${path} cannot be read: check the path ` +
        `(VA_SERVER__TLS__${setting.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()})`,
      { cause },
    );
  }
}
