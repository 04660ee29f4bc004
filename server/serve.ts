/**
 * `voice-agent serve`: one process hosting many sessions. Engines are built and warmed once
 * (`engine-pool.ts`); sessions are made on demand by Realtime WebSocket clients, SSE requests, robots on
 * NATS (`<prefix>.sessions.create`) or listed at start (`sessionIds`). Without `nats.servers` the bus is
 * in-process (the embedded default); with it every session's subjects are on that NATS server, so devices
 * and workers in other processes take part.
 *
 * @example
 * ```ts
 * const server = await serve({ config: loadConfig({ env: process.env }) });
 * console.log(server.http.url); // http://127.0.0.1:8080 — clients connect to /v1/realtime
 * await server.stop();
 * ```
 */
import { hostname } from 'node:os';
import type { InputSwitches } from '../adapters/audio/input-conditioner.js';
import { systemClock, type Clock } from '../adapters/clock.js';
import type { ActionServer } from '../adapters/actions/executor.js';
import type { Subscription } from '../bus/transport.js';
import type { SinkKind } from '../runtime/runtime-options.js';
import { buildFingerprint } from './records/rerun-material.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import { connectNatsTransport } from '../bus/nats-transport.js';
import type { AppConfig } from '../runtime/config.js';
import { buildEngines, type EnginePool } from '../runtime/engine-pool.js';
import { applyHeapGrowth } from './heap-growth.js';
import { startHttpServer, type HttpServer } from './http/http-server.js';
import { createServerMetrics, observeSessions, type ServerMetrics } from './http/metrics.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { startFoxgloveLive, type FoxgloveLive } from './records/foxglove-live.js';
import {
  createSessionRecorder,
  openRecordStore,
  startMcapRecorder,
  mcapRecorderSettings,
  startOutboxRelay,
  type McapRecorder,
  type OutboxRelay,
  type RecordSink,
  type RecordStore,
} from './records/index.js';
import { recordOptionsFrom, type RecordOptions } from './records/options.js';
import { createSessionManager, type SessionManager, type SessionManagerOptions } from './session-manager.js';
import { startSimulatedRobot } from '../runtime/simulated-robot.js';
import { createSessionTimelines, type SessionTimelines } from './session-timelines.js';
import { createNatsSessionDirectory } from './session-directory.js';
import { serveSessionPlacement, type SessionPlacement } from './session-placement.js';
import { youngGenerationAdvice } from './young-generation.js';

export interface ServeOptions {
  /** The configuration; `nats.servers` puts the bus on NATS (absent: in-process). */
  config: AppConfig;
  /** Sessions created at start (robots on NATS that do not ask for one). */
  sessionIds?: string[];
  log?: Logger;
  /** Identifies this process in placement replies (default: hostname and pid). */
  hostId?: string;
  /**
   * Record sessions into this SQLite file (`:memory:` allowed) with the `record.*` settings, and relay
   * turn records to JetStream when there is NATS (docs/records.md). Absent: nothing is recorded.
   */
  db?: string;
}

