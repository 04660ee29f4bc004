/**
 * One benchmark session: the real session host and actors on the fakes of the reply scenario, with
 * instruments around the LLM (request time, arrival of the token that closes the first clause) and the
 * output device (first frame, clear, frames after a STOP). Waiting is event-driven so 1000 sessions do
 * not poll.
 */
import { systemClock, type Clock } from '../adapters/clock.js';
import type { LlmDelta, LlmEngine } from '../adapters/llm/types.js';
import {
  createFakeLlm,
  createFakeStt,
  createFakeTts,
  createFakeVad,
  makeSilenceFrame,
  makeSpeechFrame,
} from '../adapters/testing/index.js';
import type { MessageBus } from '../bus/message-bus.js';
import { assembleSession, givenEngines } from '../runtime/assemble-session.js';
import type { SessionHandle, StartSessionOptions } from '../runtime/session-host.js';
import { createBenchSink } from './sink.js';

/** The peer benchmark's reply, streamed as word tokens with a leading space. */
export const REPLY =
  'Sure, I can help with that. The weather today is sunny and warm. You might want to bring sunglasses and some ' +
  'water. Is there anything else you would like to know?';
export const TOKEN_INTERVAL_MS = 20;
export const TTS_LATENCY_MS = 50;
export const TTS_RATE_HZ = 24_000;
export const MIC_RATE_HZ = 16_000;
const FRAME_MS = 20;

export interface TurnRecord {
  requestAtMs: number;
  closeTokenAtMs?: number;
  turnId?: string;
  firstFrameAtMs?: number;
  stopAtMs?: number;
  vadStartAtMs?: number;
  clearAtMs?: number;
  lastFrameAtMs?: number;
  /** Frames of this turn's own reply after its clear: audio that leaked past an interruption. */
  framesAfterClear: number;
  /** A barge-in with no words (the false-interruption turn): when its speech ended. */
  falseInterruption?: { speechEndAtMs?: number };
  /** After the clear, frames of a reply that made no LLM request of its own: the cut reply resumed. */
  resumedFrames: number;
  resumedAtMs?: number;
}

export interface BenchSession {
  session: SessionHandle;
  turns: TurnRecord[];
  /** Resolves at the first frame of the current turn. */
  firstFrame(): Promise<TurnRecord>;
  /** Resolves when the session is back in `idle`. */
  idle(): Promise<void>;
  /**
   * The microphone hears speech (or silence); `words`: what the recognizer makes of the utterance that starts ('' :
   * noise).
   */
  speech(on: boolean, words?: string): void;
  stop(): Promise<void>;
}

export interface BenchSessionOptions {
  clock?: Clock;
  publishState?: boolean;
  ownMic?: boolean;
  /** An observer attached to the chart before it starts (the records bench attaches a session recorder). */
  attach?: StartSessionOptions['attach'];
}

