/**
 * Engines once per process, sessions on demand. {@link buildEngines} builds the engines every session
 * shares (STT with its decoder pool, the LLM or rule policy, the TTS chain with one phrase cache, the
 * memory client with its kept-alive connections) and warms them once; `bind` then gives one session its
 * own cheap parts — a VAD detector, the microphone's input conditioner (with the echo canceller's tap on
 * the session's sink) and any `remote` engine, which addresses that session's subjects — in well under a
 * millisecond for the local stack.
 *
 * @example
 * ```ts
 * const pool = buildEngines(loadConfig({ env: process.env }), { clock: systemClock });
 * await pool.warmUp();
 * // What `assembleSession(pool, …)` (assemble-session.ts) does for every entry point:
 * const engines = await pool.bind({ sessionId: 's1', bus, sink, sinkKind: 'device' });
 * const session = startSession({ sessionId: 's1', bus, clock: systemClock, engines, ...pool.runtime });
 * // … when the session ends
 * engines.release();
 * ```
 */
import { loadSpeexDsp, loadWebRtcApm, tapEchoReference, type EchoReports } from '../adapters/echo/index.js';
import { describeNotice, Notices, type Notice } from '../machines/notices.js';
import {
  createInputConditioner,
  type InputConditioner,
  type InputConditionerOptions,
  type InputSwitches,
} from '../adapters/audio/input-conditioner.js';
import type { AudioSink } from '../adapters/audio/sink.js';
import { systemClock, type Clock } from '../adapters/clock.js';
import { loadRulesFile } from '../adapters/llm/rules.js';
import type { TtsEngine } from '../adapters/tts/types.js';
import { createFilteredKeep, type OwnVoiceStop } from '../actors/estop/index.js';
import type { AppConfig } from './config.js';
import {
  buildKeywordSpotter,
  buildStopSpotter,
  buildStopStt,
  stopSttPausesOnly,
  buildLlm,
  buildMemory,
  buildStt,
  buildTts,
  buildTurnCompletion,
  buildVad,
  declaredActionsOf,
  withPhraseCache,
  type RemoteContext,
} from './engines.js';
import {
  inputConditioningFrom,
  runtimeOptionsFrom,
  type InputConditioning,
  type RuntimeOptions,
  type SinkKind,
} from './runtime-options.js';
import { reportingFailures } from './stop-stt-failures.js';
import { loadLearnedHeads, type LearnedHeads } from './learned-heads.js';
import { warmUpEngines } from './engine-warm-up.js';
import { resolve, type SharedEngines, type Slot, type TtsChain, type TtsSpec } from './shared-engines.js';
import type { BoundEngines, SessionBinding } from './session-binding.js';

export type { BoundEngines, SessionBinding } from './session-binding.js';

export interface EnginePool {
  readonly config: AppConfig;
  /** The session chart's and the actors' options, from the one place config becomes runtime options. */
  readonly runtime: RuntimeOptions;
  /** True once `warmUp` has finished (the server's `/readyz`). */
  readonly warm: boolean;
  /** Loads models, opens connections and synthesizes the cached phrases; once, however often called. */
  warmUp(): Promise<void>;
  /**
   * Settles once decoders for every session of the pool's capacity are made: `warmUp` waits for the
   * first few only, and makes the rest in the background. A bench waits for it before it measures.
   */
  prepared(): Promise<void>;
  bind(binding: SessionBinding): Promise<BoundEngines>;
}

export interface BuildEnginesOptions {
  clock: Clock;
  /**
   * The sessions the pool is for at once (`serve`: `server.capacity`; default 1). A pooled local
   * recognizer has decoders ready at warm-up for the share of them that speak at the same moment.
   */
  sessions?: number;
}

const notWarming = () => new Error('the engine pool is not warming up: call pool.warmUp() before pool.prepared()');

export function buildEngines(config: AppConfig, { clock, sessions = 1 }: BuildEnginesOptions): EnginePool {
  // First: a broken declaration is the first thing to fix, and the rule policy is checked against them.
  const declaredActions = declaredActionsOf(config);
  const engines = buildSharedEngines(config, clock);
  // Echo cancellation forced on: a missing libspeexdsp fails here, at start, not in the first session.
  if (config.audio.echoCancel === 'on') loadEchoCanceller(config.audio.echoCanceller);
  let warming: Promise<{ rest: Promise<void> }> | undefined;
  let warm = false;
  return {
    config,
    runtime: runtimeOptionsFrom(config, { declaredActions, ...rulesFallback(config) }),
    get warm() {
      return warm;
    },
    warmUp() {
      const started = (warming ??= warmUpEngines(engines, sessions).then((left) => {
        warm = true;
        return left;
      }));
      return started.then(() => undefined);
    },
    prepared: () => (warming ? warming.then(({ rest }) => rest) : Promise.reject(notWarming())),
    bind: (binding) => bindSession(engines, binding),
  };
}

