/**
 * The configuration of what a session runs on: audio formats and microphone conditioning, the pipeline,
 * and the VAD, STT, LLM and TTS engines, per language too. Defaults, and why: `defaults.ts`; what each
 * key does: its `.describe()`, from which `docs/configuration.md` is generated.
 */
import { z } from 'zod';
import { DEFAULT_PIPELINE_OPTIONS as PIPELINE } from '../../actors/deps.js';
import { DEFAULT_CLAUSE_CHUNKER_OPTIONS as CHUNKER } from '../../actors/clause-chunker.js';
import { DEFAULT_VAD_SEGMENTER_OPTIONS as SEGMENTER } from '../../actors/vad-segmenter.js';
import { SherpaSttConfigSchema } from '../../adapters/stt/sherpa.js';
import { CONFIG_DEFAULTS, TTS_ENGINE_DEFAULTS as TTS } from './defaults.js';

const { audio: AUDIO, pipeline: LANGUAGE, vad: VAD, stt: STT, llm: LLM, tts: TTS_CHAIN } = CONFIG_DEFAULTS;
const ms = () => z.number().int();

export const TtsEngineSchema = z
  .discriminatedUnion('engine', [
    z
      .object({
        engine: z.literal('flite').describe('flite, embedded (English).'),
        voice: z
          .string()
          .optional()
          .describe("flite's voice: `kal16` (the default), `kal` (8 kHz), `slt`, `rms` or `awb`."),
      })
      .strict(),
    z
      .object({
        engine: z.literal('espeak').describe('eSpeak NG, embedded, many languages (GPL; an optional package).'),
        voice: z.string().optional().describe('An eSpeak voice id (`en-us`, `cmn`); wins over `language`.'),
        language: z
          .string()
          .default(TTS.espeak.language)
          .describe('The language of the text when no voice is set (`en`, `zh`, or an eSpeak language id).'),
      })
      .strict(),
    z
      .object({
        engine: z.literal('openai').describe('An OpenAI-compatible `/audio/speech` server.'),
        baseUrl: z.url().describe('The server, e.g. `https://api.openai.com/v1`.'),
        apiKey: z.string().optional().describe('Its API key; default: `OPENAI_API_KEY`.'),
        model: z.string().default(TTS.openai.model).describe('The speech model.'),
        voice: z.string().default(TTS.openai.voice).describe('The voice.'),
      })
      .strict(),
    z
      .object({
        engine: z.literal('edge').describe("Microsoft Edge's online voices (needs the network)."),
        voice: z.string().default(TTS.edge.voice).describe('The voice.'),
      })
      .strict(),
    z
      .object({
        engine: z.literal('remote').describe('A `voice-agent worker tts` on NATS (in the queue group `tts-workers`).'),
        name: z.string().optional().describe('The name this engine has in notices and timelines.'),
      })
      .strict(),
    z
      .object({
        engine: z.literal('fake').describe('A deterministic tone, for tests.'),
        latencyMs: z.number().nonnegative().default(TTS.fake.latencyMs).describe('Delay to the first audio (ms).'),
        msPerWord: z.number().positive().default(TTS.fake.msPerWord).describe('Audio per word (ms).'),
        phonemes: z.boolean().default(TTS.fake.phonemes).describe('Report phoneme timings (lip sync).'),
      })
      .strict(),
  ])
  .meta({ title: 'TTS engine' });

export const LanguageSchema = z
  .object({
    voice: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The TTS voice for clauses in this language (an engine's voice id: eSpeak `cmn`, Edge " +
          '`zh-CN-XiaoxiaoNeural`).',
      ),
    tts: z
      .array(TtsEngineSchema)
      .min(1)
      .optional()
      .describe('A TTS failover chain of its own for this language; default: `tts.engines`.'),
    systemPrompt: z
      .string()
      .min(1)
      .optional()
      .describe("The LLM's system prompt when the user speaks this language; default: `session.systemPrompt`."),
    sttLanguage: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The STT hint when this is the main language (`pipeline.language`); default: the tag; `auto`: no hint, ' +
          'the engine detects the language and each reply follows it.',
      ),
  })
  .strict()
  .meta({ title: 'language settings' });

