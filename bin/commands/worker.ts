/**
 * `voice-agent worker <tts|llm|stt> [--nats URL] [--prefix va] [--config FILE]`: serves one stage's
 * engine (chosen by the configuration, e.g. `VA_TTS__ENGINES='[{"engine":"fake"}]'`) to every session on
 * the NATS server (`--nats`, else `nats.servers`), in the queue group `<stage>-workers`. Run several to
 * share the load; stop with Ctrl-C.
 */
import { systemClock } from '../../adapters/clock.js';
import { loadConfig } from '../../runtime/config.js';
import { buildLlm, buildStt, buildTts, withPhraseCache } from '../../runtime/engines.js';
import { createLogger } from '../../runtime/logger.js';
import { runWorkerMain } from '../../server/workers/main.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

export async function runWorkerCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    args,
    { nats: { type: 'string' }, prefix: { type: 'string' }, ...CONFIG_OPTION },
    { min: 1, max: 1, names: 'the stage (tts, llm or stt)' },
  );
  const stage = positionals[0]!;
  const overrides = {
    nats: { ...(values.nats ? { servers: values.nats } : {}), ...(values.prefix ? { prefix: values.prefix } : {}) },
  };
  const config = loadConfig({ env: process.env, overrides, ...(values.config ? { file: values.config } : {}) });
  const nats = config.nats.servers;
  if (!nats)
    throw new UsageError('a worker serves sessions over NATS: give --nats URL or set nats.servers (VA_NATS__SERVERS)');
  // A worker's engine serves every session, so it is built without one (a `remote` engine here is an error).
  const worker = await runWorkerMain({
    stage,
    nats,
    prefix: config.nats.prefix,
    engine: stage,
    log: createLogger({ level: config.server.logLevel }),
    buildEngine: async (s) => {
      if (s === 'tts')
        return { stage: 'tts', engine: withPhraseCache(buildTts(config.tts.engines[0]!, config, systemClock), config) };
      if (s === 'llm') return { stage: 'llm', engine: buildLlm(config, systemClock) };
      return { stage: 'stt', engine: buildStt(config, systemClock) };
    },
  });
  await new Promise<void>((resolve) => {
    const stop = () => void worker.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
