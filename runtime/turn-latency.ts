/**
 * One turn's latency, the one computation behind every figure the server shows: the inspector's
 * waterfall, the page's latency list (`voice_agent.turn.latency`) and the `/metrics` histograms. From a
 * {@link TurnTimeline}: the milliseconds from the user's real end of speech — the last voiced frame, not
 * the end of the VAD's hangover — to the transcript, the first token, the first clause and the first audio
 * written to the output, with the turn id, the user's words and how the reply ended.
 *
 * What the figures count from (`from`): `voice_end` (the VAD said when the voice stopped), `speech_end`
 * (the VAD's end of speech: a VAD that does not say, or manual turn detection) or `request` (a typed
 * message or a SAY: when the reply was asked for).
 *
 * @example
 * ```ts
 * turnLatency({
 *   id: 's1#u1',
 *   turnId: 'u1',
 *   voiceEndAtMs: 1000,
 *   speechEndAtMs: 1600,
 *   transcriptAtMs: 1630,
 *   firstAudioAtMs: 1800,
 * });
 * // { turnId: 'u1', from: 'voice_end', endOfTurnMs: 600, transcriptMs: 630, firstAudioMs: 800, … }
 * ```
 */
import type { TurnTimeline } from '../bus/messages.js';

export interface TurnLatency {
  /** `sessionId#turnId`. */
  id: string;
  turnId: string;
  /** The user's words (the transcript), when the turn has them. */
  words?: string;
  /** Of the reply: what was heard. */
  heard?: string;
  from: 'voice_end' | 'speech_end' | 'request';
  /** The origin, on the producers' clock (ms). */
  originAtMs: number;
  /** Voice end → the VAD's end of speech: the time spent deciding the user had finished. */
  endOfTurnMs?: number;
  transcriptMs?: number;
  firstTokenMs?: number;
  firstClauseMs?: number;
  /** The reply's first audio frame written to the output (the device, or the client's socket). */
  firstAudioMs?: number;
  endMs?: number;
  outcome?: 'finished' | 'interrupted' | 'failed';
  /** Why it did not finish (`barge_in`, `stop`, `end`, `tts_timeout`, …). */
  reason?: string;
}

/** The figures of a turn that has an origin; undefined for one that has none yet. */
export function turnLatency(turn: TurnTimeline): TurnLatency | undefined {
  const [from, originAtMs] =
    turn.voiceEndAtMs !== undefined
      ? (['voice_end', turn.voiceEndAtMs] as const)
      : turn.speechEndAtMs !== undefined
        ? (['speech_end', turn.speechEndAtMs] as const)
        : turn.llmRequestAtMs !== undefined
          ? (['request', turn.llmRequestAtMs] as const)
          : [undefined, undefined];
  if (from === undefined) return undefined;
  const since = (at: number | undefined) => (at === undefined ? undefined : Math.round(at - originAtMs));
  const out: TurnLatency = { id: turn.id, turnId: turn.turnId, from, originAtMs };
  const figures = {
    words: turn.userText,
    heard: turn.heardText,
    endOfTurnMs: from === 'voice_end' ? since(turn.speechEndAtMs) : undefined,
    transcriptMs: since(turn.transcriptAtMs),
    firstTokenMs: since(turn.firstTokenAtMs),
    firstClauseMs: since(turn.firstClauseAtMs),
    firstAudioMs: since(turn.firstAudioAtMs),
    endMs: since(turn.endedAtMs),
    outcome: turn.outcome,
    reason: turn.reason,
  };
  for (const [key, value] of Object.entries(figures))
    if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
  return out;
}
