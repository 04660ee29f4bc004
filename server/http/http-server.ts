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
import { createAuthenticator, KEY_SUBPROTOCOL_PREFIX } from './auth.js';
import { ChatRequestError, readChatRequest, streamChat } from './chat-stream.js';
import type { ServerMetrics } from './metrics.js';
import { createStaticFiles } from './static-files.js';

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
  const { manager, pool, bus, clock, config, metrics } = options;
  const log = options.log ?? silentLogger;
  if (config.apiKeys.length === 0 && !LOOPBACK.test(config.host) && !config.allowAnonymous) {
    throw new ConfigError(
      `server.host is ${config.host} but no API keys are set: set server.apiKeys ` +
        `(VA_SERVER__API_KEYS=key1,key2), or server.allowAnonymous=true on a trusted network`,
    );
  }
  const auth = createAuthenticator(config.apiKeys);
  const connections = new Set<{ ws: WebSocket; connection?: RealtimeConnection }>();

  const json = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
    json(res, status, { error: { code, message } });

  const assets = createStaticFiles();
  const inspect = createInspectRoutes({
    manager,
    clock,
    bus,
    records: options.records,
    timelines: options.timelines,
    log,
  });
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    // The capacity beside the sessions: a load balancer or a placement service routes on the room left.
    if (req.method === 'GET' && path === '/healthz')
      return json(res, 200, { status: 'ok', sessions: manager.size, capacity: config.capacity });
    // The page holds no secrets: it asks the user for a key when the server needs one.
    if (assets.serve(req, res)) return;
    if (req.method === 'GET' && path === '/readyz') {
      const ready = pool.warm && !manager.draining;
      return json(res, ready ? 200 : 503, {
        status: ready ? 'ready' : manager.draining ? 'draining' : 'warming',
        sessions: manager.size,
      });
    }
    const who = auth.check(req);
    if (!who.ok) return refuse(res, 401, 'unauthorized', who.reason);
    if (inspect.request(req, res, path)) return;
    if (req.method === 'GET' && path === '/metrics') {
      void metrics.registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      });
      return;
    }
    if (req.method === 'POST' && path === '/chat/stream') {
      void readChatRequest(req, config.maxEventBytes)
        .then((request) =>
          streamChat(request, res, {
            manager,
            bus,
            clock,
            owner: who.owner,
            turnTimeoutMs: pool.runtime.config.timeouts.llmGiveUpMs * 2,
          }),
        )
        .catch((error: unknown) => {
          if (res.headersSent) return void res.end();
          if (error instanceof ChatRequestError) return refuse(res, error.status, error.code, error.message);
          if (error instanceof SessionLimitError && error.scope === 'capacity') {
            metrics.sessionsRejected.inc({ reason: AT_CAPACITY });
            return refuse(res, 503, AT_CAPACITY, error.message);
          }
          if (error instanceof SessionLimitError)
            return refuse(res, error.scope === 'draining' ? 503 : 429, 'too_many_sessions', error.message);
          if (error instanceof SessionExistsError) return refuse(res, 409, 'session_exists', error.message);
          if (error instanceof SessionDirectoryError)
            return refuse(res, 503, 'session_directory_unavailable', error.message);
          log.error('chat stream failed', { error });
          refuse(res, 500, 'server_error', 'the server failed to handle the request');
        });
      return;
    }
    refuse(res, 404, 'not_found', `no route ${req.method} ${path}: see docs/server.md (endpoints)`);
  };

  const server: Server = config.tls
    ? createHttps(
        { cert: readTls(config.tls.certPath, 'certPath'), key: readTls(config.tls.keyPath, 'keyPath') },
        onRequest,
      )
    : createHttp(onRequest);
  const wss = new WebSocketServer({
    noServer: true,
    // The hard ceiling (ws closes with 1009); events above maxEventBytes but below this get an error event.
    maxPayload: config.maxEventBytes * 4,
    // A browser that sent its key as a subprotocol expects one protocol back, never the key itself.
    handleProtocols: (protocols) =>
      [...protocols].find((p) => p === 'realtime') ??
      [...protocols].find((p) => !p.startsWith(KEY_SUBPROTOCOL_PREFIX)) ??
      false,
  });

  const reject = (socket: Duplex, status: number, reason: string, message: string) => {
    metrics.sessionsRejected.inc({ reason });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\nconnection: ` +
        `close\r\n\r\n${JSON.stringify({ error: { code: reason, message } })}`,
    );
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/v1/realtime' && !inspect.upgrades(path))
      return reject(
        socket,
        404,
        'not_found',
        "the Realtime WebSocket is at /v1/realtime, the inspector's at /inspect/ws",
      );
    const who = auth.check(req);
    if (!who.ok) return reject(socket, 401, 'unauthorized', who.reason);
    // Watching costs no session: the limits below are for Realtime clients.
    if (inspect.upgrades(path)) return inspect.upgrade(req, socket, head);
    if (manager.draining)
      return reject(socket, 503, 'draining', 'the server is shutting down: connect to another instance');
    if (manager.size >= config.maxSessions)
      return reject(
        socket,
        429,
        'too_many_sessions',
        `this server hosts its maximum of ${config.maxSessions} sessions`,
      );
    if (who.owner !== undefined && manager.countFor(who.owner) >= config.maxSessionsPerKey) {
      return reject(
        socket,
        429,
        'too_many_sessions',
        `this API key holds its maximum of ${config.maxSessionsPerKey} sessions`,
      );
    }
    // At capacity the client is told in its own protocol: a Realtime `error` event, then the close.
    if (manager.size >= config.capacity) return wss.handleUpgrade(req, socket, head, (ws) => refuseAtCapacity(ws));
    wss.handleUpgrade(req, socket, head, (ws) => void accept(ws, socket, who.owner));
  });

  /**
   * A Realtime client past `server.capacity`: one `error` event in OpenAI's shape (`type`, `code`,
   * `message`, `param`, `event_id`), then close 1013 (try again later). It never gets a session.
   */
  const refuseAtCapacity = (ws: WebSocket, message = atCapacityMessage(config.capacity)) => {
    metrics.sessionsRejected.inc({ reason: AT_CAPACITY });
    ws.send(
      JSON.stringify({
        type: 'error',
        event_id: 'evt_1',
        error: { type: 'server_error', code: AT_CAPACITY, message, param: null, event_id: null },
      }),
    );
    ws.close(1013, 'server at capacity');
  };

  const accept = async (ws: WebSocket, socket: Duplex, owner: string | undefined) => {
    const entry: { ws: WebSocket; connection?: RealtimeConnection } = { ws };
    /**
     * Events sent in one turn of the event loop leave in one write: the socket is corked at the first
     * and uncorked once the current microtasks have run. A reply's start or end is five or six events
     * in a row, each its own system call otherwise (writes were ~7 % of a 100-client server's loop).
     */
    let corked = false;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    connections.add(entry);
    // Events that arrive while the session is being created are handled in order once it exists.
    const early: Array<string | null> = [];
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? null : String(data);
      // Messages are Buffers here (ws's default binaryType): their size comes free, the text's would be measured again.
      if (entry.connection) entry.connection.receive(text, Buffer.isBuffer(data) ? data.byteLength : undefined);
      else early.push(text);
    });
    ws.on('close', () => {
      connections.delete(entry);
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
        ...(options.timelines ? { timelines: options.timelines } : {}),
        speechDefaults: {
          transcriptionModel: pool.config.stt.engine,
          silenceDurationMs: pool.config.pipeline.vad.hangoverMs,
          prefixPaddingMs: pool.config.pipeline.vad.prefixPaddingMs,
        },
        send: (event) => {
          if (ws.readyState !== ws.OPEN) return;
          if (ws.bufferedAmount > MAX_CLIENT_BACKLOG_BYTES) return ws.close(1008, 'client is not reading its events');
          if (!corked) {
            corked = true;
            socket.cork();
            queueMicrotask(uncork);
          }
          ws.send(JSON.stringify(event));
        },
        close: (code, reason) => ws.close(code, reason),
      });
      metrics.sessionsCreated.inc();
      if (ws.readyState !== ws.OPEN) return void entry.connection.close();
      for (const text of early.splice(0)) entry.connection.receive(text);
    } catch (error) {
      // Two clients upgraded in the same moment for the last place: the later one is refused as above.
      if (error instanceof SessionLimitError && error.scope === 'capacity') return refuseAtCapacity(ws, error.message);
      const limit = error instanceof SessionLimitError;
      if (limit) metrics.sessionsRejected.inc({ reason: error.scope });
      else log.error('realtime session could not start', { error });
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
  };

  manager.onCreated(() => metrics.sessionsActive.set(manager.size));
  manager.onEnded(() => metrics.sessionsActive.set(manager.size));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
  log.info('listening', {
    url,
    realtime: `${url.replace(/^http/, 'ws')}/v1/realtime`,
    auth: auth.required ? 'api keys' : 'none',
  });

  return {
    url,
    port,
    inspect,
    async close() {
      // Still listening while draining: /readyz says 503 so load balancers move on, upgrades get 503.
      await manager.drain(config.drainTimeoutMs);
      server.close();
      for (const { ws } of connections) ws.close(1001, 'server shutting down');
      inspect.close();
      wss.close();
      server.closeAllConnections?.();
    },
  };
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
