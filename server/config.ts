/**
 * The application's typed configuration: a JSON file plus environment variables, validated with zod.
 * Every field has a default, so an empty file (or none) runs the embedded local stack.
 *
 * Environment variables override the file: `VA_<PATH>` with `__` between levels, e.g.
 * `VA_LLM__ENGINE=openai`, `VA_LLM__BASE_URL=http://127.0.0.1:11434/v1`, `VA_FEATURES__BARGE_IN=false`.
 * Values are parsed as JSON when they parse (numbers, booleans, arrays), else taken as strings.
 * `VA_CONFIG` names the file; `OPENAI_API_KEY` fills `llm.apiKey`, `stt.apiKey` and `tts` OpenAI keys.
 *
 * @example
 * ```ts
 * const config = loadConfig({ file: 'voice-agent.json', env: process.env });
 * config.llm.engine; // 'rules' unless the file or VA_LLM__ENGINE says otherwise
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SherpaSttConfigSchema } from '../adapters/stt/sherpa.js';
import { DEFAULT_PIPELINE_OPTIONS } from '../actors/deps.js';
import { SessionConfigSchema } from '../machines/config.js';
import { DEFAULT_OUTBOX_OPTIONS, DEFAULT_STORE_OPTIONS } from './records/defaults.js';

/** The bundled examples, found from wherever the command runs (from source, or from the build in dist/). */
const EXAMPLES_DIR = [new URL('../examples/', import.meta.url), new URL('../../examples/', import.meta.url)].map((u) => fileURLToPath(u)).find((dir) => existsSync(dir)) ?? 'examples/';
/** The MLLR transform shipped for pocketsphinx's grammar decoding (`stt.mllrPath`'s default; `bench/adapt-grammar-mllr.ts`). */
export const DEFAULT_GRAMMAR_MLLR = `${EXAMPLES_DIR}en-us-grammar.mllr`;

const camel = (s: string) => s.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

const TtsEngineSchema = z.discriminatedUnion('engine', [
  z.object({ engine: z.literal('flite'), voice: z.string().optional() }).strict(),
  z.object({ engine: z.literal('espeak'), voice: z.string().optional(), language: z.string().default('en') }).strict(),
  z
    .object({ engine: z.literal('openai'), baseUrl: z.url(), apiKey: z.string().optional(), model: z.string().default('tts-1'), voice: z.string().default('alloy') })
    .strict(),
  z.object({ engine: z.literal('edge'), voice: z.string().default('en-US-AriaNeural') }).strict(),
  z.object({ engine: z.literal('remote'), name: z.string().optional() }).strict(),
  z
    .object({ engine: z.literal('fake'), latencyMs: z.number().nonnegative().default(50), msPerWord: z.number().positive().default(200), phonemes: z.boolean().default(false) })
    .strict(),
]);

/**
 * What changes with the language the user speaks (the keys are language tags: `en`, `zh`, `zh-CN`):
 * the TTS voice, optionally a TTS chain of its own (flite speaks English only; eSpeak or a cloud voice
 * can speak Mandarin), the LLM's system prompt and the STT hint.
 */
const LanguageSchema = z
  .object({
    /** The TTS voice for this language (an engine's voice id: eSpeak `cmn`, Edge `zh-CN-XiaoxiaoNeural`). */
    voice: z.string().min(1).optional(),
    /** A TTS failover chain for this language; default: the main chain (`tts.engines`). */
    tts: z.array(TtsEngineSchema).min(1).optional(),
    /** The LLM's system prompt when the user speaks this language; default: `session.systemPrompt`. */
    systemPrompt: z.string().min(1).optional(),
    /**
     * The STT language hint when this is the session's language (`pipeline.language`); default: the tag.
     * `auto`: no hint — the engine detects the language (Whisper), and each reply follows the language the
     * user spoke (its system prompt and voice from these settings).
     */
    sttLanguage: z.string().min(1).optional(),
  })
  .strict();

