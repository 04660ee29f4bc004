/**
 * The application's defaults: one value per setting, and above it the reason it has that value (at most
 * the one figure the reason rests on; measurements belong in docs/). The schema (`schema.ts`) refers to
 * these, and `docs/configuration.md` is generated from the schema and these comments
 * (`npm run config-reference`), so a reason is written once, here. The session chart's own defaults are
 * in machines/session-defaults.ts, the pipeline's in actors/ (`DEFAULT_PIPELINE_OPTIONS`,
 * `DEFAULT_CLAUSE_CHUNKER_OPTIONS`, `DEFAULT_VAD_SEGMENTER_OPTIONS`), a Sherpa model's in adapters/stt/sherpa.ts.
 *
 * No dependencies beyond those layers, so the records store and the session manager can use it without
 * loading the schema.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PIPELINE_OPTIONS } from '../../actors/deps.js';
import { SESSION_DEFAULTS } from '../../machines/session-defaults.js';
import { DEFAULT_PREFIX } from '../../bus/subjects.js';

/** The bundled examples, found from wherever the command runs (from source, or from the build in dist/). */
export const EXAMPLES_DIR =
  [new URL('../../examples/', import.meta.url), new URL('../../../examples/', import.meta.url)]
    .map((u) => fileURLToPath(u))
    .find((dir) => existsSync(dir)) ?? 'examples/';
/**
 * The MLLR transform shipped for pocketsphinx's grammar decoding (`stt.mllrPath`'s default;
 * `bench/adapt-grammar-mllr.ts`).
 */
export const DEFAULT_GRAMMAR_MLLR = `${EXAMPLES_DIR}en-us-grammar.mllr`;

