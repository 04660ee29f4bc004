/**
 * The one place where the application configuration becomes runtime options: what the session chart
 * (`SessionConfig`) and the stage actors (`PipelineOptions`) run on. Defaults live in the schemas
 * (`server/config.ts` for the application, `DEFAULT_PIPELINE_OPTIONS` for the pipeline), not here.
 *
 * @example
 * ```ts
 * const runtime = runtimeOptionsFrom(loadConfig({ env: process.env }));
 * startSession({ sessionId: 's1', bus, clock, engines, config: runtime.session, pipeline: runtime.pipeline });
 * ```
 */
import type { PipelineOptions } from '../actors/deps.js';
import type { SessionConfig } from '../machines/config.js';
import type { AppConfig } from './config.js';

export interface RuntimeOptions {
  session: SessionConfig;
  pipeline: PipelineOptions;
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export function runtimeOptionsFrom(config: AppConfig): RuntimeOptions {
  const { chunker, vad, ...pipeline } = config.pipeline;
  return {
    // Feature flags win over the detailed settings they summarize.
    session: {
      ...config.session,
      filler: config.session.filler && config.features.filler,
      bargeIn: { ...config.session.bargeIn, enabled: config.session.bargeIn.enabled && config.features.bargeIn },
    },
    pipeline: {
      ...pipeline,
      chunker: defined(chunker),
      vad: defined(vad),
      streamingTts: config.features.streamingTts,
      voices: Object.fromEntries(Object.entries(config.languages).flatMap(([tag, l]) => (l.voice ? [[tag, l.voice]] : []))),
    },
  };
}
