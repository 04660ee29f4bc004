/**
 * Playback actor (one per reply): plays the reply's `tts.chunk`s strictly in segment order as
 * `frameMs` frames, paced in real time, keeping at most `maxBufferAheadMs` written ahead of what the
 * sink has played. It publishes `playback.started` at the first frame and `playback.finished` (with what
 * was heard) once the sink has played everything. Stopping it (barge-in, STOP, END) clears the sink
 * synchronously — no frame of this turn leaves after that — and publishes `playback.stopped` with
 * exactly how much of each segment was played.
 *
 * What to write when is decided by a pure step function (playback-state.ts); this actor is its shell: it
 * feeds it bus messages, commands, pacing ticks and the drain timer, with what the sink and the clock
 * say, and carries out its effects on the sink, the bus, the ticker and the clock.
 */
import { fromCallback } from 'xstate';
import { frameTickerFor } from '../adapters/frame-ticker.js';
import type { BusMessage } from '../bus/messages.js';
import { resolveDeps, type SessionActorDeps, type SessionDepsResolver } from './deps.js';
import type { CommitCommand, PlaybackActorInput } from './inputs.js';
import { initialPlayback, stepPlayback, type PlaybackEffect, type PlaybackInput } from './playback-state.js';

const TICK: PlaybackInput = { type: 'tick' };
const DRAINED: PlaybackInput = { type: 'drained' };
const COMMIT: PlaybackInput = { type: 'commit' };
const STOP: PlaybackInput = { type: 'stop' };

export function createPlaybackActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<CommitCommand, PlaybackActorInput>(({ input, receive, system }) => {
    const deps = resolveDeps(source, system);
    const { bus, clock, sink } = deps;
    const { frameMs, maxBufferAheadMs, refillBelowMs } = deps.pipeline;
    const { sessionId, turnId } = input;
    const state = initialPlayback(
      { turnId, frameMs, maxBufferAheadMs, refillBelowMs, sampleRateHz: sink.sampleRateHz },
      input.held === true,
    );
    /** While frames wait for room in the sink: one tick per frame from the process-wide ticker. */
    const ticker = frameTickerFor(clock, frameMs);
    let untick: (() => void) | undefined;
    /** The last wait, for the sink to play out the end of the reply. */
    let drainTimer: unknown;

    const feed = (event: PlaybackInput) => {
      // The echo's return is read only when the step asks (once, as the last frame is written), not per frame.
      const reading = {
        nowMs: clock.now(),
        bufferedMs: sink.bufferedMs(),
        get echoReturnMs() {
          return sink.echoReturnMs?.() ?? 0;
        },
      };
      const { effects } = stepPlayback(state, event, reading);
      for (const effect of effects) carryOut(effect);
    };

    const carryOut = (effect: PlaybackEffect) => {
      switch (effect.type) {
        case 'write':
          return sink.write(effect.frame, effect.meta);
        case 'started':
          return bus.publish({ type: 'playback.started', sessionId, turnId, kind: effect.kind });
        case 'finished':
          return bus.publish({ type: 'playback.finished', sessionId, turnId, segments: effect.segments });
        case 'stopped': {
          const framesCleared = sink.clear();
          return bus.publish({ type: 'playback.stopped', sessionId, turnId, segments: effect.segments, framesCleared });
        }
        case 'tick_on':
          untick ??= ticker.subscribe(() => feed(TICK));
          return;
        case 'tick_off':
          untick?.();
          untick = undefined;
          return;
        case 'drain_after':
          drainTimer = clock.setTimeout(() => {
            drainTimer = undefined;
            feed(DRAINED);
          }, effect.delayMs);
          return;
        case 'cancel_drain':
          if (drainTimer !== undefined) clock.clearTimeout(drainTimer);
          drainTimer = undefined;
          return;
      }
    };

    receive((command) => {
      if (command.type === 'commit') feed(COMMIT);
    });

    const onTts = (message: BusMessage) => {
      if (message.type === 'tts.chunk') feed({ ...message, type: 'chunk' });
      else if (message.type === 'tts.done') feed({ type: 'done', turnId: message.turnId, segments: message.segments });
    };
    const subs = (['tts.chunk', 'tts.done'] as const).map((type) =>
      bus.subscribe(bus.subjects.forEvent(sessionId, type), onTts),
    );

    return () => {
      for (const sub of subs) sub.unsubscribe();
      feed(STOP);
      // Finished replies have let go of both already; a stop clears them through its effects.
      untick?.();
      if (drainTimer !== undefined) clock.clearTimeout(drainTimer);
    };
  });
}
