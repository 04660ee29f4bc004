/**
 * The client's input audio as a pure value: a token bucket that bounds how fast a client may append audio
 * (refilled at `maxAudioSecondsPerSecond` of audio per second of wall time, up to a burst), whether the
 * client was already told it floods (one `rate_limited` error per flood, not one per append), and how much
 * audio was appended since the last commit and since the connection opened.
 *
 * @example
 * ```ts
 * let input = initialInputAudio(clock.now());
 * const taken = appendAudio(input, { nowMs: clock.now(), bytes: 960, seconds: 0.02, maxAudioSecondsPerSecond: 2 });
 * input = taken.state; // taken.verdict: 'accepted' | 'dropped' | 'dropped_first'
 * ```
 */

/**
 * Why 30 s: a client reconnecting may send its buffered audio at once, and a server stalled under
 * overload reads a client's queued appends at once too (the 500-client bench stalls for over 10 s):
 * the burst must cover that, or a client keeping real time is blamed for the server's lag. Past it, the
 * client is flooding.
 */
export const AUDIO_BURST_SECONDS = 30;

export interface InputAudio {
  /** Audio the client may still append at once, seconds. */
  readonly budgetSeconds: number;
  readonly budgetAtMs: number;
  /** The client was told it floods, and has not appended within its budget since. */
  readonly reported: boolean;
  /** Bytes appended since the last commit or clear (a manual commit of nothing is an error). */
  readonly sinceCommitBytes: number;
  /** Audio appended since the connection opened, ms: where in it the user's speech ended (`audio_end_ms`). */
  readonly appendedMs: number;
}

/** `dropped_first`: dropped, and the client must be told (once per flood). */
export type AppendVerdict = 'accepted' | 'dropped' | 'dropped_first';

export const initialInputAudio = (nowMs: number): InputAudio => ({
  budgetSeconds: AUDIO_BURST_SECONDS,
  budgetAtMs: nowMs,
  reported: false,
  sinceCommitBytes: 0,
  appendedMs: 0,
});

/** One append: taken from the budget (refilled for the time since the last one), or dropped. */
export function appendAudio(
  state: InputAudio,
  append: { nowMs: number; bytes: number; seconds: number; maxAudioSecondsPerSecond: number },
): { state: InputAudio; verdict: AppendVerdict } {
  const refilled = state.budgetSeconds + ((append.nowMs - state.budgetAtMs) / 1000) * append.maxAudioSecondsPerSecond;
  const budgetSeconds = Math.min(AUDIO_BURST_SECONDS, refilled);
  if (budgetSeconds < append.seconds) {
    return {
      state: { ...state, budgetSeconds, budgetAtMs: append.nowMs, reported: true },
      verdict: state.reported ? 'dropped' : 'dropped_first',
    };
  }
  return {
    state: {
      budgetSeconds: budgetSeconds - append.seconds,
      budgetAtMs: append.nowMs,
      reported: false,
      sinceCommitBytes: state.sinceCommitBytes + append.bytes,
      appendedMs: state.appendedMs + append.seconds * 1000,
    },
    verdict: 'accepted',
  };
}

/** The buffer was committed or cleared: nothing appended since. */
export const bufferEmptied = (state: InputAudio): InputAudio =>
  state.sinceCommitBytes === 0 ? state : { ...state, sinceCommitBytes: 0 };
