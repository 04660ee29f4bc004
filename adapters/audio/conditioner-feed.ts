/**
 * What a session's input conditioner is given besides the microphone's samples, where the sound server
 * decides it (`voice-agent live`): each frame's capture stamp (the time handed to `process`), when the
 * echo path was reported moved (the speaker ran dry), where the sink placed each reply's run of frames
 * (`runStartMs`, the echo reference's far-end timing) and the echo return it reported. These come from
 * the sound server's clocks and reports, which a re-run does not have: {@link recordingFeedSink} and
 * {@link recordingFeedConditioner} keep them as the session runs, and {@link replayedFeedSink} and
 * {@link replayedFeedConditioner} give a re-run's sink and conditioner the very same values, so its echo
 * canceller sees the far end where the session's did.
 *
 * Every time is on the session clock. Stamps and play positions are kept per call, in order (the k-th
 * `process` call, the k-th frame written); the echo return as the value from each time it changed on.
 *
 * @example
 * ```ts
 * const feed = createConditionerFeed();
 * const sink = recordingFeedSink(feed, soundServerSink, clock); // the session writes to it
 * const conditioner = recordingFeedConditioner(feed, bound.inputConditioner); // and conditions with it
 * // … a re-run, from the feed kept with the recording:
 * const rerunSink = replayedFeedSink(feed, deviceSink, clock);
 * const rerunConditioner = replayedFeedConditioner(feed, rerunBound.inputConditioner);
 * ```
 */
import type { Clock } from '../clock.js';
import type { InputConditioner } from './input-conditioner.js';
import type { AudioSink } from './sink.js';

export interface ConditionerFeed {
  /** The time handed to the conditioner with each `process` call, in order. */
  stamps: number[];
  /** The `process` calls (by index) that the echo path was reported moved before. */
  moved: number[];
  /** The sink's `runStartMs()` for each frame the session wrote, in order. */
  runStarts: number[];
  /** The sink's `echoReturnMs()`: [from this time on, the value], one entry per change. */
  echoReturn: Array<[atMs: number, ms: number]>;
}

export const createConditionerFeed = (): ConditionerFeed => ({ stamps: [], moved: [], runStarts: [], echoReturn: [] });

/** The conditioner, reading through to `inner` (its steps change as switches and the room do). */
function wrapConditioner(
  inner: InputConditioner,
  process: InputConditioner['process'],
  moved: () => void,
): InputConditioner {
  return {
    get steps() {
      return inner.steps;
    },
    process,
    echoPathMoved: moved,
    close: () => inner.close(),
    ...(inner.echoDelay ? { echoDelay: () => inner.echoDelay!() } : {}),
    ...(inner.roomNoise ? { roomNoise: () => inner.roomNoise!() } : {}),
  };
}

/** The session's sink, keeping into `feed` where each frame written plays and the echo return it reports. */
export function recordingFeedSink<S extends AudioSink>(feed: ConditionerFeed, sink: S, clock: Clock): S {
  const recorded = Object.create(sink) as S;
  if (sink.runStartMs) {
    recorded.runStartMs = () => {
      const ms = sink.runStartMs!();
      feed.runStarts.push(ms);
      return ms;
    };
  }
  if (sink.echoReturnMs) {
    recorded.echoReturnMs = () => {
      const ms = sink.echoReturnMs!();
      if (feed.echoReturn.at(-1)?.[1] !== ms) feed.echoReturn.push([clock.now(), ms]);
      return ms;
    };
  }
  return recorded;
}

/** The session's conditioner, keeping into `feed` the time given with each call and the echo path's moves. */
export function recordingFeedConditioner(feed: ConditionerFeed, conditioner: InputConditioner): InputConditioner {
  return wrapConditioner(
    conditioner,
    (audio, atMs) => {
      feed.stamps.push(atMs);
      return conditioner.process(audio, atMs);
    },
    () => {
      feed.moved.push(feed.stamps.length);
      conditioner.echoPathMoved?.();
    },
  );
}

/**
 * A re-run's sink, given what the session's said: the k-th frame written plays where the session's k-th
 * did, and the echo return is the session's at the same time. Frames beyond the recording (a re-run
 * that says more) play where `sink` says.
 */
export function replayedFeedSink<S extends AudioSink>(feed: ConditionerFeed, sink: S, clock: Clock): S {
  const replayed = Object.create(sink) as S;
  let written = 0;
  replayed.runStartMs = () => feed.runStarts[written++] ?? sink.runStartMs?.() ?? clock.now();
  if (feed.echoReturn.length > 0) {
    replayed.echoReturnMs = () => {
      const now = clock.now();
      let ms = sink.echoReturnMs?.() ?? 0;
      for (const [atMs, value] of feed.echoReturn) {
        if (atMs > now) break;
        ms = value;
      }
      return ms;
    };
  }
  return replayed;
}

/**
 * A re-run's conditioner, given what the session's was: the k-th `process` call gets the k-th recorded
 * time (and the echo path's move before it, where the session had one); calls beyond the recording keep
 * their own time.
 */
export function replayedFeedConditioner(feed: ConditionerFeed, conditioner: InputConditioner): InputConditioner {
  const moved = new Set(feed.moved);
  let calls = 0;
  return wrapConditioner(
    conditioner,
    (audio, atMs) => {
      const k = calls++;
      if (moved.has(k)) conditioner.echoPathMoved?.();
      return conditioner.process(audio, feed.stamps[k] ?? atMs);
    },
    // The session's moves come from the feed; the re-run's sink never runs dry.
    () => undefined,
  );
}
