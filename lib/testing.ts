/**
 * `voice-agent/testing`: deterministic engines for users' tests and scripts — an energy VAD, a scripted
 * STT, the rule policy (or a scripted reply) as the LLM, a tone as TTS — plus the simulated clock that
 * runs a whole conversation in no time, and the microphone frames the fake VAD hears as speech or silence.
 *
 * @example
 * ```ts
 * import { createAgent } from 'voice-agent';
 * import { fakeEngines, ManualClock } from 'voice-agent/testing';
 *
 * const clock = new ManualClock();
 * const agent = createAgent({ clock, engines: fakeEngines({ clock, reply: 'Hello!' }) });
 * await agent.start();
 * agent.sendText('hi');
 * await clock.advance(2_000); // the reply was generated, synthesized and played
 * await agent.stop();
 * ```
 */
import { systemClock, type Clock } from '../adapters/clock.js';
import { createRulePolicy, parseRules, type RulesConfig } from '../adapters/llm/rules.js';
import type { ChatMessage, LlmEngine } from '../adapters/llm/types.js';
import type { SttResult } from '../adapters/stt/types.js';
import { createFakeLlm, createFakeStt, createFakeTts, createFakeVad } from '../adapters/testing/index.js';
import type { SessionEngines } from '../actors/deps.js';

export {
  ManualClock,
  settle,
  createPacedSink,
  makeSpeechFrame,
  makeSilenceFrame,
  createFakeLlm,
  createFakeStt,
  createFakeTts,
  createFakeVad,
} from '../adapters/testing/index.js';
export type { PacedSink, FakeLlm, FakeStt, FakeTts } from '../adapters/testing/index.js';
export { systemClock, type Clock } from '../adapters/clock.js';
export { setStrictChecks, strictChecks, type StrictChecks } from '../bus/strict-checks.js';

/** The microphone format of the fakes: 16 kHz mono, 20 ms frames (what WebRTC VAD and most STT take). */
export const FAKE_SAMPLE_RATE_HZ = 16_000;
export const FAKE_FRAME_MS = 20;

export interface FakeEnginesOptions {
  /** The clock the fakes time themselves on; default the system clock (give the agent the same one). */
  clock?: Clock;
  /** The LLM is the rule policy on these rules (a command becomes a tool call, as with the default local stack). */
  rules?: RulesConfig;
  /** Without rules: the reply, fixed or computed from the conversation; default "OK.". */
  reply?: string | ((messages: ChatMessage[]) => string);
  /** What the STT "recognizes", utterance by utterance (speech is pushed with `makeSpeechFrame`). */
  transcripts?: Array<string | SttResult>;
  /** Audio per spoken word of the fake TTS (default 200 ms). */
  msPerWord?: number;
}

/** The engines a session runs on, without the sink (the agent gives its own: audio out on the bus). */
export type AgentEngines = Omit<SessionEngines, 'sink'> & Partial<Pick<SessionEngines, 'sink'>>;

/**
 * The LLM of the fakes: the rule policy when rules are given, else the scripted reply.
 *
 * @example
 * ```ts
 * const llm = fakeLlm(systemClock, { reply: (messages) => `You said: ${messages.at(-1)?.content}` });
 * const agent = createAgent({ engines: { ...fakeEngines(), llm } });
 * ```
 */
export function fakeLlm(clock: Clock, options: Pick<FakeEnginesOptions, 'rules' | 'reply'>): LlmEngine {
  if (options.rules) return createRulePolicy(parseRules(options.rules, 'rules'));
  return createFakeLlm({ clock, reply: options.reply ?? 'OK.' });
}

/**
 * Deterministic engines for one session (the VAD is stateful: one call per agent). Pass them to
 * `createAgent({ engines })`; the agent plays their audio out on the bus.
 *
 * @example
 * ```ts
 * const engines = fakeEngines({
 *   rules: { rules: [{ id: 'hi', patterns: ['hello'], reply: 'Hello!' }], fallback: { reply: 'Sorry?' } },
 * });
 * const agent = createAgent({ engines });
 * ```
 */
export function fakeEngines(options: FakeEnginesOptions = {}): AgentEngines {
  const clock = options.clock ?? systemClock;
  return {
    vad: createFakeVad({ sampleRateHz: FAKE_SAMPLE_RATE_HZ, frameMs: FAKE_FRAME_MS }),
    stt: createFakeStt({ clock, transcripts: options.transcripts ?? [] }),
    llm: fakeLlm(clock, options),
    tts: [
      createFakeTts({
        clock,
        sampleRateHz: FAKE_SAMPLE_RATE_HZ,
        ...(options.msPerWord !== undefined ? { msPerWord: options.msPerWord } : {}),
      }),
    ],
  };
}