export const CONFIG_DEFAULTS = {
  languages: {},
  audio: {
    /** Why 16 kHz: what WebRTC VAD, Silero and pocketsphinx expect. */
    inputRateHz: 16000,
    /** Why 16 kHz: flite's voice, the default, speaks at it, so nothing is resampled. */
    outputRateHz: 16000,
    /** Why auto: a robot hears its own voice; a browser cancels its own echo and a recording has none. */
    echoCancel: 'auto',
    /**
     * Why builtin: no false barge-in in any echo matrix cell, where WebRTC's passes its first reply's echo while it
     * converges (1–6 a cell: docs/echo.md).
     */
    echoCanceller: 'builtin' as 'builtin' | 'webrtc',
    /**
     * Why 500 ms: the reference is aligned on the measured echo delay (adapters/echo/delay.ts), so the filter covers
     * the room alone; RT60 600 ms needs 500 (14 false barge-ins over 22 replies at 250: docs/echo.md).
     */
    echoTailMs: 500,
    /**
     * Why on: a robot's playback-to-microphone delay is not known and drifts (0.3-1.4 s); off where the sound server
     * reports it (`live` aligns by it).
     */
    echoDelayEstimation: true,
    /**
     * Why on: echo return loss enhancement 36 dB once converged, against 28 without it; chosen on the echo matrix's
     * open loop (docs/echo.md).
     */
    residualEchoSuppression: true,
    /**
     * Why on: without it the echo passes while the filter learns: 43 false barge-ins over 20 commands
     * (docs/audio-input.md).
     */
    echoSuppression: true,
    /** Why 100 Hz: below nearly every voice's fundamental; halves a fan's false VAD starts. */
    highPassHz: 100,
    /** Why off: no measured gain in recognition, quiet talkers included (docs/audio-input.md). */
    agc: false,
    /**
     * Why auto: RNNoise lifts commands and stops out of loud noise, but costs up to 0.9 ms per 20 ms frame;
     * `auto` runs it only while the room's noise floor is at −42 dBFS or louder (docs/audio-input.md).
     */
    noiseSuppression: 'auto',
  },
  pipeline: {
    /** Why en: the bundled grammar, rules and flite voice are English. */
    language: 'en',
  },
  vad: {
    /** Why webrtc: light (µs per frame), no model file, good enough with the grammar STT. */
    engine: 'webrtc',
    /** Why 2: rejects most steady noise without clipping soft speech. */
    mode: 2,
    /** Why 0.5: Silero's own recommended threshold. */
    threshold: 0.5,
  },
  stt: {
    /** Why pocketsphinx: runs embedded on a small CPU, and with a grammar recognizes commands well. */
    engine: 'pocketsphinx',
    /** Why a grammar: open-vocabulary pocketsphinx is weak; robot commands are a closed set. */
    grammarPath: `${EXAMPLES_DIR}robot-commands.jsgf`,
    /** Why 0.2: 2.6 % of phrases outside the grammar pass as commands, 5.4 % at 0.15 (docs/out-of-grammar.md). */
    minConfidence: 0.2,
    /**
     * Why this transform: commands recognized exactly on unseen voices went from 91.3 to 97.1 %
     * (docs/out-of-grammar.md).
     */
    mllrPath: DEFAULT_GRAMMAR_MLLR as string | null,
    /** Why 1: on two cores the event loop keeps one and the decodes take the other (docs/server-scaling.md). */
    threads: 1,
    fakeTranscripts: [],
  },
  llm: {
    /** Why rules: answers in ms, offline, and never asks for an action no rule names. */
    engine: 'rules',
    rulesPath: `${EXAMPLES_DIR}robot-rules.json`,
    /** Why gpt-4o-mini: OpenAI's small fast model; local servers want their own id here. */
    model: 'gpt-4o-mini',
    /** Why 0.3: short, predictable answers for a robot; higher makes replies wander. */
    temperature: 0.3,
    /** Why 256: a spoken answer is a few sentences; longer ones belong on a screen. */
    maxTokens: 256,
    fakeReply: 'Okay.',
  },
  tts: {
    /** Why flite: BSD-style licence, English, embedded; eSpeak is GPL and optional. */
    engines: [{ engine: 'flite' }],
    /**
     * Why these: the default filler (`session.fillerText`) is said when the answer is already late, so it must be
     * instant.
     */
    phrases: ['Hmm, let me see.', 'Okay.', 'Sorry, I did not catch that.'],
    /** Why on: a cold engine's first request is the slowest one the user would hear. */
    warmUp: true,
  },
  actions: {
    /** Why the robot's set: the bundled grammar and rules command this robot (move, turn, navigate, stop). */
    path: `${EXAMPLES_DIR}robot-actions.json` as string | null,
    /** Why on: nothing else can reach an in-process bus, and a command that always fails teaches nothing. */
    simulate: true,
  },
  memory: {
    cacheSize: 50,
  },
  nats: {
    prefix: DEFAULT_PREFIX,
  },
  server: {
    /** Why loopback: a server reachable from the network must be given API keys first. */
    host: '127.0.0.1',
    port: 8080,
    apiKeys: [],
    allowAnonymous: false,
    /** Why 100: what one 2-core process holds on the local stack with room for the turn peaks. */
    maxSessions: 100,
    /**
     * Why 8: the most Realtime sessions on the local stack whose every command was answered and every stop delivered
     * in `npm run bench -- --scenario capacity` on a shared 2-core machine, also with as many again refused
     * (`--admission`); 12 lost a command there (docs/server-scaling.md).
     */
    capacity: 8,
    /** Why 20: one key is one integrator's fleet slice; a runaway client cannot take the whole server. */
    maxSessionsPerKey: 20,
    /** Why 5 minutes: longer than any pause in a conversation, short enough to free abandoned sessions. */
    idleTimeoutMs: 300_000,
    /** Why 1 MiB: 20 s of 24 kHz audio in base64, far above any sane append. */
    maxEventBytes: 1_048_576,
    /** Why 2: clients may send faster than real time to catch up, but not flood the pipeline. */
    maxAudioSecondsPerSecond: 2,
    /** Why 10 s: running replies finish (a few seconds of speech) before clients are closed. */
    drainTimeoutMs: 10_000,
    logLevel: 'info',
    /**
     * Why 100: V8's own heuristic keeps a many-session server's small heap in almost continuous full collection
     * (server/heap-growth.ts).
     */
    heapGrowthPercent: 100,
    foxglove: {
      /** Why loopback: the live view carries what people say and the microphone, with no API key in front of it. */
      host: '127.0.0.1',
    },
  },
  record: {
    /** Why on: a session from a field report can be replayed on the chart (docs/records.md). */
    enabled: true,
    /** Why off: 16 kHz audio is ~115 MB per session-hour. */
    audio: false,
    /** Why 50 ms: 20 small transactions a second cost well under 1 % of a core; a crash loses at most 50 ms. */
    flushEveryMs: 50,
    /** Why on: Foxglove plays the microphone from `foxglove.RawAudio`, which ROS 2's audio messages are not. */
    mcapRawAudio: true,
    retention: {
      /** Why 7 days: long enough to look into last week's field report, short enough to bound the file. */
      maxAgeMs: 7 * 86_400_000,
      /** Why 10,000: a busy robot fleet's week of sessions, a few hundred MB without audio. */
      maxSessions: 10_000,
      /** Why 10 minutes: retention needs no precision, and a sweep costs a few ms. */
      everyMs: 600_000,
    },
    outbox: {
      /** Why on: with NATS, other services learn of each turn without reading the database. */
      enabled: true,
      stream: 'VA_TURNS',
      /** Why 100 ms: a restarted nats-server is back within a second; the first retries find it quickly. */
      retryMinMs: 100,
      /** Why 5 s: during a long outage one attempt every few seconds costs nothing and finds the server soon after. */
      retryMaxMs: 5000,
    },
  },
  keyword: {
    /**
     * Why on: heads trained on speech embeddings hear real people's stops and wake phrases the phone loop misses
     * (docs/activation.md).
     */
    enabled: true,
    /** Why none: the heads `voice-agent train-phrase` writes and those in `heads/` are found by phrase. */
    heads: {},
    /**
     * Why 0.5: openWakeWord's default, for heads that carry no calibrated threshold of their own (its pretrained ones).
     */
    threshold: 0.5,
    /** Why none: one threshold serves every head trained the same way. */
    thresholds: {},
  },
  features: {
    /** Why on: the first clause reaches the speaker while the LLM is still writing the rest. */
    streamingTts: DEFAULT_PIPELINE_OPTIONS.streamingTts,
    /** Why on: people talk over a robot to correct or stop it. */
    bargeIn: SESSION_DEFAULTS.bargeIn.enabled,
    /** Why off: it needs a memory service (`memory.url`). */
    memory: false,
    /** Why on: past ~1 s of silence people assume they were not heard. */
    filler: SESSION_DEFAULTS.filler,
  },
} as const;

/** The defaults of each TTS engine's settings (`tts.engines[]`, `languages.<tag>.tts[]`). */
export const TTS_ENGINE_DEFAULTS = {
  espeak: {
    language: 'en',
  },
  openai: {
    /** Why tts-1: OpenAI's low-latency model; the HD model is slower to first audio. */
    model: 'tts-1',
    voice: 'alloy',
  },
  edge: {
    voice: 'en-US-AriaNeural',
  },
  fake: {
    latencyMs: 50,
    msPerWord: 200,
    phonemes: false,
  },
} as const;