export async function createBenchSession(
  bus: MessageBus,
  sessionId: string,
  options: BenchSessionOptions = {},
): Promise<BenchSession> {
  const clock = options.clock ?? systemClock;
  const turns: TurnRecord[] = [];
  const waiters = { frame: [] as Array<(t: TurnRecord) => void>, idle: [] as Array<() => void> };
  const current = () => turns[turns.length - 1];
  /** The transcript of the next utterance the fake recognizer hears. */
  let words = '';

  const inner = createFakeLlm({
    clock,
    reply: REPLY,
    firstTokenDelayMs: TOKEN_INTERVAL_MS,
    tokenIntervalMs: TOKEN_INTERVAL_MS,
  });
  const llm: LlmEngine = {
    name: 'bench-llm',
    // The instrument watches the fake's tokens go by with one `then` per token, not an async generator
    // around the stream (two more promise hops per token, a measurable cost at 1000 sessions).
    stream(request) {
      const record: TurnRecord = { requestAtMs: clock.now(), framesAfterClear: 0, resumedFrames: 0 };
      turns.push(record);
      const tokens = inner.stream(request)[Symbol.asyncIterator]();
      const watch = (result: IteratorResult<LlmDelta>) => {
        const token = result.value;
        if (
          !result.done &&
          record.closeTokenAtMs === undefined &&
          typeof token === 'string' &&
          /[.!?]$/.test(token.trim())
        )
          record.closeTokenAtMs = clock.now();
        return result;
      };
      const watched: AsyncIterableIterator<LlmDelta> = {
        [Symbol.asyncIterator]: () => watched,
        next: () => tokens.next().then(watch),
        return: (value?: unknown) =>
          tokens.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
      };
      return watched;
    },
  };

  const sink = createBenchSink(clock, TTS_RATE_HZ, FRAME_MS, {
    onWrite(turnId, atMs) {
      const own = turns.find((t) => t.turnId === turnId);
      const record = own ?? current();
      if (!record) return;
      if (!own && record.turnId !== undefined && record.clearAtMs !== undefined) {
        // A reply with a turn id of its own and no LLM request (`r<n>`): the cut reply, resumed.
        record.resumedFrames++;
        record.resumedAtMs ??= atMs;
        return;
      }
      if (record.turnId === undefined) record.turnId = turnId;
      if (record.clearAtMs !== undefined) record.framesAfterClear++;
      record.lastFrameAtMs = atMs;
      if (record.firstFrameAtMs === undefined) {
        record.firstFrameAtMs = atMs;
        for (const w of waiters.frame.splice(0)) w(record);
      }
    },
    onClear(atMs) {
      const record = current();
      if (record && record.clearAtMs === undefined) record.clearAtMs = atMs;
    },
  });

  const fakes = givenEngines({
    vad: createFakeVad({ sampleRateHz: MIC_RATE_HZ, frameMs: FRAME_MS }),
    stt: createFakeStt({ clock, transcripts: () => words }),
    llm,
    tts: [createFakeTts({ clock, sampleRateHz: TTS_RATE_HZ, latencyMs: TTS_LATENCY_MS, msPerWord: 200 })],
  });
  const { session } = await assembleSession(fakes, {
    sessionId,
    bus,
    clock,
    sink,
    publishState: options.publishState ?? false,
    ...(options.attach ? { attach: options.attach } : {}),
    config: { bargeIn: { minSpeechMs: 500 } },
    pipeline: { chunker: { mode: 'sentence' }, frameMs: FRAME_MS, maxBufferAheadMs: 200 },
  });
  session.actor.subscribe((snapshot) => {
    if (snapshot.matches({ dialog: 'idle' })) for (const w of waiters.idle.splice(0)) w();
  });
  const vadSub = bus.subscribe(bus.subjects.forEvent(sessionId, 'vad.speech_start'), () => {
    const record = current();
    if (record && record.vadStartAtMs === undefined) record.vadStartAtMs = clock.now();
  });

  // Its own microphone (reply scenario): speech or silence every 20 ms, so the VAD also hears the end.
  const speechFrame = makeSpeechFrame(MIC_RATE_HZ, FRAME_MS, 3);
  const silenceFrame = makeSilenceFrame(MIC_RATE_HZ, FRAME_MS);
  let talking = false;
  let micTimer: unknown;
  const mic = () => {
    session.pushAudio(talking ? speechFrame : silenceFrame, MIC_RATE_HZ);
    micTimer = clock.setTimeout(mic, FRAME_MS);
  };
  if (options.ownMic) mic();

  return {
    session,
    turns,
    firstFrame: () => new Promise((resolve) => waiters.frame.push(resolve)),
    idle: () =>
      session.actor.getSnapshot().matches({ dialog: 'idle' })
        ? Promise.resolve()
        : new Promise((resolve) => waiters.idle.push(resolve)),
    speech(on, said = '') {
      if (on && !talking) words = said;
      talking = on;
    },
    async stop() {
      clock.clearTimeout(micTimer);
      vadSub.unsubscribe();
      await session.stop();
    },
  };
}
