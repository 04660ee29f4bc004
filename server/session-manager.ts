/**
 * Sessions on demand in one process: `create` binds the shared engines to a new session (its own VAD,
 * its sink, its subjects) and starts its chart; a session ends on END (the chart's final state), on
 * `end` (a client disconnected), after `idleTimeoutMs` without client input while the chart is idle, or
 * on `drain`. Limits are checked before anything is built: sessions per process and per API key.
 *
 * @example
 * ```ts
 * const manager = createSessionManager({
 *   pool,
 *   bus,
 *   clock: systemClock,
 *   limits: { maxSessions: 100, maxSessionsPerKey: 10, idleTimeoutMs: 300_000 },
 * });
 * const session = await manager.create({ owner: 'key-1' }); // a bus sink: the device plays <prefix>.<id>.audio.out
 * session.handle.sendText('hello');
 * await manager.end(session.id, 'client_closed');
 * ```
 */
import { randomUUID } from 'node:crypto';
import { createBusSink } from '../adapters/audio/bus-sink.js';
import type { InputSwitches } from '../adapters/audio/input-conditioner.js';
import type { AudioSink } from '../adapters/audio/sink.js';
import type { Clock } from '../adapters/clock.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { Subscription } from '../bus/transport.js';
import { DialogState } from '../machines/states.js';
import { CONFIG_DEFAULTS } from '../runtime/config/defaults.js';
import type { EnginePool } from '../runtime/engine-pool.js';
import type { SessionDirectory } from './session-directory.js';
import type { SinkKind } from '../runtime/runtime-options.js';
import { silentLogger, type Logger } from '../runtime/logger.js';
import { assembleSession } from '../runtime/assemble-session.js';
import type { SessionHandle, StartSessionOptions } from '../runtime/session-host.js';

export interface SessionLimits {
  /** Sessions this process hosts at once. */
  maxSessions: number;
  /**
   * Sessions this process admits while keeping its latency and stop promises (`server.capacity`); a new
   * session past it is refused with scope `capacity`. Absent: only `maxSessions` bounds them.
   */
  capacity?: number;
  /** Sessions one API key (owner) may hold at once. */
  maxSessionsPerKey: number;
  /** A session with no client input for this long, while its chart is idle, ends. */
  idleTimeoutMs: number;
}

/**
 * The configuration's defaults (`server.maxSessions`, `server.maxSessionsPerKey`, `server.idleTimeoutMs`),
 * where the reasons are. `server.capacity` is `serve`'s to pass: a manager made elsewhere (a bench, the
 * library) is bounded by `maxSessions` alone.
 */
const { maxSessions, maxSessionsPerKey, idleTimeoutMs } = CONFIG_DEFAULTS.server;
export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions, maxSessionsPerKey, idleTimeoutMs };

export type EndReason = 'end' | 'client_closed' | 'idle_timeout' | 'draining' | 'error';

export interface CreateSessionRequest {
  /** Default: a fresh `s-<8 hex>`. */
  sessionId?: string;
  /** The API key (or its id) the session belongs to; limits count per owner. */
  owner?: string;
  /** The session's audio output; default: a bus sink (`<prefix>.<id>.audio.out` / `audio.clear`). */
  sink?: (sessionId: string) => AudioSink;
  /**
   * Where that output is heard (decides `audio.echoCancel: "auto"`); default `device` for the bus sink, `client` for a
   * custom one.
   */
  sinkKind?: SinkKind;
  /** Input steps the client switches on and off (a Realtime client's `noise_reduction`); see engine-pool.ts. */
  inputSwitches?: InputSwitches;
}

export interface ManagedSession {
  readonly id: string;
  readonly owner: string | undefined;
  readonly handle: SessionHandle;
  readonly createdAtMs: number;
  /** Client input arrived: the idle timer starts over. */
  touch(): void;
  /** Resolves with the reason once the session has ended and its resources are freed. */
  readonly ended: Promise<EndReason>;
}

