/**
 * `voice-agent models silero`: fetches the model files engines read from disk and no npm dependency
 * carries: Silero's VAD model, the keyword engine's front end, and on request openWakeWord's pretrained heads.
 */
import { fetchFrontEnd, fetchPretrainedHeads } from '../../adapters/keyword/model-files.js';
import { fetchSileroModel, modelsDir } from '../../adapters/vad/silero-model.js';
import { parseCommandArgs, UsageError } from './flags.js';

const MODELS: Record<string, (dir: string, out: (line: string) => void) => Promise<string>> = {
  silero: (dir, out) => fetchSileroModel({ dir, onProgress: out }),
  keyword: async (dir, out) => (await fetchFrontEnd({ dir, onProgress: out })).embedding,
  'openwakeword-heads': async (dir, out) => (await fetchPretrainedHeads({ dir, onProgress: out })).join(', '),
};
/** Fetched when no name is given: the pretrained heads' licence keeps them to an explicit request. */
const DEFAULT_MODELS = ['silero', 'keyword'];

export async function runModelsCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    args,
    { dir: { type: 'string' } },
    { max: Object.keys(MODELS).length, names: 'model names' },
  );
  const names = positionals.length > 0 ? positionals : DEFAULT_MODELS;
  const unknown = names.filter((name) => !(name in MODELS));
  if (unknown.length > 0)
    throw new UsageError(`unknown model ${unknown.join(', ')}: known models are ${Object.keys(MODELS).join(', ')}`);
  const dir = values.dir ?? modelsDir();
  for (const name of names) await MODELS[name]!(dir, out);
}
