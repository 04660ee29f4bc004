/**
 * `voice_agent.turn.latency` (not in the OpenAI protocol; clients ignore unknown types): one turn's figures
 * as `runtime/turn-latency.ts` computes them for the inspector and `/metrics` too, ms from the user's end of
 * speech (`from`), null where not reached yet. The page shows them beside its own first-audio figure.
 *
 * @example
 * ```ts
 * send(latencyEvent({ id: 's1#u1', turnId: 'u1', from: 'voice_end', originAtMs: 0, firstAudioMs: 310 }, 'resp_u1'));
 * ```
 */
import type { TurnLatency } from '../../runtime/turn-latency.js';
import type { ServerEvent } from './server-events.js';

export function latencyEvent(l: TurnLatency, responseId: string): ServerEvent {
  return {
    type: 'voice_agent.turn.latency',
    turn_id: l.turnId,
    item_id: `item_${l.turnId}`,
    response_id: responseId,
    words: l.words ?? null,
    heard: l.heard ?? null,
    from: l.from,
    end_of_turn_ms: l.endOfTurnMs ?? null,
    transcript_ms: l.transcriptMs ?? null,
    first_token_ms: l.firstTokenMs ?? null,
    first_clause_ms: l.firstClauseMs ?? null,
    first_audio_ms: l.firstAudioMs ?? null,
    end_ms: l.endMs ?? null,
    outcome: l.outcome ?? null,
    reason: l.reason ?? null,
  };
}