/** A rejected transcript is answered like a sentence the rule policy has no rule for. */
function rulesFallback(config: AppConfig): { notUnderstoodText?: string } {
  return config.llm.engine === 'rules' ? { notUnderstoodText: loadRulesFile(config.llm.rulesPath).fallback.reply } : {};
}

/** A shared engine, or for a `remote` one the recipe of each session's own (it addresses its subjects). */
function slotFor<T>(engine: string, build: (remote?: RemoteContext) => T): Slot<T> {
  return engine === 'remote' ? { perSession: (r) => build(r) } : { shared: build() };
}

function buildSharedEngines(config: AppConfig, clock: Clock): SharedEngines {
  const stt = slotFor(config.stt.engine, (r) => buildStt(config, clock, r));
  const llm = slotFor(config.llm.engine, (r) => buildLlm(config, clock, r));
  const ttsSlot = (spec: TtsSpec) => slotFor(spec.engine, (r) => buildTts(spec, config, clock, r));
  const tts = config.tts.engines.map(ttsSlot);
  // The first engine answers the configured phrases from memory once warmed up: one cache per process.
  // A remote first engine has no shared instance to cache in front of, so it runs uncached.
  const first = tts[0]!;
  if ('shared' in first) tts[0] = { shared: withPhraseCache(first.shared, config) };
  // Languages with a chain of their own (`languages.<tag>.tts`): built once too.
  const ttsByLanguage = Object.entries(config.languages).flatMap(([tag, language]): Array<[string, TtsChain]> =>
    language.tts ? [[tag, language.tts.map(ttsSlot)]] : [],
  );
  const memory = buildMemory(config);
  // The adaptive end of turn is off (`turn.completePauseMs` 0): no partial needs checking.
  const turnCompletion = config.session.turn.completePauseMs > 0 ? buildTurnCompletion(config) : undefined;
  // Wake and stop phrases (`session.activation`): one decoder pool per process, a decoder per session.
  const keywordSpotter = buildKeywordSpotter(config);
  // The stop phrases (`session.estop.spotter`): every session, every mode, whatever the recognizer.
  const stopSpotter = buildStopSpotter(config);
  // Their transcripts by a local grammar decoder too, when the session's recognizer reports no partials.
  const stopStt = buildStopStt(config, 'shared' in stt ? stt.shared : undefined, clock);
  // The learned keyword heads (`keyword`): one front end per process, loaded at warm-up or by the first session.
  let learnedHeads: Promise<LearnedHeads> | undefined;
  const learned = () => (learnedHeads ??= loadLearnedHeads(config, { onThread: clock === systemClock }));
  return {
    config,
    clock,
    stt,
    llm,
    tts,
    ttsByLanguage,
    memory,
    turnCompletion,
    keywordSpotter,
    stopSpotter,
    stopStt,
    learned,
  };
}

type Publish = (notice: Notice) => void;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** One session's own parts beside the shared engines; what was made for it is closed when a step fails. */
async function bindSession(shared: SharedEngines, binding: SessionBinding): Promise<BoundEngines> {
  const { config, clock, keywordSpotter, stopSpotter } = shared;
  const { sessionId, bus, sink, sinkKind = 'device', inputSwitches } = binding;
  const remote: RemoteContext = { bus, clock, sessionId };
  const vad = await sessionVad(config, keywordSpotter);
  // A VAD at another rate than the spotter's (16 kHz) leaves the stop to the transcripts.
  const sessionStopSpotter = stopSpotter?.sampleRateHz === vad.sampleRateHz ? stopSpotter : undefined;
  const heads = await shared.learned().catch((error: unknown) => {
    vad.close?.();
    throw error;
  });
  const sessionHeads = 'engine' in heads && heads.engine.sampleRateHz === vad.sampleRateHz ? heads : undefined;
  const publish: Publish = (notice) => {
    bus.publish({ type: 'session.notice', sessionId, turnId: '-', ...notice, detail: describeNotice(notice) });
  };
  let input: { conditioner: InputConditioner; sink: AudioSink } | undefined;
  try {
    input = await bindInputConditioner(config, sinkKind, {
      clock,
      sink,
      sampleRateHz: vad.sampleRateHz,
      ...conditionerReports(publish),
      // The stop spotter hears what the steps keep for it (actors/estop/): kept only for one that runs.
      keepForStops: sessionStopSpotter !== undefined || sessionHeads !== undefined,
      ...(inputSwitches ? { inputSwitches } : {}),
    });
  } catch (error) {
    vad.close?.();
    throw error;
  }
  const onOwnVoiceStop = (heard: OwnVoiceStop) => publish(Notices.estop_own_voice(heard));
  return {
    vad,
    ...resolveEngines(shared, remote),
    sink: input?.sink ?? sink,
    ...(shared.memory ? { memory: shared.memory } : {}),
    ...(shared.turnCompletion ? { turnCompletion: shared.turnCompletion } : {}),
    ...(input ? { inputConditioner: input.conditioner } : {}),
    ...(keywordSpotter ? { keywordSpotter } : {}),
    ...(sessionHeads ? { learned: learnedFor(config, sessionHeads, publish) } : {}),
    ...(sessionStopSpotter ? { stopSpotter: sessionStopSpotter, onOwnVoiceStop } : {}),
    ...stopSttFor(config, shared.stopStt, vad.sampleRateHz, publish),
    release: () => {
      vad.close?.();
      input?.conditioner.close();
    },
  };
}

