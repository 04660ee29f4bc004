/**
 * Engines from the typed configuration, built once per process: VAD `webrtc` | `silero` | `fake`; STT
 * `pocketsphinx` | `openai` | `sherpa` | `remote` | `fake`; LLM `rules` | `openai` | `remote` | `fake`;
 * a TTS chain of `flite` | `espeak` | `openai` | `edge` | `remote` | `fake`; and the HTTP memory service.
 * Settings an engine needs but lacks fail here with the variable that sets them.
 *
 * Everything but the VAD (a stateful per-session detector) and `remote` engines (which address one
 * session's subjects) is shared by every session of the process; {@link buildEngines} in
 * `engine-pool.ts` does that split.
 */
import { readFileSync } from 'node:fs';
import { systemClock, type Clock } from '../adapters/clock.js';
import { createOpenAiLlm } from '../adapters/llm/openai.js';
import type { ActionDeclaration } from '../adapters/actions/declaration.js';
import { loadActionsFile } from '../adapters/actions/load.js';
import {
  assertRuleActionsDeclared,
  createRuleMatcher,
  createRulePolicy,
  loadRulesFile,
  type RulesConfig,
} from '../adapters/llm/rules.js';
import { JsgfError, jsgfSentences } from '../adapters/stt/jsgf-sentences.js';
import { grammarCompletion, ruleCompletion, type TurnCompletion } from '../adapters/turn/turn-completion.js';
import type { LlmEngine } from '../adapters/llm/types.js';
import { createHttpMemory } from '../adapters/memory/http-memory.js';
import type { MemoryLookup } from '../adapters/memory/types.js';
import { createRemoteLlm, createRemoteStt, createRemoteTts } from '../adapters/remote/remote-engines.js';
import { createOpenAiTranscriptionStt } from '../adapters/stt/openai-transcription.js';
import { createKeywordSpotter, type KeywordSpotter } from '../adapters/spotter/index.js';
import { createPocketsphinxStt } from '../adapters/stt/pocketsphinx.js';
import { createSherpaStt } from '../adapters/stt/sherpa.js';
import type { SttEngine } from '../adapters/stt/types.js';
import { endsWithStopPhrase, ESTOP_TUNING } from '../actors/estop/index.js';
import { createFakeLlm, createFakeStt, createFakeTts, createFakeVad } from '../adapters/testing/index.js';
import { createEdgeTts } from '../adapters/tts/edge.js';
import { createEspeakTts } from '../adapters/tts/espeak.js';
import { createFliteTts } from '../adapters/tts/flite.js';
import { createOpenAiSpeechTts } from '../adapters/tts/openai-speech.js';
import { createPhraseCache } from '../adapters/tts/phrase-cache.js';
import type { TtsEngine } from '../adapters/tts/types.js';
import { createFvadVad, type FvadOptions } from '../adapters/vad/fvad.js';
import { createSileroVad } from '../adapters/vad/silero.js';
import type { VadEngine } from '../adapters/vad/types.js';
import type { MessageBus } from '../bus/message-bus.js';
import { ConfigError, type AppConfig } from './config.js';

/** What a `remote` engine needs: the bus its worker listens on and the session it speaks for. */
export interface RemoteContext {
  bus: MessageBus;
  clock: Clock;
  sessionId: string;
}

type TtsSpec = AppConfig['tts']['engines'][number];

const unavailable = (stage: string, engine: string, available: string[]) =>
  new ConfigError(
    `${stage} engine "${engine}" is not available in this build: use one of ${available.join(', ')} (set ` +
      `${stage}.engine or VA_${stage.toUpperCase()}__ENGINE)`,
  );

/** One session's VAD (detectors are stateful, so never shared). */
export async function buildVad(config: AppConfig): Promise<VadEngine> {
  const { inputRateHz: sampleRateHz } = config.audio;
  const frameMs = config.pipeline.frameMs;
  if (config.vad.engine === 'fake') return createFakeVad({ sampleRateHz, frameMs });
  if (config.vad.engine === 'webrtc') {
    return createFvadVad({
      sampleRateHz,
      frameMs: frameMs as FvadOptions['frameMs'],
      mode: config.vad.mode as FvadOptions['mode'],
    } as FvadOptions);
  }
  if (config.vad.engine === 'silero') {
    if (sampleRateHz !== 16_000)
      throw new ConfigError(`Silero VAD runs at 16000 Hz; audio.inputRateHz is ${sampleRateHz}`);
    return createSileroVad({
      threshold: config.vad.threshold,
      ...(config.vad.modelPath ? { modelPath: config.vad.modelPath } : {}),
    });
  }
  throw unavailable('vad', config.vad.engine, ['webrtc', 'silero', 'fake']);
}

