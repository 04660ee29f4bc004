/**
 * The application's configuration schema: every key, its type, its default (from `defaults.ts`, where
 * the reason for each value is) and what it does (`.describe()`). `docs/configuration.md` is generated
 * from it (`npm run config-reference`); a test fails when that file is stale.
 */
import { z } from 'zod';
import { DEFAULT_ACTIVATION_OPTIONS as ACTIVATION } from '../../actors/activation-settings.js';
import { SessionSettingsSchema } from '../../machines/config.js';
import { CONFIG_DEFAULTS } from './defaults.js';
import {
  AudioSchema,
  LanguageSchema,
  LlmSchema,
  PipelineSchema,
  SttSchema,
  TtsSchema,
  VadSchema,
} from './engine-schemas.js';

const {
  actions: ACTIONS,
  memory: MEMORY,
  nats: NATS,
  server: SERVER,
  record: RECORD,
  features: FEATURES,
  keyword: KEYWORD,
} = CONFIG_DEFAULTS;
const NATS_URLS = 'NATS server URL(s), comma separated';

const ActionsSchema = z
  .object({
    path: z
      .string()
      .min(1)
      .nullable()
      .default(ACTIONS.path)
      .describe(
        "The declared actions (a JSON array, as examples/robot-actions.json): the LLM's tools and what the rules " +
          'may ask for; null: none.',
      ),
    simulate: z
      .boolean()
      .default(ACTIONS.simulate)
      .describe(
        'With the bus in-process, the reference robot (adapters/actions/robot-simulator.ts) executes ' +
          '`controller` actions; over NATS a controller attaches instead (`voice-agent robot-sim`).',
      ),
  })
  .strict()
  .prefault({});

const MemorySchema = z
  .object({
    url: z
      .url()
      .optional()
      .describe(
        'The memory service (`POST {sessionId, query}` → `{results: string[]}`) raced before each LLM request ' +
          '(`features.memory`).',
      ),
    cacheSize: z
      .number()
      .int()
      .positive()
      .default(MEMORY.cacheSize)
      .describe('Answers of the memory service kept (least recently used go first).'),
  })
  .strict()
  .prefault({});

const NatsSchema = z
  .object({
    servers: z
      .string()
      .min(1)
      .optional()
      .describe(
        `${NATS_URLS}: the bus of \`serve\` (unset: in-process) and of \`worker\` (required there); \`--nats\` ` +
          `sets it.`,
      ),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a subject token: 1-64 letters, digits, _ and -')
      .default(NATS.prefix)
      .describe('The first token of every subject (`<prefix>.<session>.<stage>.<event>`); `--prefix` sets it.'),
  })
  .strict()
  .prefault({});

const apiKeyList = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean)
      : v,
  z.array(z.string().min(16, 'API keys must be at least 16 characters')),
);

