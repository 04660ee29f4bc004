/**
 * The inspector page's own messages beside the `@statelyai/inspect` ones, sent only on its feed
 * (`feed=chart`; Stately's tools never see them):
 *
 * - `@voice-agent.turn` — one turn's latency (`turn-latency.ts`, the figures the page and `/metrics` show
 *   too), again each time a figure changes; `originWallMs` is its origin in Unix ms, on the same clock as
 *   the snapshots' `createdAt`, so a recording stepped back shows only what had happened by then;
 * - `@voice-agent.recording` — a recording's summary, first: session id, end and its reason, length, turns,
 *   the first thing the user said, and whether the replay on today's chart told every transition;
 * - `@voice-agent.bus` — a bus message of the session the chart's snapshots do not carry: an action's
 *   lifecycle (`action.request`, `action.feedback`, `action.cancel`, `action.cancelled`, and the
 *   executor's answers the chart also takes as events) and the session's notices (`estop`,
 *   `action_refused`, `action_confirming`, …). Live, from the bus; recorded, what the recording kept
 *   (the chart's requests and cancels, its notices).
 *
 * @example
 * ```ts
 * ws.send(JSON.stringify(turnMessage('robot-1', latency, Date.now() - 800)));
 * ```
 */
import { ACTION_MESSAGE_TYPES } from '../../bus/messages.js';
import type { TurnLatency } from '../../runtime/turn-latency.js';
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

/** The bus messages `@voice-agent.bus` carries: an action's lifecycle and the session's notices. */
export const FEED_BUS_TYPES = [...ACTION_MESSAGE_TYPES, 'session.notice'] as const;
export type FeedBusType = (typeof FEED_BUS_TYPES)[number];
const FEED_BUS_TYPE_SET: ReadonlySet<string> = new Set(FEED_BUS_TYPES);
const isFeedBusType = (type: string): type is FeedBusType => FEED_BUS_TYPE_SET.has(type);

/**
 * A message as `@voice-agent.bus` carries it, or undefined for one it does not carry (another type, or a
 * stored message without its turn id).
 */
export function feedMessageOf(message: {
  type: string;
  [key: string]: unknown;
}): BusFeedMessage['message'] | undefined {
  const { type, turnId, atMs } = message;
  if (!isFeedBusType(type) || typeof turnId !== 'string') return undefined;
  return { ...message, type, turnId, ...(typeof atMs === 'number' ? { atMs } : {}) };
}

export interface BusFeedMessage {
  type: '@voice-agent.bus';
  rootId: string;
  sessionId: string;
  createdAt: string;
  id: string;
  _version: string;
  /** The bus message as published (JSON values only: these types carry no audio). */
  message: { type: FeedBusType; turnId: string; atMs?: number } & Record<string, unknown>;
}

let seq = 0;

/** A bus message for the inspector page; `wallMs` is when it was published, on the snapshots' clock. */
export function busMessage(sessionId: string, message: BusFeedMessage['message'], wallMs: number): BusFeedMessage {
  return {
    type: '@voice-agent.bus',
    rootId: sessionId,
    sessionId,
    createdAt: String(Math.round(wallMs)),
    id: `${sessionId}:bus:${seq++}`,
    _version: STATELY_PROTOCOL_VERSION,
    message,
  };
}

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
