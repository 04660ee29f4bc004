/**
 * One OpenAI-Realtime-compatible client connection, bound to its own session: client events become bus
 * messages of that session (audio frames, text turns, `control.*`), the session's bus messages become
 * server events (speech started/stopped, transcripts, responses with audio and transcript deltas, function
 * calls of the actions the client runs, the actions' lifecycle and the session's notices). Any malformed
 * or unknown event gets an `error` event naming it and the client's `event_id`; the connection and the
 * session stay up. A connection can only ever address its own session.
 *
 * The protocol's state lives in pure values (session-settings.ts, audio-budget.ts, conversation.ts); this
 * file holds them, carries out the reducer's effects and wires the handlers (client-events.ts,
 * session-events.ts) to the socket and the bus.
 *
 * @example
 * ```ts
 * const connection = await openRealtimeConnection({
 *   manager,
 *   bus,
 *   clock,
 *   send: (e) => ws.send(JSON.stringify(e)),
 *   close: (c, r) => ws.close(c, r),
 *   limits,
 * });
 * ws.on('message', (data, isBinary) => connection.receive(isBinary ? null : String(data)));
 * ws.on('close', () => void connection.close());
 * ```
 */
import { createDeviceSink, type DeviceSink } from '../../adapters/audio/device-sink.js';
import type { Clock } from '../../adapters/clock.js';
import type { MessageBus } from '../../bus/message-bus.js';
import { SESSION_TURN, type BusMessage } from '../../bus/messages.js';
import { silentLogger, type Logger } from '../../runtime/logger.js';
import type { EndReason, ManagedSession, SessionManager } from '../session-manager.js';
import type { SessionTimelines } from '../session-timelines.js';
import { initialInputAudio, type InputAudio } from './audio-budget.js';
import { createAudioOut, type AudioOut } from './audio-out.js';
import { createItemStore, type ItemStore } from './items.js';
import {
  clientEventHandlers,
  type ClientCommand,
  type ClientEventDeps,
  type ClientEventHandlers,
} from './client-events.js';
import type { ConversationInput } from './conversation.js';
import { conversationDriver } from './conversation-driver.js';
import { parseClientEvent, type AudioFormat, type ClientEvent, type ProtocolError } from './protocol.js';
import { createResponseTracker, type ResponseTracker } from './responses.js';
import { strictChecks } from '../../bus/strict-checks.js';
import { checkServerEvent, type ServerEvent } from './server-events.js';
import { SESSION_MESSAGE_TYPES, sessionEventHandler } from './session-events.js';
import { createNoiseReduction, type NoiseReduction } from './noise-reduction.js';
import {
  initialSettings,
  sampleRateOf,
  sessionObject,
  type ServerSpeechDefaults,
  type SessionSettings,
} from './session-settings.js';
import { latencyEvent } from './turn-latency-event.js';

export interface RealtimeLimits {
  maxEventBytes: number;
  /** Audio a client may append per second of wall time, sustained (a 30 s burst is allowed: audio-budget.ts). */
  maxAudioSecondsPerSecond: number;
}

export interface RealtimeConnectionOptions {
  manager: SessionManager;
  bus: MessageBus;
  clock: Clock;
  owner?: string;
  limits: RealtimeLimits;
  send(event: ServerEvent & { event_id: string }): void;
  close(code: number, reason: string): void;
  log?: Logger;
  /** Called for every error event sent (metrics). */
  onClientError?(code: string): void;
  /** The server's turn figures: each change is sent as `voice_agent.turn.latency`. */
  timelines?: SessionTimelines;
  /** The server's STT and VAD timing, as the session object reports them. */
  speechDefaults?: ServerSpeechDefaults;
}

export interface RealtimeConnection {
  readonly session: ManagedSession;
  /**
   * One WebSocket message: its text, or `null` for a binary frame (not part of the protocol). `byteLength`
   * is the message's size on the wire when the caller has it (the socket's buffer), which spares measuring
   * the text again.
   */
  receive(text: string | null, byteLength?: number): void;
  /** The client went away: the session ends. */
  close(): Promise<void>;
}

/** What the connection holds and replaces as the client and the session go: one object, read by every handler. */
interface ConnectionState {
  settings: SessionSettings;
  input: InputAudio;
  /** The session's id once it is open (`''` until then). */
  sessionId: string;
  /** Either side ended the session: nothing more is received or closed. */
  closed: boolean;
}