/** The process or the key is at its session limit (HTTP 429), or the server is draining (HTTP 503). */
/** What a client refused at `server.capacity` is told. */
export const atCapacityMessage = (capacity: number) =>
  `this server is at its capacity of ${capacity} sessions (server.capacity), past which its sessions would miss ` +
  `their latency and stop promises: connect to another instance or try again later`;

export class SessionLimitError extends Error {
  override name = 'SessionLimitError';
  constructor(
    message: string,
    readonly scope: 'process' | 'capacity' | 'key' | 'draining',
  ) {
    super(message);
  }
}

/** A session with this id already runs here, or (with a session directory) on another host. */
export class SessionExistsError extends Error {
  override name = 'SessionExistsError';
}

export interface SessionManager {
  readonly size: number;
  readonly draining: boolean;
  /** The other hosts' sessions on the same NATS cluster (absent on the in-process bus). */
  readonly directory: SessionDirectory | undefined;
  create(request?: CreateSessionRequest): Promise<ManagedSession>;
  get(sessionId: string): ManagedSession | undefined;
  list(): ManagedSession[];
  countFor(owner: string): number;
  /** Ends one session; resolves once it is gone. Unknown ids are ignored. */
  end(sessionId: string, reason: EndReason): Promise<void>;
  /** Stops taking sessions; ends each once its chart is idle, and the rest at `deadlineMs`. */
  drain(deadlineMs: number): Promise<void>;
  /** Called after a session ended (metrics, placement). */
  onEnded(listener: (session: ManagedSession, reason: EndReason) => void): void;
  onCreated(listener: (session: ManagedSession) => void): void;
}

export interface SessionManagerOptions {
  pool: EnginePool;
  bus: MessageBus;
  clock: Clock;
  limits?: Partial<SessionLimits>;
  log?: Logger;
  /** Publish `session.state` on every transition (needed by clients that watch the state). */
  publishState?: boolean;
  /** Records each session (server/records): called once per session, attached before its chart starts. */
  recorder?: (input: { sinkKind: SinkKind; inputSwitches?: InputSwitches }) => SessionRecording;
  /**
   * Sessions of the other hosts on the same NATS cluster (`session-directory.ts`): a chosen id that runs
   * elsewhere is refused, and this host answers for its own sessions.
   */
  directory?: SessionDirectory;
}

/** What the manager needs of a session recorder: attach before start, close with the end reason. */
export interface SessionRecording {
  readonly attach: NonNullable<StartSessionOptions['attach']>;
  close(reason: EndReason): void;
}

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

interface Entry extends ManagedSession {
  lastInputAtMs: number;
  recording: SessionRecording | undefined;
  activity: Subscription[];
  finish(reason: EndReason): void;
  release(): void;
}