/**
 * The threads pocketsphinx decodes on: `stt.threads` on the wall clock; none on a simulated one (the re-runs,
 * the simulated sessions), where a thread's partials and finals would come at a simulated time set by real time.
 */
export function decodeThreads(config: AppConfig, clock: Clock | undefined): number {
  return clock === systemClock ? config.stt.threads : 0;
}

/** The STT engine; `remote` needs the session it transcribes for. */
export function buildStt(config: AppConfig, clock: Clock, remote?: RemoteContext): SttEngine {
  if (config.stt.engine === 'fake') return createFakeStt({ clock, transcripts: config.stt.fakeTranscripts });
  if (config.stt.engine === 'remote') return createRemoteStt(needRemote('stt', remote));
  if (config.stt.engine === 'pocketsphinx') {
    return createPocketsphinxStt({
      sampleRateHz: config.audio.inputRateHz,
      threads: decodeThreads(config, clock),
      ...(config.stt.grammarPath ? { grammarPath: config.stt.grammarPath } : {}),
      ...(config.stt.mllrPath ? { mllrPath: config.stt.mllrPath } : {}),
    });
  }
  if (config.stt.engine === 'openai') {
    const { baseUrl, apiKey, model } = config.stt;
    if (!baseUrl)
      throw new ConfigError(
        'stt.engine "openai" needs stt.baseUrl (VA_STT__BASE_URL), e.g. http://127.0.0.1:8000/v1 for a Whisper server',
      );
    // Why whisper-1 by default: OpenAI's name; local servers usually want their own model id in stt.model.
    return createOpenAiTranscriptionStt({
      baseUrl,
      model: model ?? 'whisper-1',
      ...(config.languages[config.pipeline.language]?.sttLanguage === 'auto'
        ? {}
        : { language: config.pipeline.language }),
      ...(apiKey ? { apiKey } : {}),
    });
  }
  if (config.stt.engine === 'sherpa') {
    if (!config.stt.sherpa) {
      throw new ConfigError(
        'stt.engine "sherpa" needs stt.sherpa: ' +
          '{"kind":"transducer","encoder":…,"decoder":…,"joiner":…,"tokens":…} or {"kind":"whisper",…} ' +
          '(VA_STT__SHERPA)',
      );
    }
    return createSherpaStt(config.stt.sherpa, { sampleRateHz: config.audio.inputRateHz });
  }
  throw unavailable('stt', (config.stt as { engine: string }).engine, [
    'pocketsphinx',
    'openai',
    'sherpa',
    'fake',
    'remote',
  ]);
}

/** The LLM (or rule policy); `remote` needs the session it answers for. */
export function buildLlm(config: AppConfig, clock: Clock, remote?: RemoteContext): LlmEngine {
  if (config.llm.engine === 'fake') return createFakeLlm({ clock, reply: config.llm.fakeReply });
  if (config.llm.engine === 'remote') return createRemoteLlm(needRemote('llm', remote));
  if (config.llm.engine === 'rules') return createRulePolicy(loadCheckedRules(config));
  if (config.llm.engine === 'openai') {
    if (!config.llm.baseUrl)
      throw new ConfigError(
        'llm.engine "openai" needs llm.baseUrl (VA_LLM__BASE_URL), e.g. http://127.0.0.1:11434/v1 for Ollama',
      );
    const { baseUrl, model, temperature, maxTokens, apiKey } = config.llm;
    return createOpenAiLlm({ baseUrl, model, temperature, maxTokens, ...(apiKey ? { apiKey } : {}) });
  }
  throw unavailable('llm', config.llm.engine, ['rules', 'openai', 'fake', 'remote']);
}

/** The declared actions (`actions.path`; none when it is null), validated: errors name the file and the field. */
export function declaredActionsOf(config: AppConfig): ActionDeclaration[] {
  return config.actions.path === null ? [] : loadActionsFile(config.actions.path);
}

/**
 * The rule policy's rules, refused at start when a rule asks for an action that is not declared: such a
 * rule could only ever be refused, and the user would hear "I cannot do that" for a command that looks fine.
 */
export function loadCheckedRules(
  config: AppConfig,
  declared: readonly ActionDeclaration[] = declaredActionsOf(config),
): RulesConfig {
  const rules = loadRulesFile(config.llm.rulesPath);
  assertRuleActionsDeclared(
    rules,
    declared.map((a) => a.name),
    `rules file ${config.llm.rulesPath}`,
    config.actions.path === null ? 'actions.path (null: no actions)' : `actions file ${config.actions.path}`,
  );
  return rules;
}

