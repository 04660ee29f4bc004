/**
 * Prometheus metrics for `/metrics` (prom-client, a registry of the server's own so several servers can
 * live in one process): sessions, turns, barge-ins, errors by code, and the latency histograms the notes
 * ask for: from the user's end of speech (the last voiced frame, as `turn-latency.ts` computes it for the
 * page and the inspector too) to the transcript, the first token, the first clause and the first audio,
 * the end-of-turn wait itself, and STOP → silence. Only sessions this process hosts are counted (on NATS
 * the wildcard subscriptions also see other hosts' sessions).
 *
 * @example
 * ```ts
 * const metrics = createServerMetrics();
 * const timelines = createSessionTimelines({ bus, isHosted });
 * const observer = observeSessions(metrics, bus, (id) => manager.get(id) !== undefined, timelines);
 * res.end(await metrics.registry.metrics());
 * ```
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { ReplyCancelReason } from '../../bus/notices.js';
import type { Subscription } from '../../bus/transport.js';
import type { SessionTimelines } from '../session-timelines.js';
import type { TurnLatency } from '../../runtime/turn-latency.js';

/** Why these buckets (ms): from a cached phrase (~1 ms) to a slow cloud turn (5 s), roughly doubling. */
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 200, 300, 400, 600, 800, 1200, 2000, 5000];

export interface ServerMetrics {
  readonly registry: Registry;
  readonly sessionsActive: Gauge;
  /** `server.capacity`: the sessions this process admits (a load balancer routes on it beside `va_sessions_active`). */
  readonly sessionCapacity: Gauge;
  readonly sessionsCreated: Counter;
  readonly sessionsRejected: Counter<'reason'>;
  readonly turns: Counter<'outcome'>;
  readonly bargeIns: Counter;
  readonly errors: Counter<'code'>;
  readonly clientErrors: Counter<'code'>;
  readonly speechEndToTranscript: Histogram;
  readonly speechEndToFirstToken: Histogram;
  readonly speechEndToFirstClause: Histogram;
  readonly speechEndToFirstAudio: Histogram;
  readonly endOfTurn: Histogram;
  readonly stopToSilence: Histogram;
  readonly echoHeldUser: Counter;
  readonly echoHeldUserMs: Counter;
  readonly echoHalfDuplexMs: Counter;
  readonly estopOwnVoice: Counter;
}

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'va_' });
  // In this order on /metrics: the registry lists metrics as they were made.
  return {
    registry,
    ...sessionMetrics(registry),
    ...turnMetrics(registry),
    ...latencyMetrics(registry),
    ...echoMetrics(registry),
  };
}

