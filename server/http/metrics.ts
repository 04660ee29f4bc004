/**
 * Prometheus metrics for `/metrics` (prom-client, a registry of the server's own so several servers can
 * live in one process): sessions, turns, barge-ins, errors by code, and the latency histograms the notes
 * ask for, measured from the sessions' bus messages (their `atMs`): speech end → transcript, → first
 * token, → first audio, and STOP → silence. Only sessions this process hosts are counted (on NATS the
 * wildcard subscriptions also see other hosts' sessions).
 *
 * @example
 * ```ts
 * const metrics = createServerMetrics();
 * const observer = observeSessions(metrics, bus, (id) => manager.get(id) !== undefined);
 * res.end(await metrics.registry.metrics());
 * ```
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import type { Subscription } from '../../bus/transport.js';

/** Why these buckets (ms): from a cached phrase (~1 ms) to a slow cloud turn (5 s), roughly doubling. */
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 200, 300, 400, 600, 800, 1200, 2000, 5000];

export interface ServerMetrics {
  readonly registry: Registry;
  readonly sessionsActive: Gauge;
  readonly sessionsCreated: Counter;
  readonly sessionsRejected: Counter<'reason'>;
  readonly turns: Counter<'outcome'>;
  readonly bargeIns: Counter;
  readonly errors: Counter<'code'>;
  readonly clientErrors: Counter<'code'>;
  readonly speechEndToTranscript: Histogram;
  readonly speechEndToFirstToken: Histogram;
  readonly speechEndToFirstAudio: Histogram;
  readonly stopToSilence: Histogram;
}

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'va_' });
  const histogram = (name: string, help: string) => new Histogram({ name, help, buckets: LATENCY_BUCKETS_MS, registers: [registry] });
  return {
    registry,
    sessionsActive: new Gauge({ name: 'va_sessions_active', help: 'Sessions this process hosts now', registers: [registry] }),
    sessionsCreated: new Counter({ name: 'va_sessions_created_total', help: 'Sessions created', registers: [registry] }),
    sessionsRejected: new Counter({ name: 'va_sessions_rejected_total', help: 'Session requests refused (limits, auth, draining)', labelNames: ['reason'], registers: [registry] }),
    turns: new Counter({ name: 'va_turns_total', help: 'Replies by outcome', labelNames: ['outcome'], registers: [registry] }),
    bargeIns: new Counter({ name: 'va_barge_ins_total', help: 'Replies cut by the user speaking', registers: [registry] }),
    errors: new Counter({ name: 'va_session_errors_total', help: 'session.error messages by code', labelNames: ['code'], registers: [registry] }),
    clientErrors: new Counter({ name: 'va_client_errors_total', help: 'Error events sent to Realtime clients by code', labelNames: ['code'], registers: [registry] }),
    speechEndToTranscript: histogram('va_speech_end_to_transcript_ms', 'VAD speech end to the final transcript (ms)'),
    speechEndToFirstToken: histogram('va_speech_end_to_first_token_ms', 'VAD speech end to the first LLM token (ms)'),
    speechEndToFirstAudio: histogram('va_speech_end_to_first_audio_ms', 'VAD speech end to the first reply audio frame (ms)'),
    stopToSilence: histogram('va_stop_to_silence_ms', 'STOP (control.stop) to the playback stopped report (ms)'),
  };
}

/** Why 10,000: open turns per process at once; past it the oldest are forgotten rather than grow. */
const MAX_OPEN_TURNS = 10_000;

/** Subscribes (once per process, wildcards) to the messages the metrics are made of. */
export function observeSessions(metrics: ServerMetrics, bus: MessageBus, isHosted: (sessionId: string) => boolean): Subscription {
  const speechEnd = new Map<string, number>();
  const stopAt = new Map<string, number>();
  const seen = new Map<string, Set<string>>();
  const key = (m: BusMessage) => `${m.sessionId}#${m.turnId}`;
  const once = (m: BusMessage, what: string) => {
    let s = seen.get(key(m));
    if (!s) seen.set(key(m), (s = new Set()));
    if (s.has(what)) return false;
    s.add(what);
    return true;
  };
  const bounded = <V>(map: Map<string, V>) => {
    if (map.size > MAX_OPEN_TURNS) map.delete(map.keys().next().value!);
  };
  const since = (m: BusMessage) => speechEnd.get(key(m));
  const forget = (m: BusMessage) => {
    speechEnd.delete(key(m));
    seen.delete(key(m));
  };

  const onMessage = (m: BusMessage) => {
    if (!isHosted(m.sessionId)) return;
    switch (m.type) {
      case 'vad.speech_end':
        speechEnd.set(key(m), m.atMs);
        bounded(speechEnd);
        bounded(seen);
        break;
      case 'stt.final': {
        const from = since(m);
        if (from !== undefined && once(m, 'transcript')) metrics.speechEndToTranscript.observe(m.atMs - from);
        break;
      }
      case 'llm.started': {
        const from = since(m);
        if (from !== undefined && once(m, 'token')) metrics.speechEndToFirstToken.observe(m.atMs - from);
        break;
      }
      case 'playback.started': {
        const from = since(m);
        if (from !== undefined && m.kind !== 'filler' && once(m, 'audio')) metrics.speechEndToFirstAudio.observe(m.atMs - from);
        break;
      }
      case 'control.stop':
        stopAt.set(m.sessionId, m.atMs);
        bounded(stopAt);
        break;
      case 'playback.stopped': {
        const from = stopAt.get(m.sessionId);
        if (from !== undefined) metrics.stopToSilence.observe(Math.max(0, m.atMs - from));
        stopAt.delete(m.sessionId);
        forget(m);
        break;
      }
      case 'playback.finished':
        metrics.turns.inc({ outcome: 'finished' });
        forget(m);
        break;
      case 'session.notice':
        if (m.code === 'reply_cancelled') {
          metrics.turns.inc({ outcome: m.detail === 'barge_in' || m.detail === 'stop' ? 'interrupted' : 'failed' });
          if (m.detail === 'barge_in') metrics.bargeIns.inc();
        }
        break;
      case 'session.error':
        metrics.errors.inc({ code: m.code });
        break;
    }
  };
  const subs = (
    [
      ['vad', 'speech_end'],
      ['stt', 'final'],
      ['llm', 'started'],
      ['playback', 'started'],
      ['playback', 'stopped'],
      ['playback', 'finished'],
      ['control', 'stop'],
      ['session', 'notice'],
      ['session', 'error'],
    ] as const
  ).map(([stage, event]) => bus.subscribe(bus.subjects.allSessions(stage, event), onMessage));
  return { unsubscribe: () => subs.forEach((s) => s.unsubscribe()) };
}
