/**
 * Shared setup for the stage-actor tests: one actor at a time on an in-process bus and a ManualClock,
 * driven by publishing bus messages and advancing the clock, observed through a wildcard subscription
 * (every valid message, in publish order) and the paced sink's logs.
 */
import type { AudioSink } from '../../adapters/audio/sink.js';
import type { LlmEngine } from '../../adapters/llm/types.js';
import type { SttEngine } from '../../adapters/stt/types.js';
import {
  createControlledLlm,
  createControlledStt,
  createControlledTts,
  createFakeVad,
  createPacedSink,
  ManualClock,
  settle,
  type PacedSink,
} from '../../adapters/testing/index.js';
import type { TtsEngine } from '../../adapters/tts/types.js';
import type { VadEngine } from '../../adapters/vad/types.js';
import { DEFAULT_PIPELINE_OPTIONS, type PipelineOptions, type SessionActorDeps } from '../../actors/deps.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage, MessageOf, MessageType, Outgoing } from '../../bus/messages.js';

export const SESSION = 's1';
export const RATE = 16_000;
/** s16le bytes per ms at {@link RATE}. */
export const BYTES_PER_MS = (RATE * 2) / 1000;

export interface HarnessOptions {
  vad?: VadEngine;
  stt?: SttEngine;
  llm?: LlmEngine;
  tts?: readonly TtsEngine[];
  sink?: AudioSink;
  pipeline?: Partial<PipelineOptions>;
  /** Share a clock with engines made before the harness. */
  clock?: ManualClock;
}

export function createHarness(options: HarnessOptions = {}) {
  const clock = options.clock ?? new ManualClock();
  const handlerErrors: unknown[] = [];
  const bus = createMessageBus(createMemoryTransport({ onHandlerError: (error) => handlerErrors.push(error) }), {
    clock,
  });
  const pacedSink: PacedSink = createPacedSink({ clock, sampleRateHz: RATE, frameMs: 20 });
  const deps: SessionActorDeps = {
    bus,
    clock,
    vad: options.vad ?? createFakeVad({ sampleRateHz: RATE, frameMs: 20 }),
    stt: options.stt ?? createControlledStt(),
    llm: options.llm ?? createControlledLlm(),
    tts: options.tts ?? [createControlledTts({ sampleRateHz: RATE })],
    sink: options.sink ?? pacedSink,
    pipeline: { ...DEFAULT_PIPELINE_OPTIONS, ...options.pipeline },
  };
  const messages: BusMessage[] = [];
  bus.subscribe(`${bus.prefix}.>`, (m) => messages.push(m));

  return {
    clock,
    bus,
    deps,
    sink: pacedSink,
    messages,
    handlerErrors,
    /** Valid messages of one type, in publish order. */
    ofType<T extends MessageType>(type: T): MessageOf<T>[] {
      return messages.filter((m) => m.type === type) as unknown as MessageOf<T>[];
    },
    /** Types of the messages whose type starts with `prefix` (e.g. `llm.`), in publish order. */
    typesOf(prefix: string): string[] {
      return messages.filter((m) => m.type.startsWith(prefix)).map((m) => m.type);
    },
    publish<T extends MessageType>(message: Outgoing<T> & { type: T }): void {
      bus.publish<T>(message);
    },
    /** Delivers everything published so far and lets every continuation run; never moves the clock. */
    async settle(): Promise<void> {
      await bus.flush();
      await settle();
      await bus.flush();
    },
  };
}

export type Harness = ReturnType<typeof createHarness>;

/** `ms` of s16le audio whose every byte is `fill`, so a test can tell segments apart in the sink. */
export function filledAudio(ms: number, fill: number): Uint8Array {
  return new Uint8Array(Math.round(ms * BYTES_PER_MS)).fill(fill);
}