export const AppConfigSchema = z
  .object({
    session: SessionConfigSchema.prefault({}),
    /** Per-language voice, TTS chain, system prompt and STT hint; `pipeline.language` is the main one. */
    languages: z.record(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag like en, zh or zh-CN'), LanguageSchema).default({}),
    audio: z
      .object({
        /** Microphone rate the VAD and STT run at. Why 16 kHz: what WebRTC VAD, Silero and pocketsphinx expect. */
        inputRateHz: z.union([z.literal(8000), z.literal(16000), z.literal(32000), z.literal(48000)]).default(16000),
        /** Output rate: every TTS engine is resampled to it at the edge. */
        outputRateHz: z.number().int().positive().default(16000),
        // Microphone conditioning before the VAD; docs/audio-input.md has the measurements behind each default.
        /**
         * Cancel the agent's own voice on the microphone. "auto": on where speaker and microphone are one
         * device on the bus (robots: `serve --sessions`, `sessions.create`), off for Realtime clients (the
         * browser cancels its own echo) and `run` (a recording has no echo).
         */
        echoCancel: z.enum(['auto', 'on', 'off']).default('auto'),
        /**
         * Why 250 ms: covers a device's output + input buffers (~100 ms) and a room's strong early echo;
         * the cost grows slowly with it (45 / 55 / 73 µs per 20 ms frame at 128 / 250 / 500 ms).
         */
        echoTailMs: z.number().int().min(20).max(1000).default(250),
        /** speexdsp's residual echo suppressor. Why on: ERLE 28 → 36 dB once converged, for ~30 µs per frame. */
        residualEchoSuppression: z.boolean().default(true),
        /** The echo suppressor. Why on: without it the echo passes while the filter learns (43 false barge-ins over 20 commands; 0 with it). */
        echoSuppression: z.boolean().default(true),
        /** High-pass cutoff in Hz (0: off). Why 100 Hz: below nearly every voice's fundamental; halves a fan's false VAD starts. */
        highPassHz: z.number().min(0).max(1000).default(100),
        /** Automatic gain control. Why off: no measured gain in recognition (quiet talkers included), more false starts with RNNoise. */
        agc: z.boolean().default(false),
        /** RNNoise before the VAD. Why off: it helps a lot in loud noise but costs 0.3–0.9 ms per 20 ms frame per session (2–4 % of a core). */
        noiseSuppression: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    pipeline: z
      .object({
        // Defaults (and why) in actors/deps.ts: one place for the pipeline's numbers.
        frameMs: z.number().int().positive().default(DEFAULT_PIPELINE_OPTIONS.frameMs),
        maxBufferAheadMs: z.number().int().positive().default(DEFAULT_PIPELINE_OPTIONS.maxBufferAheadMs),
        refillBelowMs: z.number().int().positive().default(DEFAULT_PIPELINE_OPTIONS.refillBelowMs),
        ttsConcurrency: z.number().int().positive().default(DEFAULT_PIPELINE_OPTIONS.ttsConcurrency),
        ttsLookAheadMs: z.number().int().nonnegative().default(DEFAULT_PIPELINE_OPTIONS.ttsLookAheadMs),
        memoryBudgetMs: z.number().int().nonnegative().default(DEFAULT_PIPELINE_OPTIONS.memoryBudgetMs),
        language: z.string().default('en'),
        chunker: z.object({ mode: z.enum(['clause', 'sentence']).optional(), minChars: z.number().int().optional(), maxChars: z.number().int().optional() }).default({}),
        vad: z
          .object({
            startWindowMs: z.number().optional(),
            startRatio: z.number().optional(),
            hangoverMs: z.number().optional(),
            prefixPaddingMs: z.number().optional(),
            pauseMs: z.number().optional(),
            pauseLevelDbfs: z.number().max(0).optional(),
          })
          .default({}),
      })
      .strict()
      .prefault({}),
    vad: z
      .object({
        engine: z.enum(['webrtc', 'silero', 'fake']).default('webrtc'),
        /** WebRTC aggressiveness 0-3. Why 2: rejects most steady noise without clipping soft speech. */
        mode: z.number().int().min(0).max(3).default(2),
        threshold: z.number().min(0).max(1).default(0.5),
        modelPath: z.string().optional(),
      })
      .strict()
      .prefault({}),
    stt: z
      .object({
        engine: z.enum(['pocketsphinx', 'openai', 'sherpa', 'remote', 'fake']).default('pocketsphinx'),
        /** JSGF grammar for pocketsphinx. Why a grammar by default: open-vocabulary pocketsphinx is weak. */
        grammarPath: z.string().default(`${EXAMPLES_DIR}robot-commands.jsgf`),
        /**
         * A final transcript with a confidence below this is not understood: the user hears the rule
         * policy's fallback reply (else `session.notUnderstoodText`) and no intent follows. Only engines
         * that report a confidence are affected (pocketsphinx with a grammar). Why 0.2: on the grammar
         * benchmark (`npm run bench -- --scenario grammar`, 8 voices) 2.6 % of phrases outside the grammar
         * pass as commands (62.5 % with no rejection) and 92.3 % of commands are kept exact (95.2 %); at 0.15
         * 5.4 % pass. 0 turns rejection off (see docs/out-of-grammar.md).
         */
        minConfidence: z.number().min(0).max(1).default(0.2),
        /**
         * pocketsphinx with a grammar: an MLLR transform of the acoustic model for the grammar decoder; null:
         * none. Why this default: estimated on the grammar benchmark's tuning voices
         * (`bench/adapt-grammar-mllr.ts`), it took commands recognized exactly on voices the tuning never heard
         * from 91.3 to 97.1 % and left pocketsphinx's real-speech test recordings unchanged
         * (docs/out-of-grammar.md).
         */
        mllrPath: z.string().nullable().default(DEFAULT_GRAMMAR_MLLR),
        baseUrl: z.url().optional(),
        apiKey: z.string().optional(),
        model: z.string().optional(),
        /** Model files for stt.engine "sherpa" (see adapters/stt/sherpa.ts). */
        sherpa: SherpaSttConfigSchema.optional(),
        fakeTranscripts: z.array(z.string()).default([]),
      })
      .strict()
      .prefault({}),
    llm: z
      .object({
        engine: z.enum(['rules', 'openai', 'remote', 'fake']).default('rules'),
        rulesPath: z.string().default(`${EXAMPLES_DIR}robot-rules.json`),
        baseUrl: z.url().optional(),
        apiKey: z.string().optional(),
        model: z.string().default('gpt-4o-mini'),
        /** Why 0.3: short, predictable answers for a robot; higher makes replies wander. */
        temperature: z.number().min(0).max(2).default(0.3),
        /** Why 256: a spoken answer is a few sentences; longer ones belong on a screen. */
        maxTokens: z.number().int().positive().default(256),
        fakeReply: z.string().default('Okay.'),
      })
      .strict()
      .prefault({}),
    tts: z
      .object({
        /** Failover chain, first engine speaks. Default: flite (BSD-style, English) — espeak is GPL and optional. */
        engines: z.array(TtsEngineSchema).min(1).default([{ engine: 'flite' }]),
        /** Phrases synthesized at start-up and served from memory. */
        phrases: z.array(z.string()).default(['Hmm, let me see.', 'Okay.', 'Sorry, I did not catch that.']),
        warmUp: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    memory: z.object({ url: z.url().optional(), cacheSize: z.number().int().positive().default(50) }).strict().prefault({}),
    nats: z.object({ servers: z.string().default('nats://127.0.0.1:4222'), prefix: z.string().default('va') }).strict().prefault({}),
    server: z
      .object({
        /** Why loopback by default: a server reachable from the network must be given API keys first. */
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8080),
        /** Bearer keys clients must present (HTTP `Authorization`, or the `openai-insecure-api-key.<key>` WebSocket subprotocol). */
        apiKeys: z
          .preprocess((v) => (typeof v === 'string' ? v.split(',').map((k) => k.trim()).filter(Boolean) : v), z.array(z.string().min(16, 'API keys must be at least 16 characters')))
          .default([]),
        /** Serve without API keys on a non-loopback host (a trusted network only). */
        allowAnonymous: z.boolean().default(false),
        /** TLS certificate and key (PEM files): `wss://` and `https://`. */
        tls: z.object({ certPath: z.string(), keyPath: z.string() }).strict().optional(),
        /** Why 100: what one 2-core process holds on the local stack with room for the turn peaks. */
        maxSessions: z.number().int().positive().default(100),
        /** Why 20: one key is one integrator's fleet slice; a runaway client cannot take the whole server. */
        maxSessionsPerKey: z.number().int().positive().default(20),
        /** Why 5 minutes: longer than any pause in a conversation, short enough to free abandoned sessions. */
        idleTimeoutMs: z.number().int().positive().default(300_000),
        /** Why 1 MiB: 20 s of 24 kHz audio in base64, far above any sane append; larger events get an error. */
        maxEventBytes: z.number().int().positive().default(1_048_576),
        /** Why 2: clients may send faster than real time to catch up, but not flood the pipeline. */
        maxAudioSecondsPerSecond: z.number().positive().default(2),
        /** Why 10 s: running replies finish (a few seconds of speech) before clients are closed. */
        drainTimeoutMs: z.number().int().nonnegative().default(10_000),
        logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
        /**
         * How far V8's old generation may grow past the live heap before a full collection, in % (a
         * process-wide V8 flag that `serve` sets; 0: V8's own heuristic). Why 100: V8's own keeps a
         * many-session server's small heap in almost continuous full collection (server/heap-growth.ts).
         * Why at most 1000: an 11× heap is past any use; a larger number is a typo.
         */
        heapGrowthPercent: z.number().int().min(0).max(1000).default(100),
      })
      .strict()
      .prefault({}),
    /** Session records (server/records, docs/records.md): what `voice-agent serve --db FILE` keeps. */
    record: z
      .object({
        /** Record every session: its events, states, notices, history and per-turn timeline. */
        enabled: z.boolean().default(true),
        /** Keep the microphone audio too, for `replay --rerun`. Why off: 16 kHz audio is ~115 MB per session-hour. */
        audio: z.boolean().default(false),
        flushEveryMs: z.number().int().positive().default(DEFAULT_STORE_OPTIONS.flushEveryMs),
        retention: z
          .object({
            /** Why 7 days: long enough to look into last week's field report, short enough to bound the file. */
            maxAgeMs: z.number().int().positive().default(7 * 86_400_000),
            /** Why 10,000: a busy robot fleet's week of sessions, a few hundred MB without audio. */
            maxSessions: z.number().int().positive().default(10_000),
            /** Why 10 minutes: retention needs no precision, and a sweep costs a few ms. */
            everyMs: z.number().int().positive().default(600_000),
          })
          .strict()
          .prefault({}),
        outbox: z
          .object({
            /** Relay each settled turn record to JetStream; needs NATS (`serve --nats`, or `servers`). */
            enabled: z.boolean().default(true),
            /** NATS for the outbox; default: the server `serve --nats` uses. */
            servers: z.string().optional(),
            stream: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a JetStream stream name: letters, digits, _ and -').default(DEFAULT_OUTBOX_OPTIONS.stream),
            retryMinMs: z.number().int().positive().default(DEFAULT_OUTBOX_OPTIONS.retryMinMs),
            retryMaxMs: z.number().int().positive().default(DEFAULT_OUTBOX_OPTIONS.retryMaxMs),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    features: z
      .object({
        streamingTts: z.boolean().default(true),
        bargeIn: z.boolean().default(true),
        memory: z.boolean().default(false),
        filler: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type AppConfig = z.infer<typeof AppConfigSchema>;

/** A configuration problem, with every bad field listed as `path: problem (source)`. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads `VA_*` variables into a nested object (`VA_LLM__BASE_URL` → `{ llm: { baseUrl } }`). */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith('VA_') || key === 'VA_CONFIG' || raw === undefined) continue;
    const path = key.slice(3).split('__').map(camel);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Plain strings stay strings.
    }
    let node = out;
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]!] = value;
  }
  return out;
}

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof over !== 'object' || over === null || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = merge(out[k], v);
  return out;
}

export interface LoadConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence (CLI flags). */
  overrides?: Record<string, unknown>;
}

export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? {};
  const file = options.file ?? env.VA_CONFIG;
  let fromFile: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new ConfigError(`config file ${file} cannot be read: check the path (or unset VA_CONFIG)`, { cause });
    }
    try {
      fromFile = JSON.parse(text);
    } catch (cause) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  let merged = merge(merge(fromFile, configFromEnv(env)), options.overrides ?? {}) as Record<string, unknown>;
  const apiKey = env.OPENAI_API_KEY;
  if (apiKey) merged = merge({ llm: { apiKey }, stt: { apiKey } }, merged) as Record<string, unknown>;
  const result = AppConfigSchema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const path = i.path.join('.');
      const envName = `VA_${i.path.map((p) => String(p).replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('__')}`;
      return `  ${path || '(root)'}: ${i.message} (set it in ${file ?? 'the config file'} or ${envName})`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = result.data;
  for (const spec of config.tts.engines) if (spec.engine === 'openai' && !spec.apiKey && apiKey) spec.apiKey = apiKey;
  return config;
}