export const AudioSchema = z
  .object({
    inputRateHz: z
      .union([z.literal(8000), z.literal(16000), z.literal(32000), z.literal(48000)])
      .default(AUDIO.inputRateHz)
      .describe('The microphone rate the VAD and STT run at (Hz).'),
    outputRateHz: z
      .number()
      .int()
      .positive()
      .default(AUDIO.outputRateHz)
      .describe('The output rate every TTS engine is resampled to (Hz).'),
    echoCancel: z
      .enum(['auto', 'on', 'off'])
      .default(AUDIO.echoCancel)
      .describe(
        "Cancel the agent's own voice on the microphone; `auto`: where speaker and microphone are one device on " +
          'the bus (robots), not for Realtime clients nor `run`.',
      ),
    echoCanceller: z
      .enum(['builtin', 'webrtc'])
      .default(AUDIO.echoCanceller)
      .describe(
        "Which canceller runs: `builtin` (speexdsp's filter with the delay estimator and suppressors of " +
          "adapters/audio/), or `webrtc` (WebRTC's audio processing, its AEC with its own delay estimation and " +
          'suppression; needs the native binding: `npm run build:webrtc-apm`).',
      ),
    echoTailMs: ms().min(20).max(1000).default(AUDIO.echoTailMs).describe('The echo path the canceller models (ms).'),
    echoDelayEstimation: z
      .boolean()
      .default(AUDIO.echoDelayEstimation)
      .describe(
        'Estimate the playback-to-microphone delay and align the reference on it before the canceller; `live` ' +
          'turns it off and aligns on the delay the sound server reports.',
      ),
    residualEchoSuppression: z
      .boolean()
      .default(AUDIO.residualEchoSuppression)
      .describe("speexdsp's residual echo suppressor, after the canceller."),
    echoSuppression: z
      .boolean()
      .default(AUDIO.echoSuppression)
      .describe('The echo suppressor, which mutes echo the filter has not learnt yet.'),
    highPassHz: z
      .number()
      .min(0)
      .max(1000)
      .default(AUDIO.highPassHz)
      .describe('High-pass cutoff before the VAD (Hz); 0: off.'),
    agc: z.boolean().default(AUDIO.agc).describe('Automatic gain control before the VAD.'),
    noiseSuppression: z
      .union([z.boolean(), z.literal('auto')])
      .default(AUDIO.noiseSuppression)
      .describe(
        "RNNoise before the VAD: true, false, or `auto` (Realtime clients' `noise_reduction` decides for them).",
      ),
  })
  .strict()
  .prefault({});