const ServerSchema = z
  .object({
    host: z.string().default(SERVER.host).describe('The address `serve` listens on; `--host` sets it.'),
    port: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .default(SERVER.port)
      .describe('The port `serve` listens on (0: any free one); `--port` sets it.'),
    apiKeys: apiKeyList
      .default(() => [...SERVER.apiKeys])
      .describe(
        'Bearer keys clients must present (HTTP `Authorization`, or the `openai-insecure-api-key.<key>` ' +
          'WebSocket subprotocol); a comma-separated list in the variable.',
      ),
    allowAnonymous: z
      .boolean()
      .default(SERVER.allowAnonymous)
      .describe('Serve without API keys on a non-loopback host (a trusted network only).'),
    tls: z
      .object({
        certPath: z.string().describe('The certificate (PEM).'),
        keyPath: z.string().describe('Its private key (PEM).'),
      })
      .strict()
      .optional()
      .describe('Serve `https://` and `wss://`.'),
    maxSessions: z
      .number()
      .int()
      .positive()
      .default(SERVER.maxSessions)
      .describe('Sessions this process hosts at once.'),
    capacity: z
      .number()
      .int()
      .positive()
      .default(SERVER.capacity)
      .describe(
        'Realtime sessions this process admits while keeping its latency and stop promises; past it a new client ' +
          'gets an `error` event (`server_at_capacity`) and the process leaves the NATS placement group.',
      ),
    maxSessionsPerKey: z
      .number()
      .int()
      .positive()
      .default(SERVER.maxSessionsPerKey)
      .describe('Sessions one API key may hold at once.'),
    idleTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(SERVER.idleTimeoutMs)
      .describe('A session without client input for this long, while idle, ends (ms).'),
    maxEventBytes: z
      .number()
      .int()
      .positive()
      .default(SERVER.maxEventBytes)
      .describe('The largest client event; a larger one gets an error.'),
    maxAudioSecondsPerSecond: z
      .number()
      .positive()
      .default(SERVER.maxAudioSecondsPerSecond)
      .describe('How much faster than real time a client may send audio.'),
    drainTimeoutMs: z
      .number()
      .int()
      .nonnegative()
      .default(SERVER.drainTimeoutMs)
      .describe('At shutdown, how long running replies may finish before clients are closed (ms).'),
    logLevel: z
      .enum(['debug', 'info', 'warn', 'error'])
      .default(SERVER.logLevel)
      .describe('The least severe log line written (JSON lines on stderr).'),
    heapGrowthPercent: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(SERVER.heapGrowthPercent)
      .describe(
        "How far V8's old generation may grow past the live heap before a full collection, in % (`serve` sets V8's " +
          "flag; 0: V8's own heuristic).",
      ),
    foxglove: z
      .object({
        host: z.string().default(SERVER.foxglove.host).describe('The address the live view listens on.'),
        port: z
          .number()
          .int()
          .min(0)
          .max(65_535)
          .describe('Its port (Foxglove’s own default is 8765; 0: any free one); `--foxglove PORT` sets it.'),
      })
      .strict()
      .optional()
      .describe(
        'A live view in Foxglove: a Foxglove WebSocket server publishing the MCAP channels as sessions run ' +
          '(docs/records.md).',
      ),
  })
  .strict()
  .prefault({});