/** Sessions hosted, admitted, created and refused. */
function sessionMetrics(
  registry: Registry,
): Pick<ServerMetrics, 'sessionsActive' | 'sessionCapacity' | 'sessionsCreated' | 'sessionsRejected'> {
  return {
    sessionsActive: new Gauge({
      name: 'va_sessions_active',
      help: 'Sessions this process hosts now',
      registers: [registry],
    }),
    sessionCapacity: new Gauge({
      name: 'va_session_capacity',
      help: 'Sessions this process admits (server.capacity)',
      registers: [registry],
    }),
    sessionsCreated: new Counter({
      name: 'va_sessions_created_total',
      help: 'Sessions created',
      registers: [registry],
    }),
    sessionsRejected: new Counter({
      name: 'va_sessions_rejected_total',
      help: 'Session requests refused (limits, capacity, auth, draining)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

/** Replies by outcome, barge-ins, and errors by code (the session's and those sent to Realtime clients). */
function turnMetrics(registry: Registry): Pick<ServerMetrics, 'turns' | 'bargeIns' | 'errors' | 'clientErrors'> {
  return {
    turns: new Counter({
      name: 'va_turns_total',
      help: 'Replies by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    bargeIns: new Counter({
      name: 'va_barge_ins_total',
      help: 'Replies cut by the user speaking',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'va_session_errors_total',
      help: 'session.error messages by code',
      labelNames: ['code'],
      registers: [registry],
    }),
    clientErrors: new Counter({
      name: 'va_client_errors_total',
      help: 'Error events sent to Realtime clients by code',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}

/** The latency histograms (ms), all with {@link LATENCY_BUCKETS_MS}. */
function latencyMetrics(
  registry: Registry,
): Pick<
  ServerMetrics,
  | 'speechEndToTranscript'
  | 'speechEndToFirstToken'
  | 'speechEndToFirstClause'
  | 'speechEndToFirstAudio'
  | 'endOfTurn'
  | 'stopToSilence'
> {
  const histogram = (name: string, help: string) =>
    new Histogram({ name, help, buckets: LATENCY_BUCKETS_MS, registers: [registry] });
  return {
    speechEndToTranscript: histogram(
      'va_speech_end_to_transcript_ms',
      "The user's end of speech (last voiced frame) to the final transcript (ms)",
    ),
    speechEndToFirstToken: histogram(
      'va_speech_end_to_first_token_ms',
      "The user's end of speech (last voiced frame) to the first LLM token (ms)",
    ),
    speechEndToFirstClause: histogram(
      'va_speech_end_to_first_clause_ms',
      "The user's end of speech (last voiced frame) to the first clause sent to TTS (ms)",
    ),
    speechEndToFirstAudio: histogram(
      'va_speech_end_to_first_audio_ms',
      "The user's end of speech (last voiced frame) to the first reply audio frame written (ms)",
    ),
    endOfTurn: histogram(
      'va_end_of_turn_ms',
      "The user's end of speech to the VAD's end of speech: the end-of-turn wait (ms)",
    ),
    stopToSilence: histogram('va_stop_to_silence_ms', 'STOP (control.stop) to the playback stopped report (ms)'),
  };
}

/** What the echo step held back or let through, and stop phrases heard in the robot's own voice. */
function echoMetrics(
  registry: Registry,
): Pick<ServerMetrics, 'echoHeldUser' | 'echoHeldUserMs' | 'echoHalfDuplexMs' | 'estopOwnVoice'> {
  return {
    echoHeldUser: new Counter({
      name: 'va_echo_held_user_total',
      help:
        'Spans of microphone audio the echo step held back though they may have been the user (echo_held_user ' +
        'notices)',
      registers: [registry],
    }),
    echoHeldUserMs: new Counter({
      name: 'va_echo_held_user_ms_total',
      help: 'Microphone audio held back by the echo step that may have been the user (ms)',
      registers: [registry],
    }),
    echoHalfDuplexMs: new Counter({
      name: 'va_echo_half_duplex_ms_total',
      help:
        "The agent's speech the echo step was half duplex over, its filter still learning: a user quieter than the " +
        'echo was not heard (ms; echo_half_duplex notices)',
      registers: [registry],
    }),
    estopOwnVoice: new Counter({
      name: 'va_estop_own_voice_total',
      help:
        "Stop phrases the stop spotter heard in the robot's own voice, let through by the echo canceller, and did " +
        'not act on (estop_own_voice notices)',
      registers: [registry],
    }),
  };
}

/** Why 10,000: open turns per process at once; past it the oldest are forgotten rather than grow. */
const MAX_OPEN_TURNS = 10_000;

/** The latency histograms and the figure of a turn each observes, once, when the turn first has it. */
const LATENCY_FIGURES = [
  ['endOfTurn', 'endOfTurnMs'],
  ['speechEndToTranscript', 'transcriptMs'],
  ['speechEndToFirstToken', 'firstTokenMs'],
  ['speechEndToFirstClause', 'firstClauseMs'],
  ['speechEndToFirstAudio', 'firstAudioMs'],
] as const satisfies ReadonlyArray<readonly [keyof ServerMetrics, keyof TurnLatency]>;

/**
 * Subscribes (once per process, wildcards) to the messages the counters are made of, and to the shared
 * turn timelines for the latency histograms (a user's turn only: typed turns have no end of speech).
 */
export function observeSessions(
  metrics: ServerMetrics,
  bus: MessageBus,
  isHosted: (sessionId: string) => boolean,
  timelines: SessionTimelines,
): Subscription {
  const stopAt = new Map<string, number>();
  const bounded = <V>(map: Map<string, V>) => {
    if (map.size > MAX_OPEN_TURNS) map.delete(map.keys().next().value!);
  };
  const unwatch = timelines.watchAll((latency, before) => {
    if (latency.from === 'request') return;
    for (const [histogram, figure] of LATENCY_FIGURES) {
      const value = latency[figure];
      if (typeof value === 'number' && before?.[figure] === undefined)
        (metrics[histogram] as Histogram).observe(Math.max(0, value));
    }
  });

  const onMessage = (m: BusMessage) => {
    if (!isHosted(m.sessionId)) return;
    switch (m.type) {
      case 'control.stop':
        stopAt.set(m.sessionId, m.atMs);
        bounded(stopAt);
        break;
      case 'playback.stopped': {
        const from = stopAt.get(m.sessionId);
        if (from !== undefined) metrics.stopToSilence.observe(Math.max(0, m.atMs - from));
        stopAt.delete(m.sessionId);
        break;
      }
      case 'playback.finished':
        metrics.turns.inc({ outcome: 'finished' });
        break;
      case 'session.notice':
        if (m.code === 'reply_cancelled') {
          metrics.turns.inc({
            outcome:
              m.reason === ReplyCancelReason.barge_in || m.reason === ReplyCancelReason.stop ? 'interrupted' : 'failed',
          });
          if (m.reason === ReplyCancelReason.barge_in) metrics.bargeIns.inc();
        }
        if (m.code === 'echo_held_user') {
          metrics.echoHeldUser.inc();
          metrics.echoHeldUserMs.inc(m.heldMs);
        }
        if (m.code === 'echo_half_duplex') metrics.echoHalfDuplexMs.inc(m.durationMs);
        if (m.code === 'estop_own_voice') metrics.estopOwnVoice.inc();
        break;
      case 'session.error':
        metrics.errors.inc({ code: m.code });
        break;
    }
  };
  const subs = (
    [
      ['playback', 'stopped'],
      ['playback', 'finished'],
      ['control', 'stop'],
      ['session', 'notice'],
      ['session', 'error'],
    ] as const
  ).map(([stage, event]) => bus.subscribe(bus.subjects.allSessions(stage, event), onMessage));
  return {
    unsubscribe: () => {
      unwatch();
      subs.forEach((s) => s.unsubscribe());
    },
  };
}