/** The session's VAD, at the keyword spotter's rate when phrases wake or stop the session. */
async function sessionVad(config: AppConfig, keywordSpotter: SharedEngines['keywordSpotter']) {
  const vad = await buildVad(config);
  if (keywordSpotter && keywordSpotter.sampleRateHz !== vad.sampleRateHz) {
    vad.close?.();
    const need = `session.activation needs the VAD at ${keywordSpotter.sampleRateHz} Hz (the keyword spotter's rate)`;
    const runs = `vad.engine "${config.vad.engine}" runs at ${vad.sampleRateHz} Hz`;
    throw new Error(`${need}, and ${runs}: use vad.engine webrtc or silero`);
  }
  return vad;
}

/**
 * What the echo step held back that may have been the user is told, never silently dropped; so is the
 * agent's speech it was half duplex over, where a user quieter than the echo was not heard; and RNNoise
 * switched by the room (`audio.noiseSuppression: "auto"`): what the VAD hears changed.
 */
function conditionerReports(publish: Publish) {
  const echoReports: EchoReports = {
    onHeldUser: (span) => publish(Notices.echo_held_user(span)),
    onHalfDuplex: (span) => publish(Notices.echo_half_duplex(span)),
  };
  const onNoiseSuppression = (room: { on: boolean; floorDbfs: number }) => publish(Notices.noise_suppression(room));
  return { echoReports, onNoiseSuppression };
}

/** The chain's engines for one session: the shared ones, and the `remote` ones made for its subjects. */
function resolveEngines(shared: SharedEngines, remote: RemoteContext) {
  const chain = (slots: ReadonlyArray<Slot<TtsEngine>>) => slots.map((slot) => resolve(slot, remote));
  const stt = resolve(shared.stt, remote);
  const llm = resolve(shared.llm, remote);
  const tts = chain(shared.tts);
  const byLanguage = shared.ttsByLanguage.map(([tag, slots]) => [tag, chain(slots)] as const);
  return { stt, llm, tts, ...(byLanguage.length > 0 ? { ttsByLanguage: Object.fromEntries(byLanguage) } : {}) };
}

function learnedFor(config: AppConfig, heads: Extract<LearnedHeads, { engine: unknown }>, publish: Publish) {
  return {
    engine: heads.engine,
    phrases: heads.phrases,
    stopLeadDb: config.session.activation.stopLeadDb,
    onError: (error: unknown) => publish(Notices.keyword_failed(messageOf(error))),
  };
}

/** The stop's own decoder, set up for the input rate: a VAD passing another leaves the stop to the other paths. */
function stopSttFor(config: AppConfig, stopStt: SharedEngines['stopStt'], vadRateHz: number, publish: Publish) {
  if (!stopStt || vadRateHz !== config.audio.inputRateHz) return {};
  const onFailure = (error: unknown) => publish(Notices.estop_recognizer_failed(messageOf(error)));
  return { stopStt: reportingFailures(stopStt, onFailure), stopSttPausesOnly: stopSttPausesOnly(config) };
}

/**
 * The session's input conditioner, or none when every step is off. With echo cancellation the session's
 * sink is wrapped by the tap that records what it plays: the playback actor must write to that one.
 */