const RecordSchema = z
  .object({
    enabled: z
      .boolean()
      .default(RECORD.enabled)
      .describe('Record every session into `serve --db` (events, states, notices, history, per-turn timeline).'),
    audio: z.boolean().default(RECORD.audio).describe('Keep the microphone audio too, for `replay --rerun`.'),
    flushEveryMs: z
      .number()
      .int()
      .positive()
      .default(RECORD.flushEveryMs)
      .describe('How often the records are written to the database (ms).'),
    mcapDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Also write each session as an MCAP file in this directory while it runs (`--record-mcap DIR`; the topics ' +
          'of `export --mcap`).',
      ),
    mcapTopicPrefix: z
      .string()
      .optional()
      .describe(
        "The MCAP files' topic prefix (`export --mcap --topic-prefix`'s; default `/voice_agent`), e.g. " +
          "`/robot1/voice_agent` beside a robot's other topics.",
      ),
    mcapRawAudio: z
      .boolean()
      .default(true)
      .describe(
        'Also write the microphone as `foxglove.RawAudio` in the MCAP files (`export --mcap --no-raw-audio` turns ' +
          'it off).',
      ),
    retention: z
      .object({
        maxAgeMs: z
          .number()
          .int()
          .positive()
          .default(RECORD.retention.maxAgeMs)
          .describe('Recordings older than this are deleted (ms).'),
        maxSessions: z
          .number()
          .int()
          .positive()
          .default(RECORD.retention.maxSessions)
          .describe('Recordings kept; the oldest beyond this are deleted.'),
        everyMs: z
          .number()
          .int()
          .positive()
          .default(RECORD.retention.everyMs)
          .describe('How often retention runs (ms).'),
      })
      .strict()
      .prefault({}),
    outbox: z
      .object({
        enabled: z
          .boolean()
          .default(RECORD.outbox.enabled)
          .describe(
            'Relay each finished turn record to JetStream (with NATS: `nats.servers` or `record.outbox.servers`).',
          ),
        servers: z.string().min(1).optional().describe(`${NATS_URLS}, for the outbox; default: \`nats.servers\`.`),
        stream: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a JetStream stream name: letters, digits, _ and -')
          .default(RECORD.outbox.stream)
          .describe('The JetStream stream.'),
        retryMinMs: z
          .number()
          .int()
          .positive()
          .default(RECORD.outbox.retryMinMs)
          .describe('First retry after a failed publish; doubles up to `retryMaxMs` (ms).'),
        retryMaxMs: z
          .number()
          .int()
          .positive()
          .default(RECORD.outbox.retryMaxMs)
          .describe('Longest wait between retries (ms).'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

const phraseList = z
  .array(z.string().regex(/^[A-Za-z' ]{1,100}$/, 'words of the pronunciation dictionary, letters and spaces'))
  .min(1)
  .max(10);
const probability = z.number().positive().max(1);

/** `session.activation` (docs/activation.md): when microphone audio opens a turn. */
const ActivationSchema = z
  .object({
    mode: z
      .enum(['always', 'wake', 'push'])
      .default(ACTIVATION.mode)
      .describe(
        'When microphone audio opens a turn: `always`; `wake`, after a wake phrase, for `windowMs`; `push`, ' +
          "between `control.listen` open and close (a push-to-talk button, the page's Space key). The stop phrases " +
          'are spotted in every mode but `always`.',
      ),
    wakePhrases: phraseList
      .default(() => [...ACTIVATION.wakePhrases])
      .describe('Phrases that open listening (`wake`), spotted offline in all microphone audio.'),
    wakeThreshold: probability
      .default(ACTIVATION.wakeThreshold)
      .describe(
        'How sure the spotter must be of a wake phrase (a probability against a free phone loop; smaller wakes ' +
          'more often, also falsely).',
      ),
    wakeConfidence: z
      .number()
      .min(0)
      .max(1)
      .default(ACTIVATION.wakeConfidence)
      .describe(
        "A spotted wake phrase counts only if its second check on the phrase's own audio (the grammar decoder " +
          'against a free phone loop, as for commands) is this confident (0..1; 0 skips the check).',
      ),
    stopThreshold: probability
      .default(ACTIVATION.stopThreshold)
      .describe(
        'How sure the spotter must be of a stop phrase (`session.estop.phrases`) before it publishes ' +
          '`control.estop`.',
      ),
    stopThresholdOverReply: probability
      .default(ACTIVATION.stopThresholdOverReply)
      .describe(
        "`stopThreshold` for an utterance begun while the robot spoke: its echo under the user's voice lowers a " +
          "spoken stop's score.",
      ),
    wakeLeadDb: z
      .number()
      .min(-100)
      .max(100)
      .default(ACTIVATION.wakeLeadDb)
      .describe(
        'A wake phrase counts only this far louder than the 300 ms before it (dB): said after a pause, not inside ' +
          'running speech.',
      ),
    stopLeadDb: z
      .number()
      .min(-100)
      .max(100)
      .default(ACTIVATION.stopLeadDb)
      .describe(
        'A stop phrase counts only this far louder than the 300 ms before it (dB); lower it to catch "stop" ' +
          'inside a sentence, at the cost of more false stops.',
      ),
    windowMs: z
      .number()
      .int()
      .positive()
      .default(ACTIVATION.windowMs)
      .describe(
        "How long listening stays open after the wake phrase, the user's last words or the agent's last reply (ms).",
      ),
  })
  .strict()
  .prefault({});

const phraseKey = z.string().regex(/^[a-z' ]{1,60}$/, 'a phrase in lower case: letters, apostrophes and spaces');

/** `keyword`: the learned keyword heads (docs/activation.md#learned-keyword-heads). */
const KeywordSchema = z
  .object({
    enabled: z
      .boolean()
      .default(KEYWORD.enabled)
      .describe(
        'Spot each configured phrase that has a learned head (`session.estop.phrases`, ' +
          "`session.activation.wakePhrases`, the confirmation's yes and no) on openWakeWord's speech embedding, " +
          'beside the phone-loop spotter. Needs `voice-agent models keyword`; without it the spotter alone ' +
          'listens, with a notice.',
      ),
    heads: z
      .record(phraseKey, z.string().min(1))
      .default(() => ({ ...KEYWORD.heads }))
      .describe(
        'A head file per phrase (an openWakeWord `.onnx` model, or one `voice-agent train-phrase` wrote): `{"hey ' +
          'jarvis": "/models/hey_jarvis_v0.1.onnx"}`. A head named here must load, or nothing starts.',
      ),
    threshold: probability
      .default(KEYWORD.threshold)
      .describe(
        'The score (0..1) a head must reach to spot its phrase, for a head that carries no threshold of its own ' +
          "(the project's heads carry the one their training calibrated).",
      ),
    thresholds: z
      .record(phraseKey, probability)
      .default(() => ({ ...KEYWORD.thresholds }))
      .describe("Per phrase, instead of the head's own threshold and `threshold`."),
  })
  .strict()
  .prefault({});

const FeaturesSchema = z
  .object({
    streamingTts: z
      .boolean()
      .default(FEATURES.streamingTts)
      .describe('Send clauses to TTS as they close; off: the whole reply at the end.'),
    bargeIn: z
      .boolean()
      .default(FEATURES.bargeIn)
      .describe('Speech over a reply cuts it (after `session.bargeIn.minSpeechMs`); off: the user waits for the end.'),
    memory: z
      .boolean()
      .default(FEATURES.memory)
      .describe('Ask the memory service (`memory.url`) before each LLM request.'),
    filler: z
      .boolean()
      .default(FEATURES.filler)
      .describe(
        'Speak `session.fillerText` when the LLM is slow (`session.timeouts.llmFirstTokenMs`); off: silence until ' +
          'the answer.',
      ),
  })
  .strict()
  .prefault({});

export const AppConfigSchema = z
  .object({
    session: SessionSettingsSchema.safeExtend({
      activation: ActivationSchema.describe(
        'When microphone audio opens a turn: always, after a wake phrase, or push-to-talk (docs/activation.md).',
      ),
    })
      .prefault({})
      .describe("The session chart: the LLM's prompt and history, barge-in, timeouts, end of turn, the filler."),
    languages: z
      .record(
        z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag like en, zh or zh-CN'),
        LanguageSchema,
      )
      .default(() => ({ ...CONFIG_DEFAULTS.languages }))
      .describe('Per language tag (`en`, `zh`, `zh-CN`): voice, TTS chain, system prompt and STT hint.'),
    audio: AudioSchema.describe(
      'Audio formats, and the conditioning of the microphone before the VAD (docs/audio-input.md).',
    ),
    pipeline: PipelineSchema.describe(
      'The stage actors: playback, TTS pacing, the clause chunker and the VAD segmenter.',
    ),
    vad: VadSchema.describe('The voice activity detector.'),
    stt: SttSchema.describe('The speech recognizer.'),
    llm: LlmSchema.describe('What answers: the rule policy or an LLM.'),
    tts: TtsSchema.describe('The voice: a failover chain of TTS engines.'),
    actions: ActionsSchema.describe('Robot actions: their declarations and who executes them (README, "Actions").'),
    memory: MemorySchema.describe('Long-term memory: an HTTP service asked before each LLM request.'),
    nats: NatsSchema.describe('NATS, the bus across processes (docs/subjects.md).'),
    server: ServerSchema.describe('`voice-agent serve`: HTTP and WebSocket, API keys, limits (docs/server.md).'),
    record: RecordSchema.describe('Session records (`serve --db`) and their relay to JetStream (docs/records.md).'),
    keyword: KeywordSchema.describe(
      'Learned keyword heads: the e-stop, wake phrases, yes and no heard on a speech embedding ' +
        '(docs/activation.md).',
    ),
    features: FeaturesSchema.describe('One switch per feature.'),
  })
  .strict();

export type AppConfig = z.infer<typeof AppConfigSchema>;