export async function openRealtimeConnection(options: RealtimeConnectionOptions): Promise<RealtimeConnection> {
  const { manager, bus, clock } = options;
  const log = options.log ?? silentLogger;
  const state: ConnectionState = {
    settings: initialSettings(options.speechDefaults),
    input: initialInputAudio(clock.now()),
    sessionId: '',
    closed: false,
  };

  const send = eventSender(options, log, state, () => audioOut.holding() && audioOut.flush());
  const items = createItemStore();
  const responses: ResponseTracker = createResponseTracker({
    send,
    items,
    bytesPerMs: () => outputBytesPerMs(state.settings.outputFormat),
    onIdle: () => conversation.dispatch({ type: 'responses_idle' }),
  });
  const format = () => state.settings.outputFormat;
  const audioOut = createAudioOut({ responses, format, lipSync: () => state.settings.lipSync });
  // The session's own microphone conditioning (`noise_reduction`), read by its input at every frame.
  const noiseReduction = createNoiseReduction();
  const { session, sink } = await openSession(options, noiseReduction, audioOut, format);
  const { handle } = session;
  const sessionId = session.id;
  state.sessionId = sessionId;

  const { fail, failFor } = errorReporter(options, send);
  const publish = commandPublisher(bus, sessionId);
  const conversation = conversationDriver({ bus, sessionId, handle, responses, items, send, fail, failFor });
  const { dispatch } = conversation;

  const wiring: Wiring = { options, state, handle, send, dispatch, responses, items, fail, failFor, publish };
  const handlers = clientHandlers(wiring, noiseReduction, sink);
  const unfollow = await followSession(wiring);
  void session.ended.then((reason) => {
    unfollow();
    if (!state.closed) options.close(...CLOSE_FOR[reason]);
    state.closed = true;
  });

  send({ type: 'session.created', session: sessionObject(sessionId, state.settings) });
  // Where the chart stands now (a page shows it before anything happens), then every change.
  send({ type: 'voice_agent.session.state', value: handle.state(), cause: 'connected', turn_id: SESSION_TURN });
  log.info('realtime client connected', { sessionId });

  const isClosed = () => state.closed;
  return {
    session,
    receive: receiver({ options, log, session, handlers, fail, isClosed, handling: conversation.handling }),
    async close() {
      if (state.closed) return;
      state.closed = true;
      await manager.end(sessionId, 'client_closed');
    },
  };
}

/** Bytes of output audio per millisecond in `format` (16-bit PCM, or 8-bit G.711). */
function outputBytesPerMs(format: AudioFormat): number {
  return (sampleRateOf(format) * (format.type === 'audio/pcm' ? 2 : 1)) / 1000;
}

/** The settings as the client events read and replace them: a new `noise_reduction` applies at once. */
function settingsAccess(state: ConnectionState, noiseReduction: NoiseReduction): ClientEventDeps['settings'] {
  return {
    get: () => state.settings,
    set: (next) => {
      state.settings = next;
      noiseReduction.apply({ input_audio_noise_reduction: next.noiseReduction });
    },
  };
}

/** The connection's pieces its client and session handlers share, once the session is open. */
interface Wiring {
  options: RealtimeConnectionOptions;
  state: ConnectionState;
  handle: ManagedSession['handle'];
  send(event: ServerEvent): void;
  dispatch(input: ConversationInput): void;
  responses: ResponseTracker;
  items: ItemStore;
  fail(error: ProtocolError, type?: string): void;
  failFor: ClientEventDeps['failFor'];
  publish(command: ClientCommand): void;
}

/** The client events' handlers, each acting on this connection's session only. */
function clientHandlers(wiring: Wiring, noiseReduction: NoiseReduction, sink: () => DeviceSink): ClientEventHandlers {
  const { options, state } = wiring;
  return clientEventHandlers({
    sessionId: state.sessionId,
    maxAudioSecondsPerSecond: options.limits.maxAudioSecondsPerSecond,
    nowMs: () => options.clock.now(),
    send: wiring.send,
    publish: wiring.publish,
    dispatch: wiring.dispatch,
    failFor: wiring.failFor,
    responses: wiring.responses,
    items: wiring.items,
    settings: settingsAccess(state, noiseReduction),
    input: { get: () => state.input, set: (next) => void (state.input = next) },
    session: wiring.handle,
    setOutputRate: (rate) => sink().setSampleRate(rate),
  });
}

