/**
 * `voice-agent models silero`: fetches the model files engines read from disk and no npm dependency
 * carries (today Silero's VAD model; adapters/vad/silero-model.ts says why it is fetched).
 */
import { fetchSileroModel, modelsDir } from '../../adapters/vad/silero-model.js';
import { parseCommandArgs, UsageError } from './flags.js';

const MODELS: Record<string, (dir: string, out: (line: string) => void) => Promise<string>> = {
  silero: (dir, out) => fetchSileroModel({ dir, onProgress: out }),
};

export async function runModelsCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, { dir: { type: 'string' } }, { max: Object.keys(MODELS).length, names: 'model names' });
  const names = positionals.length > 0 ? positionals : Object.keys(MODELS);
  const unknown = names.filter((name) => !(name in MODELS));
  if (unknown.length > 0) throw new UsageError(`unknown model ${unknown.join(', ')}: known models are ${Object.keys(MODELS).join(', ')}`);
  const dir = values.dir ?? modelsDir();
  for (const name of names) await MODELS[name]!(dir, out);
}