export const PipelineSchema = z
  .object({
    frameMs: ms().positive().default(PIPELINE.frameMs).describe('Frame length of the microphone and playback (ms).'),
    maxBufferAheadMs: ms()
      .positive()
      .default(PIPELINE.maxBufferAheadMs)
      .describe('Audio handed to the sink ahead of what it has played (ms).'),
    refillBelowMs: ms()
      .positive()
      .default(PIPELINE.refillBelowMs)
      .describe('The sink is refilled up to `maxBufferAheadMs` once it holds this little (ms).'),
    ttsConcurrency: z
      .number()
      .int()
      .positive()
      .default(PIPELINE.ttsConcurrency)
      .describe('TTS requests in flight per reply.'),
    ttsLookAheadMs: ms()
      .nonnegative()
      .default(PIPELINE.ttsLookAheadMs)
      .describe(
        'A reply synthesizes its next segment only while less audio than this waits unplayed (ms); 0: no bound.',
      ),
    memoryBudgetMs: ms()
      .nonnegative()
      .default(PIPELINE.memoryBudgetMs)
      .describe('How long a memory lookup may delay the LLM request (ms).'),
    language: z
      .string()
      .default(LANGUAGE.language)
      .describe("The session's main language: the STT hint and the language of Latin-script replies."),
    chunker: z
      .object({
        mode: z
          .enum(['clause', 'sentence'])
          .default(CHUNKER.mode)
          .describe('Where a reply is cut for TTS: `sentence` at . ! ? only, `clause` also at , ; : and dashes.'),
        minChars: z
          .number()
          .int()
          .positive()
          .default(CHUNKER.minChars)
          .describe('A clause shorter than this is merged with the next.'),
        firstMinChars: z
          .number()
          .int()
          .positive()
          .default(CHUNKER.firstMinChars)
          .describe("`minChars` for a reply's first clause, which gates the first audio."),
        maxChars: z
          .number()
          .int()
          .positive()
          .default(CHUNKER.maxChars)
          .describe('Longer text without a boundary is cut at the last space.'),
        cjkMinChars: z
          .number()
          .int()
          .positive()
          .default(CHUNKER.cjkMinChars)
          .describe('`minChars` for Chinese or Japanese text, in characters.'),
        cjkMaxChars: z
          .number()
          .int()
          .positive()
          .default(CHUNKER.cjkMaxChars)
          .describe('`maxChars` for Chinese or Japanese text, in characters.'),
      })
      .strict()
      .prefault({}),
    vad: z
      .object({
        startWindowMs: ms()
          .positive()
          .default(SEGMENTER.startWindowMs)
          .describe('Speech starts when `startRatio` of the last `startWindowMs` is voiced (ms).'),
        startRatio: z
          .number()
          .min(0)
          .max(1)
          .default(SEGMENTER.startRatio)
          .describe('The voiced share of the start window that starts speech.'),
        hangoverMs: ms().positive().default(SEGMENTER.hangoverMs).describe('Silence that ends the utterance (ms).'),
        prefixPaddingMs: ms()
          .nonnegative()
          .default(SEGMENTER.prefixPaddingMs)
          .describe('Audio before the detected start given to the STT (ms).'),
        pauseMs: ms()
          .positive()
          .default(SEGMENTER.pauseMs)
          .describe('Silence inside an utterance announced as a pause, where the adaptive end of turn starts (ms).'),
        pauseLevelDbfs: z
          .number()
          .max(0)
          .default(SEGMENTER.pauseLevelDbfs)
          .describe(
            'A frame below this level counts as silent for pauses even while the VAD still says speech (dBFS).',
          ),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export const VadSchema = z
  .object({
    engine: z.enum(['webrtc', 'silero', 'fake']).default(VAD.engine).describe('The voice activity detector.'),
    mode: z.number().int().min(0).max(3).default(VAD.mode).describe("WebRTC VAD's aggressiveness."),
    threshold: z.number().min(0).max(1).default(VAD.threshold).describe("Silero's speech probability threshold."),
    modelPath: z
      .string()
      .optional()
      .describe("Silero's model file; default: the one `voice-agent models silero` fetched."),
  })
  .strict()
  .prefault({});

export const SttSchema = z
  .object({
    engine: z
      .enum(['pocketsphinx', 'openai', 'sherpa', 'remote', 'fake'])
      .default(STT.engine)
      .describe('The speech recognizer; `remote`: a `voice-agent worker stt` on NATS.'),
    grammarPath: z.string().default(STT.grammarPath).describe('The JSGF grammar pocketsphinx decodes with.'),
    minConfidence: z
      .number()
      .min(0)
      .max(1)
      .default(STT.minConfidence)
      .describe(
        'A final transcript with a lower confidence is not understood: a re-prompt, no action (engines that ' +
          'report one: pocketsphinx with a grammar); 0: off.',
      ),
    mllrPath: z
      .string()
      .nullable()
      .default(STT.mllrPath)
      .describe("An MLLR transform of pocketsphinx's acoustic model for the grammar decoder; null: none."),
    threads: z
      .number()
      .int()
      .nonnegative()
      .default(STT.threads)
      .describe(
        'Threads pocketsphinx decodes utterances on, beside the event loop; 0: on the event loop (every session ' +
          'waits for each decode).',
      ),
    baseUrl: z.url().optional().describe('The OpenAI-compatible transcription server (`stt.engine` openai).'),
    apiKey: z.string().optional().describe('Its API key; default: `OPENAI_API_KEY`.'),
    model: z.string().optional().describe('Its model; default: `whisper-1`.'),
    sherpa: SherpaSttConfigSchema.optional().describe('The model files for `stt.engine` sherpa.'),
    fakeTranscripts: z
      .array(z.string())
      .default(() => [...STT.fakeTranscripts])
      .describe("The fake STT's transcripts, one per utterance."),
  })
  .strict()
  .prefault({});

export const LlmSchema = z
  .object({
    engine: z
      .enum(['rules', 'openai', 'remote', 'fake'])
      .default(LLM.engine)
      .describe(
        'What answers: the rule policy, an OpenAI-compatible chat server, a `voice-agent worker llm`, or a fake.',
      ),
    rulesPath: z.string().default(LLM.rulesPath).describe("The rule policy's rules (JSON)."),
    baseUrl: z
      .url()
      .optional()
      .describe(
        'The OpenAI-compatible chat server (`llm.engine` openai), e.g. `http://127.0.0.1:11434/v1` for Ollama.',
      ),
    apiKey: z.string().optional().describe('Its API key; default: `OPENAI_API_KEY`.'),
    model: z.string().default(LLM.model).describe('Its model.'),
    temperature: z.number().min(0).max(2).default(LLM.temperature).describe('Sampling temperature.'),
    maxTokens: z.number().int().positive().default(LLM.maxTokens).describe('The longest answer, in tokens.'),
    fakeReply: z.string().default(LLM.fakeReply).describe("The fake LLM's reply."),
  })
  .strict()
  .prefault({});

export const TtsSchema = z
  .object({
    engines: z
      .array(TtsEngineSchema)
      .min(1)
      .default(() => TTS_CHAIN.engines.map((e) => ({ ...e })))
      .describe('The failover chain: the first engine speaks, the next takes over on an error or a missed deadline.'),
    phrases: z
      .array(z.string())
      .default(() => [...TTS_CHAIN.phrases])
      .describe('Phrases synthesized at start-up and served from memory.'),
    warmUp: z.boolean().default(TTS_CHAIN.warmUp).describe('Warm the engines up before the first session.'),
  })
  .strict()
  .prefault({});