export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const { clock } = options;
  const limits: SessionLimits = { ...DEFAULT_SESSION_LIMITS, ...options.limits };
  const log = options.log ?? silentLogger;
  const sessions = new Map<string, Entry>();
  /** Ids being built (engines binding): they count against the limits already. */
  const reserved = new Map<string, string | undefined>();
  const endedListeners: Array<(s: ManagedSession, r: EndReason) => void> = [];
  const createdListeners: Array<(s: ManagedSession) => void> = [];
  let draining = false;
  let sweep: unknown;

  const countFor = (owner: string) =>
    [...sessions.values()].filter((s) => s.owner === owner).length +
    [...reserved.values()].filter((o) => o === owner).length;

  // Why a sweep every second (or half the timeout): idle ends need no precision, and one timer serves all sessions.
  const sweepEveryMs = Math.max(10, Math.min(1000, limits.idleTimeoutMs / 2));
  const scheduleSweep = () => {
    if (sweep !== undefined || sessions.size === 0) return;
    sweep = clock.setTimeout(() => {
      sweep = undefined;
      const now = clock.now();
      for (const s of sessions.values()) {
        if (now - s.lastInputAtMs >= limits.idleTimeoutMs && s.handle.matches(DialogState.idle))
          void manager.end(s.id, 'idle_timeout');
      }
      scheduleSweep();
    }, sweepEveryMs);
  };

  const manager: SessionManager = {
    get size() {
      return sessions.size + reserved.size;
    },
    get draining() {
      return draining;
    },
    directory: options.directory,
    async create(request = {}) {
      refuseOverLimits(manager, limits, request.owner);
      const sessionId = request.sessionId ?? `s-${randomUUID().slice(0, 8)}`;
      if (!SESSION_ID.test(sessionId))
        throw new SessionExistsError(`session id "${sessionId}" is invalid: use 1-64 of A-Z a-z 0-9 _ -`);
      if (sessions.has(sessionId) || reserved.has(sessionId))
        throw new SessionExistsError(`session ${sessionId} already exists here: pick another id`);
      reserved.set(sessionId, request.owner);
      let entry: Entry;
      try {
        entry = await openEntry(manager, options, sessionId, request);
      } finally {
        reserved.delete(sessionId);
      }
      sessions.set(sessionId, entry);
      log.info('session started', { sessionId, owner: request.owner, sessions: sessions.size });
      for (const l of createdListeners) l(entry);
      scheduleSweep();
      return entry;
    },
    get: (sessionId) => sessions.get(sessionId),
    list: () => [...sessions.values()],
    countFor,
    async end(sessionId, reason) {
      const entry = sessions.get(sessionId);
      if (!entry) return;
      sessions.delete(sessionId);
      for (const s of entry.activity) s.unsubscribe();
      try {
        await entry.handle.stop();
      } catch (error) {
        log.error('session did not stop cleanly', { sessionId, error });
      }
      entry.release();
      entry.recording?.close(reason);
      log.info('session ended', { sessionId, reason, sessions: sessions.size });
      entry.finish(reason);
      for (const l of endedListeners) l(entry, reason);
      if (sessions.size === 0 && sweep !== undefined) {
        clock.clearTimeout(sweep);
        sweep = undefined;
      }
    },
    async drain(deadlineMs) {
      draining = true;
      const deadline = clock.now() + deadlineMs;
      // Why poll every 50 ms: running turns end on their own schedule; this only notices it.
      while (sessions.size > 0 && clock.now() < deadline) {
        await Promise.all(
          [...sessions.values()]
            .filter((s) => s.handle.matches(DialogState.idle))
            .map((s) => manager.end(s.id, 'draining')),
        );
        if (sessions.size > 0)
          await new Promise<void>((resolve) =>
            clock.setTimeout(resolve, Math.min(50, Math.max(1, deadline - clock.now()))),
          );
      }
      await Promise.all([...sessions.keys()].map((id) => manager.end(id, 'draining')));
    },
    onEnded: (listener) => void endedListeners.push(listener),
    onCreated: (listener) => void createdListeners.push(listener),
  };
  return manager;
}

const drainingMessage = 'the server is shutting down and takes no new sessions: connect to another instance';

/** Throws a {@link SessionLimitError} if a new session would pass a limit, or the manager is draining. */
function refuseOverLimits(manager: SessionManager, limits: SessionLimits, owner: string | undefined): void {
  if (manager.draining) throw new SessionLimitError(drainingMessage, 'draining');
  if (manager.size >= limits.maxSessions) {
    throw new SessionLimitError(
      `this server hosts its maximum of ${limits.maxSessions} sessions: try again later or raise ` +
        `server.maxSessions`,
      'process',
    );
  }
  if (limits.capacity !== undefined && manager.size >= limits.capacity)
    throw new SessionLimitError(atCapacityMessage(limits.capacity), 'capacity');
  if (owner !== undefined && manager.countFor(owner) >= limits.maxSessionsPerKey) {
    throw new SessionLimitError(
      `this API key holds its maximum of ${limits.maxSessionsPerKey} sessions: close one or raise ` +
        `server.maxSessionsPerKey`,
      'key',
    );
  }
}