/**
 * Follows the session: its bus messages become server events (and feed the stall watch), its turn figures
 * `voice_agent.turn.latency`. Resolves once the subscriptions are in place, with the function that stops it all.
 */
async function followSession(wiring: Wiring): Promise<() => void> {
  const { options, state, handle, send, responses, fail } = wiring;
  const { bus, clock } = options;
  const onSessionMessage = sessionEventHandler({
    send,
    dispatch: wiring.dispatch,
    responses,
    items: wiring.items,
    fail,
    settings: () => state.settings,
    appendedMs: () => state.input.appendedMs,
    connectedAtMs: clock.now(),
    chartState: () => handle.state(),
  });
  const serverVad = () => state.settings.turnDetection !== null;
  const stall = watchForStalls({ input: () => state.input, serverVad, fail, publish: wiring.publish });
  const onMessage = (m: BusMessage) => {
    stall.heard(m);
    onSessionMessage(m);
  };
  const { sessionId } = state;
  const subs = SESSION_MESSAGE_TYPES.map((type) => bus.subscribe(bus.subjects.forEvent(sessionId, type), onMessage));
  await bus.flush();

  const unwatchTurns = options.timelines?.watch(sessionId, (latency) =>
    send(latencyEvent(latency, responses.idsOfTurn(latency.turnId).response_id)),
  );
  return () => {
    stall.stop();
    unwatchTurns?.();
    for (const s of subs) s.unsubscribe();
  };
}

/** The connection's session, its output played through `audioOut` at the output format's rate. */
async function openSession(
  options: RealtimeConnectionOptions,
  noiseReduction: NoiseReduction,
  audioOut: AudioOut,
  format: () => AudioFormat,
) {
  let sink: DeviceSink | undefined;
  const session = await options.manager.create({
    ...(options.owner !== undefined ? { owner: options.owner } : {}),
    inputSwitches: noiseReduction.switches,
    sink: () =>
      (sink = createDeviceSink({
        clock: options.clock,
        sampleRateHz: sampleRateOf(format()),
        send: (frame, meta) => audioOut.write(frame, meta),
        clear: () => audioOut.clear(),
      })),
  });
  const created = () => {
    if (!sink) throw new Error('the session has no output sink yet');
    return sink;
  };
  return { session, sink: created };
}

/**
 * Why 2 s: a client's audio may pause for a network hiccup of a second; no microphone stops for 2 s in the
 * middle of someone speaking. Longer than the VAD's hangover, so a client that stops sending right after
 * its user's last word has its utterance ended here rather than held open.
 */
export const INPUT_STALL_MS = 2000;
const STALL_CHECK_MS = 250;

/**
 * A client whose audio stops in the middle of an utterance (server VAD): its VAD never hears the end, and
 * the utterance would hold its recognizer open for good. After {@link INPUT_STALL_MS} without an append,
 * the client gets an `input_audio_stalled` error and the utterance is ended there (as a commit would).
 */
