/**
 * The one place where the application configuration becomes runtime options: what the session chart
 * (`SessionConfig`) and the stage actors (`PipelineOptions`) run on. Defaults live in the defaults
 * tables the schemas refer to (runtime/config/defaults.ts and the ones it names), not here.
 *
 * @example
 * ```ts
 * const runtime = runtimeOptionsFrom(loadConfig({ env: process.env }));
 * startSession({ sessionId: 's1', bus, clock, engines, ...runtime }); // { config, pipeline }
 * ```
 */
import type { ActionDeclaration } from '../adapters/actions/declaration.js';
import type { EchoCancellerKind } from '../adapters/audio/input-conditioner.js';
import type { PipelineOptions } from '../actors/deps.js';
import type { SessionConfig } from '../machines/config.js';
import type { AppConfig } from './config.js';

/**
 * Where a session's audio is heard, which decides `audio.echoCancel: "auto"`: `device` — a speaker next
 * to the session's own microphone (a robot on the bus); `client` — a client that cancels its own echo
 * (a browser's getUserMedia, a Realtime client), whose playout time the server cannot know to the sample;
 * `file` — a recording (`run`), which has no acoustic path at all.
 */
export type SinkKind = 'device' | 'client' | 'file';

/** The microphone conditioning of one session (see adapters/audio/input-conditioner.ts). */
export interface InputConditioning {
  echoCancel: boolean;
  echoCanceller: EchoCancellerKind;
  echoTailMs: number;
  echoDelayEstimation: boolean;
  residualEchoSuppression: boolean;
  echoSuppression: boolean;
  highPassHz: number;
  agc: boolean;
  noiseSuppression: boolean | 'auto';
}

export interface RuntimeOptions {
  /** The session chart's config (named as `startSession` takes it, so `...runtime` passes both). */
  config: SessionConfig;
  pipeline: PipelineOptions;
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** What the engines add to the options: the rule policy's fallback reply is the re-prompt for a rejected transcript. */
export interface RuntimeExtras {
  notUnderstoodText?: string;
  /** The declared actions (the `actions.path` file, or the library's). */
  declaredActions?: ActionDeclaration[];
}

export function runtimeOptionsFrom(config: AppConfig, extras: RuntimeExtras = {}): RuntimeOptions {
  const { chunker, vad, ...pipeline } = config.pipeline;
  // `session.activation`: the chart runs the gate on the mode and the window; the spotter's settings build the engine.
  const { activation, ...session } = config.session;
  return {
    // The chart's switches and derived settings come from where the application sets them.
    config: {
      ...session,
      minConfidence: config.stt.minConfidence,
      declaredActions: extras.declaredActions ?? [],
      notUnderstoodText: extras.notUnderstoodText ?? config.session.notUnderstoodText,
      filler: config.features.filler,
      bargeIn: { ...config.session.bargeIn, enabled: config.features.bargeIn },
      activation: { mode: activation.mode, windowMs: activation.windowMs },
      languagePrompts: Object.fromEntries(
        Object.entries(config.languages).flatMap(([tag, l]) => (l.systemPrompt ? [[tag, l.systemPrompt]] : [])),
      ),
      // A guessed reply pays off only when the LLM is slow to its first audio; the rule policy answers in ms.
      turn: {
        ...config.session.turn,
        speculate:
          config.session.turn.speculate === 'auto'
            ? config.llm.engine === 'rules'
              ? 'off'
              : 'on'
            : config.session.turn.speculate,
      },
    },
    pipeline: {
      ...pipeline,
      chunker: defined(chunker),
      vad: defined(vad),
      streamingTts: config.features.streamingTts,
      // The STT's hint for the session's language: its own code where the engine wants another (`zh` → `cmn`).
      ...(config.languages[config.pipeline.language]?.sttLanguage
        ? { sttLanguage: config.languages[config.pipeline.language]!.sttLanguage }
        : {}),
      voices: Object.fromEntries(
        Object.entries(config.languages).flatMap(([tag, l]) => (l.voice ? [[tag, l.voice]] : [])),
      ),
    },
  };
}

/** The conditioning a session with this kind of sink runs: `audio.echoCancel` "auto" cancels echo on a device only. */
export function inputConditioningFrom(config: AppConfig, sinkKind: SinkKind): InputConditioning {
  const {
    echoCancel,
    echoCanceller,
    echoTailMs,
    echoDelayEstimation,
    residualEchoSuppression,
    echoSuppression,
    highPassHz,
    agc,
    noiseSuppression,
  } = config.audio;
  return {
    echoCancel: echoCancel === 'on' || (echoCancel === 'auto' && sinkKind === 'device'),
    echoCanceller,
    echoTailMs,
    echoDelayEstimation,
    residualEchoSuppression,
    echoSuppression,
    highPassHz,
    agc,
    noiseSuppression,
  };
}