/**
 * Builds a session: claimed in the directory, its sink and recorder made, the engines bound, the chart
 * ready. If a step fails, the claim and the recording are given up before the error is thrown.
 */
async function openEntry(
  manager: SessionManager,
  options: SessionManagerOptions,
  sessionId: string,
  request: CreateSessionRequest,
): Promise<Entry> {
  const { pool, bus, clock } = options;
  let recording: SessionRecording | undefined;
  let answering: Subscription | undefined;
  try {
    answering = await claimInDirectory(manager, sessionId, request);
    const sink =
      request.sink?.(sessionId) ??
      createBusSink({ bus, clock, sessionId, sampleRateHz: pool.config.audio.outputRateHz });
    // Made before the engines are bound: a recorder writes nothing until the chart attaches it.
    const sinkKind = request.sinkKind ?? (request.sink ? 'client' : 'device');
    const inputSwitches = request.inputSwitches ? { inputSwitches: request.inputSwitches } : {};
    recording = options.recorder?.({ sinkKind, ...inputSwitches });
    const { session: handle, release } = await assembleSession(pool, {
      sessionId,
      bus,
      clock,
      sink,
      sinkKind,
      ...inputSwitches,
      publishState: options.publishState ?? true,
      ...(recording ? { attach: recording.attach } : {}),
    });
    const entry = newEntry({ id: sessionId, owner: request.owner, handle, recording, release }, clock);
    if (answering) entry.activity.push(answering);
    if (!request.sink) watchDevice(bus, sessionId, entry);
    // END (from anyone) reaches the chart's final state: the session is over.
    handle.actor.subscribe({ complete: () => void manager.end(sessionId, 'end') });
    await handle.ready();
    return entry;
  } catch (error) {
    answering?.unsubscribe();
    recording?.close('error');
    throw error;
  }
}

/**
 * With a session directory, announces the session so other hosts refuse its id; a chosen id that already
 * runs on another host is refused here. Returns the announcement, to withdraw when the session ends.
 */
async function claimInDirectory(
  manager: SessionManager,
  sessionId: string,
  request: CreateSessionRequest,
): Promise<Subscription | undefined> {
  const { directory } = manager;
  if (!directory) return undefined;
  // A fresh id is this host's own; a chosen one may already run on another host.
  const elsewhere = request.sessionId === undefined ? undefined : await directory.lookup(sessionId);
  if (elsewhere)
    throw new SessionExistsError(
      `session ${sessionId} already runs on host ${elsewhere.hostId}: pick another id, or talk to it there`,
    );
  // Looking it up took a while: the manager may have started draining meanwhile.
  if (manager.draining) throw new SessionLimitError(drainingMessage, 'draining');
  return directory.announce(sessionId, request.owner);
}

/** A session's entry, its idle clock starting now; `touch` starts it over. */
function newEntry(session: Pick<Entry, 'id' | 'owner' | 'handle' | 'recording' | 'release'>, clock: Clock): Entry {
  let finish!: (reason: EndReason) => void;
  const ended = new Promise<EndReason>((resolve) => (finish = resolve));
  const entry: Entry = {
    id: session.id,
    owner: session.owner,
    handle: session.handle,
    createdAtMs: clock.now(),
    lastInputAtMs: clock.now(),
    recording: session.recording,
    activity: [],
    ended,
    finish,
    release: session.release,
    touch: () => {
      entry.lastInputAtMs = clock.now();
    },
  };
  return entry;
}

/**
 * A device on the bus has no connection to watch: its own messages are its activity. Raw subscriptions,
 * so nothing is decoded twice.
 */
function watchDevice(bus: MessageBus, sessionId: string, entry: Entry): void {
  for (const event of ['audio.frame', 'user.text', 'control.say', 'control.stop'] as const) {
    entry.activity.push(bus.transport.subscribe(bus.subjects.forEvent(sessionId, event), entry.touch));
  }
}