/** One TTS engine of the chain; `remote` needs the session it speaks for. */
export function buildTts(spec: TtsSpec, config: AppConfig, clock: Clock, remote?: RemoteContext): TtsEngine {
  const rate = config.audio.outputRateHz;
  if (spec.engine === 'fake')
    return createFakeTts({
      clock,
      sampleRateHz: rate,
      latencyMs: spec.latencyMs,
      msPerWord: spec.msPerWord,
      phonemes: spec.phonemes,
    });
  if (spec.engine === 'remote')
    return createRemoteTts({
      ...needRemote('tts', remote),
      sampleRateHz: rate,
      ...(spec.name ? { name: spec.name } : {}),
    });
  if (spec.engine === 'flite') return createFliteTts(spec.voice ? { voice: spec.voice } : {});
  if (spec.engine === 'espeak')
    return createEspeakTts({ language: spec.language, ...(spec.voice ? { voice: spec.voice } : {}) });
  if (spec.engine === 'edge') return createEdgeTts({ voice: spec.voice });
  if (spec.engine === 'openai')
    return createOpenAiSpeechTts({
      baseUrl: spec.baseUrl,
      model: spec.model,
      voice: spec.voice,
      ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
    });
  // Unreachable while the schema and this list agree; a new schema entry without a builder lands here.
  throw unavailable('tts', (spec as { engine: string }).engine, [
    'flite',
    'espeak',
    'openai',
    'edge',
    'fake',
    'remote',
  ]);
}

/** The first engine of a chain answers `tts.phrases` from memory once warmed up (as-is when none are configured). */
export function withPhraseCache(engine: TtsEngine, config: AppConfig): TtsEngine {
  return config.tts.phrases.length > 0 ? createPhraseCache(engine, { phrases: config.tts.phrases }) : engine;
}

/** The long-term memory service, when `features.memory` is on. */
export function buildMemory(config: AppConfig): MemoryLookup | undefined {
  if (!config.features.memory) return undefined;
  if (!config.memory.url) throw new ConfigError('features.memory is on but memory.url is not set (VA_MEMORY__URL)');
  return createHttpMemory({ url: config.memory.url, cacheSize: config.memory.cacheSize });
}

function needRemote(stage: string, remote: RemoteContext | undefined): RemoteContext {
  if (!remote)
    throw new ConfigError(
      `${stage} engine "remote" serves one session at a time and cannot be used here: pick a local engine for ` +
        `${stage}`,
    );
  return remote;
}

/**
 * What tells the adaptive end of turn that a partial transcript is a complete command: the grammar's
 * sentences when pocketsphinx runs a grammar, else the rule policy's patterns; none otherwise (an LLM has
 * no notion of a complete command, so turns wait the full VAD hangover).
 */
export function buildTurnCompletion(config: AppConfig): TurnCompletion | undefined {
  if (config.stt.engine === 'pocketsphinx' && config.stt.grammarPath) {
    try {
      return grammarCompletion(jsgfSentences(readFileSync(config.stt.grammarPath, 'utf8')));
    } catch (error) {
      // A grammar with repeats or recursion has no finite sentence list: the rule policy decides instead.
      if (!(error instanceof JsgfError)) throw error;
    }
  }
  if (config.llm.engine === 'rules') return ruleCompletion(createRuleMatcher(loadRulesFile(config.llm.rulesPath)));
  return undefined;
}

/**
 * The wake phrases' spotter (`session.activation` `wake`); none in `always` and `push` (the stop phrases
 * have a spotter of their own: {@link buildStopSpotter}).
 */
export function buildKeywordSpotter(config: AppConfig): KeywordSpotter | undefined {
  const { activation } = config.session;
  if (activation.mode !== 'wake') return undefined;
  const phrases = activation.wakePhrases.map((phrase) => ({
    phrase,
    threshold: activation.wakeThreshold,
    minLeadDb: activation.wakeLeadDb,
    // The second stage: the spotted stretch decoded again, the phrase against a free phone loop.
    minConfidence: activation.wakeConfidence,
  }));
  // The grammar decoder's transform helps the search and the verifier hear the same voices it does.
  return createKeywordSpotter({ phrases, ...(config.stt.mllrPath ? { mllrPath: config.stt.mllrPath } : {}) });
}

/**
 * Why a stop is judged at the search's first look that shows it, 20 ms after the phrase's last frame: the
 * stop is wanted within 150 ms of the phrase's end; the wake phrase's 200 ms of settling (a better
 * alignment of the same phrase) and the search's default 100 ms delay would spend all of it. On the real
 * recordings the margins with the 20 ms delay were those with 100 ms (within 3 powers of ten).
 */
const STOP_DELAY_FRAMES = 2;

/**
 * The stop phrases' spotter (`session.estop.spotter`, on by default): every session, every activation mode,
 * whatever `stt.engine` is. Thresholds: `session.activation.stopThreshold` (`stopThresholdOverReply` while
 * the robot speaks: the stop spotter, actors/estop/, says when) and `stopLeadDb`.
 */
