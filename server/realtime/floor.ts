/**
 * When a Realtime client is told the user has the floor. Clients stop playing the reply at
 * `input_audio_buffer.speech_started` (they flush their buffer and truncate), while the chart keeps a
 * reply going until speech over it passes the interruption policy (`session.bargeIn`: minimum speech,
 * words). So speech that starts while a reply is in progress is held: `speech_started` (and its
 * `speech_stopped` and commit, if the VAD ended it first) goes out when the chart cuts the reply for it,
 * right before that response's end, and never when the chart drops it (a cough, too short, too few
 * words, an uninterruptible reply). Speech with no reply in progress is told at once. A client that
 * flushes at `speech_started` thus never loses a reply the chart keeps, and never hears one it cut.
 * Pure: `step(state, input)` gives the next state and the events to let out.
 *
 * @example
 * ```ts
 * let floor = NO_SPEECH_HELD;
 * const s = stepFloor(floor, { type: 'speech_start', turnId: 'u2', replyInProgress: true, started });
 * floor = s.state; // s.release: [] — held until the chart cuts the reply for it ({ type: 'floor_taken' })
 * ```
 */
import type { ServerEvent } from './server-events.js';

export interface HeldSpeech {
  readonly turnId: string;
  readonly started: ServerEvent;
  /** The VAD ended it before the chart decided: its `speech_stopped`, and it is to be committed. */
  readonly stopped: ServerEvent | null;
}

export interface FloorState {
  readonly held: HeldSpeech | null;
  /** The last utterance the chart dropped: its end, if the VAD reports it later, is not told either. */
  readonly dropped: string | null;
}
export const NO_SPEECH_HELD: FloorState = { held: null, dropped: null };

export type FloorInput =
  | { type: 'speech_start'; turnId: string; replyInProgress: boolean; started: ServerEvent }
  | { type: 'speech_end'; turnId: string; stopped: ServerEvent }
  /** The chart cut the reply for the speech (`reply_cancelled` `barge_in`), or the reply ended while it went on. */
  | { type: 'floor_taken' }
  | { type: 'utterance_dropped'; turnId: string };

/** What to let out now: events in order, and the turn whose utterance is to be committed (`voice_committed`). */
export type FloorRelease = Array<{ type: 'event'; event: ServerEvent } | { type: 'commit'; turnId: string }>;

export function stepFloor(state: FloorState, input: FloorInput): { state: FloorState; release: FloorRelease } {
  const { held } = state;
  switch (input.type) {
    case 'speech_start':
      // A new utterance replaces one held (the VAD began again; the chart did too).
      if (input.replyInProgress)
        return {
          state: { ...state, held: { turnId: input.turnId, started: input.started, stopped: null } },
          release: [],
        };
      return { state: { ...state, held: null }, release: [{ type: 'event', event: input.started }] };
    case 'speech_end':
      if (held?.turnId === input.turnId)
        return { state: { ...state, held: { ...held, stopped: input.stopped } }, release: [] };
      if (state.dropped === input.turnId) return { state, release: [] };
      return {
        state,
        release: [
          { type: 'event', event: input.stopped },
          { type: 'commit', turnId: input.turnId },
        ],
      };
    case 'floor_taken': {
      if (held === null) return { state, release: [] };
      const release: FloorRelease = [{ type: 'event', event: held.started }];
      if (held.stopped) release.push({ type: 'event', event: held.stopped }, { type: 'commit', turnId: held.turnId });
      return { state: { ...state, held: null }, release };
    }
    case 'utterance_dropped':
      // Only speech never told is forgotten; an utterance already committed stays in the conversation.
      if (held?.turnId !== input.turnId) return { state, release: [] };
      return { state: { held: null, dropped: input.turnId }, release: [] };
  }
}
