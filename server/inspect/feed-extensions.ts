/**
 * The inspector page's own messages beside the `@statelyai/inspect` ones, sent only on its feed
 * (`feed=chart`; Stately's tools never see them):
 *
 * - `@voice-agent.turn` — one turn's latency (`turn-latency.ts`, the figures the page and `/metrics` show
 *   too), again each time a figure changes; `originWallMs` is its origin in Unix ms, on the same clock as
 *   the snapshots' `createdAt`, so a recording stepped back shows only what had happened by then;
 * - `@voice-agent.recording` — a recording's summary, first: session id, end and its reason, length, turns,
 *   the first thing the user said, and whether the replay on today's chart told every transition.
 *
 * @example
 * ```ts
 * ws.send(JSON.stringify(turnMessage('robot-1', latency, Date.now() - 800)));
 * ```
 */
import type { TurnLatency } from '../turn-latency.js';
import { STATELY_PROTOCOL_VERSION } from './stately-events.js';

export interface TurnMessage {
  type: '@voice-agent.turn';
  rootId: string;
  sessionId: string;
  createdAt: string;
  id: string;
  _version: string;
  turn: TurnLatency & { originWallMs: number };
}

export interface RecordingSummaryMessage {
  type: '@voice-agent.recording';
  rootId: string;
  sessionId: string;
  createdAt: string;
  id: string;
  _version: string;
  recording: {
    id: string;
    sessionId: string;
    startedWallMs: number;
    /** Ms since the start; null when the recording never saw its end (the process died). */
    endedAtMs: number | null;
    endReason: string | null;
    events: number;
    turns: number;
    firstUtterance: string | null;
    /** `exact`: every transition is the chart's own (replayed); else where inference took over. */
    transitions: 'exact' | 'inferred';
  };
}

let seq = 0;

export function turnMessage(sessionId: string, turn: TurnLatency, originWallMs: number): TurnMessage {
  return {
    type: '@voice-agent.turn',
    rootId: sessionId,
    sessionId,
    createdAt: String(Math.round(originWallMs)),
    id: `${sessionId}:turn:${seq++}`,
    _version: STATELY_PROTOCOL_VERSION,
    turn: { ...turn, originWallMs: Math.round(originWallMs) },
  };
}

export function recordingMessage(summary: RecordingSummaryMessage['recording']): RecordingSummaryMessage {
  return {
    type: '@voice-agent.recording',
    rootId: summary.sessionId,
    sessionId: summary.sessionId,
    createdAt: String(summary.startedWallMs),
    id: `${summary.id}:summary`,
    _version: STATELY_PROTOCOL_VERSION,
    recording: summary,
  };
}