export function buildStopSpotter(config: AppConfig): KeywordSpotter | undefined {
  const { activation, estop } = config.session;
  if (!estop.spotter || estop.phrases.length === 0) return undefined;
  const phrases = estop.phrases.map((phrase) => ({
    phrase,
    threshold: activation.stopThreshold,
    relaxedThreshold: activation.stopThresholdOverReply,
    minLeadDb: activation.stopLeadDb,
  }));
  try {
    return createKeywordSpotter({
      phrases,
      settleMs: 0,
      delayFrames: STOP_DELAY_FRAMES,
      minVoicedMs: ESTOP_TUNING.voice.MIN_VOICED_MS.value,
      ...(config.stt.mllrPath ? { mllrPath: config.stt.mllrPath } : {}),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `the stop phrases' spotter (session.estop.spotter) cannot start: ${reason}; or set session.estop.spotter ` +
        `to false to rely on transcripts alone`,
      { cause: error },
    );
  }
}

/**
 * The local grammar recognizer the emergency stop reads beside a session's own
 * (`session.estop.localRecognizer`): pocketsphinx with `stt.grammarPath` and `stt.mllrPath`.
 * - Beside a recognizer without partial transcripts (`openai`, sherpa's offline kinds, `remote`): every
 *   utterance decoded, its grammar required to hold the stop phrases (a decoder hears only what its
 *   grammar says).
 * - Beside pocketsphinx itself: for its decode at each of the user's pauses only
 *   ({@link stopSttPausesOnly}); none when the grammar holds no stop phrase (no stop to hear there). Given
 *   the session recognizer (`sessionStt`, the engine pool's shared one), it is that engine: its decoders
 *   are built from the same settings, and one pool serves both.
 * - None beside a streaming sherpa transducer (an open vocabulary's partials are not forced into "stop")
 *   or the tests' fake.
 */
export function buildStopStt(config: AppConfig, sessionStt?: SttEngine, clock?: Clock): SttEngine | undefined {
  const { estop } = config.session;
  const without =
    config.stt.engine === 'fake' || (config.stt.engine === 'sherpa' && config.stt.sherpa?.kind === 'transducer');
  if (!estop.localRecognizer || estop.phrases.length === 0 || without) return undefined;
  const { grammarPath, mllrPath } = config.stt;
  const fix =
    'or set session.estop.localRecognizer to false (VA_SESSION__ESTOP__LOCAL_RECOGNIZER=false) to leave the stop ' +
    'to the spotter and stt.engine';
  let sentences: string[] | undefined;
  try {
    sentences = jsgfSentences(readFileSync(grammarPath, 'utf8'));
  } catch (error) {
    // A grammar with repeats or recursion has no finite sentence list: nothing to check it against.
    if (!(error instanceof JsgfError))
      throw new ConfigError(
        `session.estop.localRecognizer cannot read stt.grammarPath (${grammarPath}): ${(error as Error).message}; ` +
          `${fix}`,
        {
          cause: error,
        },
      );
  }
  const missing = sentences
    ? estop.phrases.filter(
        (phrase) => !sentences.some((sentence) => endsWithStopPhrase(sentence, [phrase]) !== undefined),
      )
    : [];
  // The session's own grammar: the stop phrases it lacks, it cannot stop on anyway.
  const besideOwnGrammar = stopSttPausesOnly(config);
  if (besideOwnGrammar && missing.length === estop.phrases.length) return undefined;
  if (missing.length > 0 && !besideOwnGrammar) {
    throw new ConfigError(
      `session.estop.localRecognizer decodes with stt.grammarPath (${grammarPath}), where no sentence ends with ` +
        `${missing.map((p) => `"${p}"`).join(', ')}: add them to the grammar, ${fix}`,
    );
  }
  // Beside the grammar stack the decoder is the session recognizer's own (the same grammar, transform and
  // rate): one pool of decoder sets, ~83 MB each, instead of two. A pause's decode takes an idle set of it.
  if (besideOwnGrammar && sessionStt) return sessionStt;
  try {
    return createPocketsphinxStt({
      sampleRateHz: config.audio.inputRateHz,
      threads: decodeThreads(config, clock),
      grammarPath,
      ...(mllrPath ? { mllrPath } : {}),
    });
  } catch (error) {
    throw new Error(
      `the stop phrases' local recognizer (session.estop.localRecognizer) cannot start: ` +
        `${(error as Error).message}; ${fix}`,
      { cause: error },
    );
  }
}

/**
 * Whether {@link buildStopStt}'s recognizer decodes only at the user's pauses: beside the grammar stack, whose own
 * partials and final the stop reads.
 */
export function stopSttPausesOnly(config: AppConfig): boolean {
  return config.stt.engine === 'pocketsphinx';
}