export interface VoiceAgentServer {
  readonly bus: MessageBus;
  readonly pool: EnginePool;
  readonly manager: SessionManager;
  readonly metrics: ServerMetrics;
  readonly http: HttpServer;
  readonly hostId: string;
  /** The session records (with `db`): list live and recorded sessions, read their events, turns, history. */
  readonly records: RecordStore | undefined;
  /** The live view in Foxglove (`server.foxglove`), publishing what is recorded as it happens. */
  readonly foxglove: FoxgloveLive | undefined;
  /** The sessions written as MCAP files as they run (`record.mcapDir`). */
  readonly mcap: McapRecorder | undefined;
  /**
   * Graceful: stops accepting, lets running turns finish (up to `server.drainTimeoutMs`), closes clients and the bus.
   */
  stop(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<VoiceAgentServer> {
  const { config } = options;
  // Before anything is built: the engines' warm-up is the first thing the heap holds.
  applyHeapGrowth(config.server.heapGrowthPercent);
  const log = options.log ?? createLogger({ level: config.server.logLevel });
  const clock = systemClock;
  const hostId = options.hostId ?? `${hostname()}-${process.pid}`;
  // First: a directory it cannot make is refused before anything else is started.
  const mcap = startMcap(config, log);
  const bus = await connectBus(config, hostId, clock, log);
  const pool = buildEngines(config, { clock, sessions: config.server.capacity });
  // With the bus in-process, the reference robot executes `controller` actions (`actions.simulate`).
  const robot = startSimulatedRobot({ config, bus, clock, declared: pool.runtime.config.declaredActions, log });
  const recordOptions = recordOptionsFrom(config);
  const { records, relay } = config.record.enabled && options.db ? openRecords(options.db, recordOptions, log) : {};
  const foxglove = await startFoxglove(config, records, log).catch(async (error: unknown) => {
    await closeRunning({ robot, bus, records, relay, mcap });
    throw error;
  });
  const recorder = sessionRecorder(recordSink(records, mcap, foxglove, config), recordOptions, { bus, clock, config });
  const hosting = hostSessions({ config, pool, bus, clock, log, hostId, recorder });
  const running = { ...hosting, robot, bus, records, relay, mcap, foxglove };
  const { http, placement } = await goLive(running, { options, pool, clock, log, hostId });
  const { manager, metrics } = hosting;
  log.info('serving', {
    hostId,
    url: http.url,
    bus: config.nats.servers ?? 'in-process',
    sessions: manager.size,
    records: records?.file ?? 'off',
  });
  const youngGeneration = youngGenerationAdvice();
  if (youngGeneration) log.warn("V8's young generation has its default size", { fix: youngGeneration });
  let stopping: Promise<void> | undefined;
  return {
    bus,
    pool,
    manager,
    metrics,
    http,
    hostId,
    records,
    foxglove,
    mcap,
    stop() {
      stopping ??= (async () => {
        log.info('draining', { sessions: manager.size, deadlineMs: config.server.drainTimeoutMs });
        placement?.stop();
        await closeRunning({ ...running, http });
        log.info('stopped');
      })();
      return stopping;
    },
  };
}

/** What serve has started; {@link closeRunning} closes it. Parts not started yet are absent. */
interface Running {
  http?: HttpServer | undefined;
  observer?: Subscription | undefined;
  timelines?: SessionTimelines | undefined;
  robot: ActionServer | undefined;
  bus: MessageBus;
  records: RecordStore | undefined;
  relay: OutboxRelay | undefined;
  mcap: McapRecorder | undefined;
  foxglove?: FoxgloveLive | undefined;
}

/** Closes what serve started: the clients first, then the bus, then where the records go. */
async function closeRunning(running: Running): Promise<void> {
  await running.http?.close();
  running.observer?.unsubscribe();
  running.timelines?.close();
  await running.robot?.close();
  await running.bus.close();
  await closeRecords(running.records, running.relay);
  await running.mcap?.close();
  await running.foxglove?.close();
}

/** The bus: on the `nats.servers` when configured, else in-process. */
async function connectBus(config: AppConfig, hostId: string, clock: Clock, log: Logger): Promise<MessageBus> {
  // A throwing subscriber is a bug: it goes to the log, and delivery to the others goes on.
  const onHandlerError = (error: unknown, subject: string) => log.error('bus handler threw', { subject, error });
  const nats = config.nats.servers;
  const transport = nats
    ? await connectNatsTransport({ servers: nats, name: `voice-agent-serve-${hostId}`, onHandlerError })
    : createMemoryTransport({ onHandlerError });
  return createMessageBus(transport, { clock, prefix: config.nats.prefix });
}

/** Makes a recorder for each session that writes to `recordTo`; without a sink, sessions are not recorded. */
function sessionRecorder(
  recordTo: RecordSink | undefined,
  recordOptions: RecordOptions,
  { bus, clock, config }: { bus: MessageBus; clock: Clock; config: AppConfig },
): SessionManagerOptions['recorder'] {
  if (!recordTo) return undefined;
  return ({ sinkKind, inputSwitches }: { sinkKind: SinkKind; inputSwitches?: InputSwitches }) =>
    createSessionRecorder(recordTo, {
      bus,
      clock,
      ...recordOptions.recorder,
      input: { sinkKind, ...(inputSwitches ? { switches: inputSwitches } : {}), build: buildFingerprint(config) },
    });
}

interface HostingOptions {
  config: AppConfig;
  pool: EnginePool;
  bus: MessageBus;
  clock: Clock;
  log: Logger;
  hostId: string;
  recorder: SessionManagerOptions['recorder'];
}

/** The session manager with what watches its sessions. */
interface Hosting {
  manager: SessionManager;
  metrics: ServerMetrics;
  timelines: SessionTimelines;
  observer: Subscription;
}

/** The session manager with its metrics and turn timelines. */
function hostSessions({ config, pool, bus, clock, log, hostId, recorder }: HostingOptions): Hosting {
  const { apiKeys, heapGrowthPercent, ...limits } = config.server;
  // On NATS, several serve processes share the subjects: a session id must run on one of them only.
  const directory = config.nats.servers ? createNatsSessionDirectory({ bus, hostId }) : undefined;
  const manager = createSessionManager({
    pool,
    bus,
    clock,
    limits,
    log,
    ...(recorder ? { recorder } : {}),
    ...(directory ? { directory } : {}),
  });
  const metrics = createServerMetrics();
  metrics.sessionCapacity.set(config.server.capacity);
  // Every hosted session's turn figures, once: for /metrics, the Realtime clients and the inspector alike.
  const timelines = createSessionTimelines({ bus, isHosted: (id) => manager.get(id) !== undefined });
  manager.onEnded((session) => timelines.forget(session.id));
  const observer = observeSessions(metrics, bus, (id) => manager.get(id) !== undefined, timelines);
  return { manager, metrics, timelines, observer };
}

interface LiveOptions {
  options: ServeOptions;
  pool: EnginePool;
  clock: Clock;
  log: Logger;
  hostId: string;
}

/**
 * Listens, warms the engines, makes the listed sessions and (on NATS) answers placement requests. If any of it
 * fails, everything started is closed before the error is thrown.
 */
async function goLive(
  running: Running & Hosting,
  { options, pool, clock, log, hostId }: LiveOptions,
): Promise<{ http: HttpServer; placement: SessionPlacement | undefined }> {
  const { config } = options;
  const { manager, bus } = running;
  let http: HttpServer | undefined;
  try {
    // Listening first, so /healthz answers and /readyz says "warming" while models load.
    http = await startHttpServer({
      manager,
      pool,
      bus,
      clock,
      config: config.server,
      metrics: running.metrics,
      log,
      records: running.records,
      timelines: running.timelines,
    });
    await warmUp(pool, config, clock, log);
    await createListedSessions(options.sessionIds ?? [], manager, bus, log);
    const placement = config.nats.servers
      ? serveSessionPlacement({
          bus,
          manager,
          hostId,
          maxSessions: Math.min(config.server.maxSessions, config.server.capacity),
          log,
        })
      : undefined;
    return { http, placement };
  } catch (error) {
    await closeRunning({ ...running, http });
    throw error;
  }
}

/** Warms the engines, logging how long it took and which engines they are. */
async function warmUp(pool: EnginePool, config: AppConfig, clock: Clock, log: Logger): Promise<void> {
  const startedAtMs = clock.now();
  await pool.warmUp();
  log.info('engines warm', {
    ms: Math.round(clock.now() - startedAtMs),
    vad: config.vad.engine,
    stt: config.stt.engine,
    llm: config.llm.engine,
    tts: config.tts.engines.map((e) => e.engine),
  });
}

/** Makes the sessions listed at start, for devices on the bus that do not ask for one. */
async function createListedSessions(
  sessionIds: string[],
  manager: SessionManager,
  bus: MessageBus,
  log: Logger,
): Promise<void> {
  for (const sessionId of sessionIds) {
    await manager.create({ sessionId });
    log.info('session ready for a device on the bus', {
      sessionId,
      microphone: bus.subjects.forEvent(sessionId, 'audio.frame'),
      speaker: bus.subjects.forEvent(sessionId, 'audio.out'),
    });
  }
}

/**
 * Why 2 s: at shutdown the relay gets this long to publish the last turn records; what it cannot
 * publish stays in the outbox and goes out at the next start.
 */
const RELAY_SHUTDOWN_MS = 2000;

/** The live view publishes the session records as they are collected: without records there is nothing to show. */
async function startFoxglove(
  config: AppConfig,
  records: RecordStore | undefined,
  log: Logger,
): Promise<FoxgloveLive | undefined> {
  const options = config.server.foxglove;
  if (!options) return undefined;
  if (!records) {
    throw new Error(
      'the Foxglove live view publishes the session records: give serve a --db file and leave record.enabled on, ' +
        'or drop --foxglove',
    );
  }
  const live = await startFoxgloveLive({
    ...options,
    onError: (error) => log.error('the Foxglove live view could not publish a message', { error }),
  });
  log.info('Foxglove live view', { url: live.url });
  return live;
}

function startMcap(config: AppConfig, log: Logger): McapRecorder | undefined {
  const dir = config.record.mcapDir;
  if (dir === undefined) return undefined;
  log.info('writing sessions as MCAP', { dir });
  return startMcapRecorder({
    dir,
    ...mcapRecorderSettings(config.record),
    onError: (error, file) => log.error('an MCAP recording could not be written; the session goes on', { file, error }),
  });
}

/**
 * Where session recorders write: the database, with the MCAP files and the live view tapping it; MCAP alone without
 * one.
 */
function recordSink(
  records: RecordStore | undefined,
  mcap: McapRecorder | undefined,
  foxglove: FoxgloveLive | undefined,
  config: AppConfig,
): RecordSink | undefined {
  const stored = records && mcap ? mcap.tap(records) : records;
  if (stored) return foxglove ? foxglove.tap(stored) : stored;
  return mcap?.sink({ flushEveryMs: config.record.flushEveryMs });
}

function openRecords(
  file: string,
  recordOptions: RecordOptions,
  log: Logger,
): { records: RecordStore; relay: OutboxRelay | undefined } {
  const records = openRecordStore({
    file,
    ...recordOptions.store,
    onError: (error) => log.error('session records could not be written; kept in memory and retried', { file, error }),
  });
  const relay = recordOptions.outbox ? startOutboxRelay({ store: records, ...recordOptions.outbox, log }) : undefined;
  log.info('recording sessions', {
    file,
    audio: recordOptions.recorder.audio,
    outbox: recordOptions.outbox?.stream ?? 'off',
  });
  return { records, relay };
}

async function closeRecords(records: RecordStore | undefined, relay: OutboxRelay | undefined): Promise<void> {
  records?.flush();
  if (relay) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      relay.drained(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, RELAY_SHUTDOWN_MS))),
    ]);
    clearTimeout(timer);
    await relay.stop();
  }
  await records?.close();
}