function watchForStalls(deps: {
  input: () => InputAudio;
  serverVad: () => boolean;
  fail: (error: ProtocolError) => void;
  publish: (command: ClientCommand) => void;
}): { heard(m: BusMessage): void; stop(): void } {
  let speaking = false;
  let lastAppendedMs = deps.input().appendedMs;
  let quietChecks = 0;
  const timer = setInterval(() => {
    const { appendedMs } = deps.input();
    quietChecks = appendedMs === lastAppendedMs ? quietChecks + 1 : 0;
    lastAppendedMs = appendedMs;
    if (!speaking || !deps.serverVad() || quietChecks * STALL_CHECK_MS < INPUT_STALL_MS) return;
    speaking = false;
    deps.fail({
      code: 'input_audio_stalled',
      message:
        `no audio for ${INPUT_STALL_MS / 1000} s in the middle of speech: the utterance is ended here. Keep ` +
        `appending the microphone's audio in real time, its silences too (or use turn_detection null and commit)`,
      param: null,
      event_id: null,
    });
    deps.publish({ type: 'audio.commit' });
  }, STALL_CHECK_MS);
  timer.unref();
  return {
    heard(m) {
      if (m.type === 'vad.speech_start') {
        speaking = true;
        quietChecks = 0;
      } else if (m.type === 'vad.speech_end') speaking = false;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * `error` events: about the protocol or the session (`fail`), or about one client event (`failFor`, with its
 * `event_id`).
 */
function errorReporter(options: RealtimeConnectionOptions, send: (event: ServerEvent) => void) {
  const fail = (error: ProtocolError, type = 'invalid_request_error') => {
    options.onClientError?.(error.code);
    send({
      type: 'error',
      error: { type, code: error.code, message: error.message, param: error.param, event_id: error.event_id },
    });
  };
  const failFor = (event: ClientEvent, code: string, message: string, param: string | null = null) =>
    fail({ code, message, event_id: event.event_id ?? null, param });
  return { fail, failFor };
}

/** A client's command as a bus message of its session. */
function commandPublisher(bus: MessageBus, sessionId: string): (command: ClientCommand) => void {
  return (command) => {
    if (command.type === 'control.estop')
      return bus.publish({ type: 'control.estop', sessionId, turnId: SESSION_TURN, source: 'client' });
    if (command.type === 'control.truncate') return bus.publish({ ...command, sessionId });
    bus.publish({ ...command, sessionId, turnId: SESSION_TURN });
  };
}

/**
 * Sends one event with its `event_id`, after the audio held for this tick (`beforeSend`). Under strict checks
 * (`setStrictChecks`) an event that does not match `ServerEventSchema` is logged and reported to the client.
 */
function eventSender(
  options: RealtimeConnectionOptions,
  log: Logger,
  state: Pick<ConnectionState, 'sessionId'>,
  beforeSend: () => void,
): (event: ServerEvent) => void {
  let eventCounter = 0;
  const reportInvalid = (wire: unknown) => {
    const problem = checkServerEvent(wire);
    if (problem === undefined) return;
    log.error('invalid realtime server event', { sessionId: state.sessionId, problem });
    options.send({
      event_id: `evt_${++eventCounter}`,
      type: 'error',
      error: { type: 'server_error', code: 'invalid_server_event', message: problem, param: null, event_id: null },
    });
  };
  return (event) => {
    beforeSend();
    const wire: ServerEvent & { event_id: string } = { event_id: `evt_${++eventCounter}`, ...event };
    if (strictChecks().checkServerEvents) reportInvalid(wire);
    options.send(wire);
  };
}

interface ReceiverDeps {
  options: RealtimeConnectionOptions;
  log: Logger;
  session: ManagedSession;
  handlers: ClientEventHandlers;
  fail(error: ProtocolError, type?: string): void;
  isClosed(): boolean;
  handling: { event: ClientEvent | undefined };
}

/** One WebSocket message: size-checked, parsed, handed to its handler; a handler's bug is reported, not thrown. */
function receiver(deps: ReceiverDeps): RealtimeConnection['receive'] {
  const { options, log, session, fail } = deps;
  return (text, byteLength) => {
    if (deps.isClosed()) return;
    session.touch();
    if (text === null)
      return fail({
        code: 'binary_not_supported',
        message: 'send events as JSON text messages, not binary frames',
        event_id: null,
        param: null,
      });
    if ((byteLength ?? Buffer.byteLength(text)) > options.limits.maxEventBytes) {
      return fail({
        code: 'event_too_large',
        message: `the event is larger than ${options.limits.maxEventBytes} bytes: split audio into smaller appends`,
        event_id: null,
        param: null,
      });
    }
    const parsed = parseClientEvent(text);
    if (!parsed.ok) return fail(parsed.error);
    deps.handling.event = parsed.event;
    try {
      (deps.handlers[parsed.event.type] as (e: ClientEvent) => void)(parsed.event);
    } catch (error) {
      // A bug here must not take the connection (or another session) down: report it on this one.
      log.error('realtime event failed', { sessionId: session.id, type: parsed.event.type, error });
      fail(
        {
          code: 'server_error',
          message: `the server failed to handle ${parsed.event.type}`,
          event_id: parsed.event.event_id ?? null,
          param: null,
        },
        'server_error',
      );
    } finally {
      deps.handling.event = undefined;
    }
  };
}

/** The WebSocket close code and reason a client gets when its session ends on the server's side. */
const CLOSE_FOR: Record<EndReason, [number, string]> = {
  end: [1000, 'session ended'],
  client_closed: [1000, 'session ended'],
  idle_timeout: [4000, 'session idle for too long'],
  // 1001 "going away": the client should reconnect, to another instance if there is one.
  draining: [1001, 'server shutting down'],
  error: [1011, 'session failed'],
};