async function bindInputConditioner(
  config: AppConfig,
  sinkKind: SinkKind,
  {
    clock,
    sink,
    sampleRateHz,
    inputSwitches,
    echoReports,
    onNoiseSuppression,
    keepForStops,
  }: {
    clock: Clock;
    sink: AudioSink;
    sampleRateHz: number;
    inputSwitches?: InputSwitches;
    echoReports?: EchoReports;
    onNoiseSuppression?: InputConditionerOptions['onNoiseSuppression'];
    keepForStops: boolean;
  },
): Promise<{ conditioner: InputConditioner; sink: AudioSink } | undefined> {
  const conditioning = inputConditioningFrom(config, sinkKind);
  const switches = inputSwitches ? clientSwitches(config, conditioning, inputSwitches) : undefined;
  if (
    !switches &&
    !conditioning.echoCancel &&
    !conditioning.highPassHz &&
    !conditioning.agc &&
    !conditioning.noiseSuppression
  )
    return undefined;
  // A missing libspeexdsp fails before anything is allocated, with the install command.
  if (conditioning.echoCancel) loadEchoCanceller(conditioning.echoCanceller);
  const echoSwitchable = switches !== undefined && switches.canCancelEcho;
  /** The conditioner the tap's echo return reads, once it exists. */
  const made: { conditioner?: InputConditioner } = {};
  const tap =
    conditioning.echoCancel || echoSwitchable
      ? await tapEchoReference(sink, {
          clock,
          sampleRateHz,
          ...(switches && !conditioning.echoCancel ? { active: () => switches.echo } : {}),
          ...(sinkKind === 'device' ? { echoReturnMs: echoHeardWithin(config, () => made.conditioner) } : {}),
        })
      : undefined;
  const conditioner = await createInputConditioner({
    sampleRateHz,
    highPassHz: conditioning.highPassHz,
    agc: conditioning.agc,
    // A Realtime client's `noise_reduction` switches RNNoise; `auto` is for microphones the server owns.
    noiseSuppression: switches ? conditioning.noiseSuppression === true : conditioning.noiseSuppression,
    // RNNoise's input, for the stop spotter's lead: kept only where a stop spotter runs.
    keepLevels: keepForStops,
    ...(onNoiseSuppression ? { onNoiseSuppression } : {}),
    ...(switches ? { switches } : {}),
    ...(tap
      ? {
          echo: {
            reference: tap.reference,
            canceller: conditioning.echoCanceller,
            tailMs: conditioning.echoTailMs,
            delayEstimation: conditioning.echoDelayEstimation,
            residualSuppression: conditioning.residualEchoSuppression,
            suppression: conditioning.echoSuppression,
            // Each block as the stop spotter hears it (actors/estop/filtered-keep.ts).
            ...(keepForStops ? { keep: createFilteredKeep } : {}),
            ...echoReports,
          },
        }
      : {}),
  });
  made.conditioner = conditioner;
  return { conditioner, sink: tap?.sink ?? sink };
}

/**
 * Beyond the device's own way to the microphone: the echo delay the canceller found (the room), and the
 * VAD's start window to say speech started and its pause window to say it went quiet again — what the
 * chart's onset check over a reply needs to have seen before the reply counts as finished. A device's
 * speaker echoes into the session's own microphone; a Realtime client's playback (its own canceller, or
 * its own echo switch) is left as it was.
 */
function echoHeardWithin(config: AppConfig, conditioner: () => InputConditioner | undefined): () => number {
  const { startWindowMs, pauseMs } = config.pipeline.vad;
  return () => (conditioner()?.echoDelay?.()?.alignedMs ?? 0) + startWindowMs + pauseMs;
}

/**
 * A client's switches under the config: `audio.echoCancel` `on` / `off` override the client's echo
 * switch (`auto` follows it, if libspeexdsp is there), `audio.noiseSuppression: true` forces RNNoise (`auto`
 * leaves it to the client).
 */
function clientSwitches(
  config: AppConfig,
  conditioning: InputConditioning,
  client: InputSwitches,
): InputSwitches & { canCancelEcho: boolean } {
  let canCancelEcho = conditioning.echoCancel;
  if (config.audio.echoCancel === 'auto') {
    try {
      loadEchoCanceller(conditioning.echoCanceller);
      canCancelEcho = true;
    } catch {
      // No libspeexdsp: a client asking for echo cancellation gets noise suppression only.
    }
  }
  return {
    canCancelEcho,
    get echo() {
      return conditioning.echoCancel || (canCancelEcho && client.echo);
    },
    get noiseSuppression() {
      return conditioning.noiseSuppression === true || client.noiseSuppression;
    },
  };
}

/** Loads the configured canceller's native library; a missing one throws with the command that installs it. */
function loadEchoCanceller(kind: InputConditioning['echoCanceller']): void {
  if (kind === 'webrtc') loadWebRtcApm();
  else loadSpeexDsp();
}
