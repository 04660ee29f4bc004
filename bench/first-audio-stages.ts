/**
 * `--scenario server --stages`: where a Realtime turn's time to first audio goes. The server's bus is
 * tapped for each turn's milestones (`user.text`, the first `llm.token`, the first `tts.requested` and
 * `tts.first_chunk`, `playback.started`) and joined with the client's own times by session and response
 * id (`resp_<turnId>`), both on the wall clock (`performance.timeOrigin` + `performance.now()` in each
 * process). Opt-in: the taps are five more subscribers on a busy bus.
 *
 * @example
 * ```ts
 * const tap = tapFirstAudioStages(server.bus);
 * // … the client fleet runs
 * const stages = tap.join(fleet); // p50 / p99 of each stage, in ms
 * tap.stop();
 * ```
 */
import type { MessageBus } from '../bus/message-bus.js';
import type { FleetResult } from './server-clients.js';
import { summarize, type Percentiles } from './stats.js';

/** p50 / p99 of each stage of the turns answered in the client's window, ms. */
export interface FirstAudioStages {
  /**
   * `response.create` sent by the client → the typed text on the server's bus (network, the server's queue, the
   * connection).
   */
  inbound: Percentiles;
  /**
   * `user.text` → first `llm.token` (the chart, the reply actors' start, the LLM; the fake has no first-token delay).
   */
  toFirstToken: Percentiles;
  /** First `tts.requested` → `tts.first_chunk`, over the fake TTS's own latency: how late its timer fired. */
  ttsOverLatency: Percentiles;
  /** `tts.first_chunk` → `playback.started` (the first frame written to the client's sink). */
  toPlayback: Percentiles;
  /** `playback.started` → the first audio delta at the client (serialization, the socket, the client's loop). */
  outbound: Percentiles;
  /** Turns joined (answered in the window, with every milestone seen). */
  turns: number;
}

interface ServerTurn {
  userTextAtMs?: number;
  firstTokenAtMs?: number;
  ttsRequestedAtMs?: number;
  ttsFirstChunkAtMs?: number;
  playbackStartedAtMs?: number;
}

const wallNow = () => performance.timeOrigin + performance.now();

export function tapFirstAudioStages(bus: MessageBus, ttsLatencyMs: number) {
  const turns = new Map<string, ServerTurn>();
  /** The last typed text per session: the turn it starts gets its id only at `llm.started`. */
  const lastText = new Map<string, number>();
  const turnOf = (sessionId: string, turnId: string) => {
    const key = `${sessionId}/${turnId}`;
    let turn = turns.get(key);
    if (!turn) turns.set(key, (turn = {}));
    return turn;
  };
  const subs = [
    bus.subscribe(bus.subjects.allSessions('user', 'text'), (m) => void lastText.set(m.sessionId, wallNow())),
    bus.subscribe(bus.subjects.allSessions('llm', 'token'), (m) => {
      const turn = turnOf(m.sessionId, m.turnId);
      if (turn.firstTokenAtMs !== undefined) return;
      turn.firstTokenAtMs = wallNow();
      turn.userTextAtMs = lastText.get(m.sessionId);
    }),
    bus.subscribe(
      bus.subjects.allSessions('tts', 'requested'),
      (m) => void (turnOf(m.sessionId, m.turnId).ttsRequestedAtMs ??= wallNow()),
    ),
    bus.subscribe(
      bus.subjects.allSessions('tts', 'first_chunk'),
      (m) => void (turnOf(m.sessionId, m.turnId).ttsFirstChunkAtMs ??= wallNow()),
    ),
    bus.subscribe(
      bus.subjects.allSessions('playback', 'started'),
      (m) => void (turnOf(m.sessionId, m.turnId).playbackStartedAtMs ??= wallNow()),
    ),
  ];
  return {
    join(fleet: FleetResult): FirstAudioStages {
      const rows: Array<Record<keyof Omit<FirstAudioStages, 'turns'>, number>> = [];
      for (const t of fleet.turns) {
        if (
          t.firstAudioAtMs === undefined ||
          t.firstAudioAtMs < fleet.windowStartMs ||
          t.firstAudioAtMs > fleet.windowEndMs
        )
          continue;
        const turnId = t.responseId?.replace(/^resp_/, '');
        const s = t.sessionId && turnId ? turns.get(`${t.sessionId}/${turnId}`) : undefined;
        if (
          !s ||
          s.userTextAtMs === undefined ||
          s.firstTokenAtMs === undefined ||
          s.ttsRequestedAtMs === undefined ||
          s.ttsFirstChunkAtMs === undefined ||
          s.playbackStartedAtMs === undefined
        )
          continue;
        rows.push({
          inbound: s.userTextAtMs - (fleet.timeOrigin + t.requestAtMs),
          toFirstToken: s.firstTokenAtMs - s.userTextAtMs,
          ttsOverLatency: s.ttsFirstChunkAtMs - s.ttsRequestedAtMs - ttsLatencyMs,
          toPlayback: s.playbackStartedAtMs - s.ttsFirstChunkAtMs,
          outbound: fleet.timeOrigin + t.firstAudioAtMs - s.playbackStartedAtMs,
        });
      }
      const of = (key: keyof (typeof rows)[number]) => summarize(rows.map((r) => r[key]));
      return {
        inbound: of('inbound'),
        toFirstToken: of('toFirstToken'),
        ttsOverLatency: of('ttsOverLatency'),
        toPlayback: of('toPlayback'),
        outbound: of('outbound'),
        turns: rows.length,
      };
    },
    stop() {
      for (const sub of subs) sub.unsubscribe();
    },
  };
}
