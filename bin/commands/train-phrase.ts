/**
 * `voice-agent train-phrase PHRASE...`: trains a keyword head per phrase (adapters/keyword/train) and
 * writes it into the models folder's `heads/`, where sessions find it before the shipped heads.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadFrontEnd } from '../../adapters/keyword/front-end.js';
import { FETCH_FRONT_END_COMMAND, frontEndPaths, userHeadsDir } from '../../adapters/keyword/model-files.js';
import { trainPhrases, type TrainLimits } from '../../adapters/keyword/train/train-phrases.js';
import { modelsDir } from '../../adapters/model-files.js';
import { parseCommandArgs, UsageError } from './flags.js';

/**
 * Why this folder: real people's speech for training (the project's training share), when it sits beside the checkout.
 */
const DEFAULT_NEGATIVES = '../shared/speech/train';

const positiveInt = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} takes a whole number ≥ 1, not "${value}"`);
  return n;
};

export async function runTrainPhraseCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      seed: { type: 'string' },
      out: { type: 'string' },
      negatives: { type: 'string' },
      quick: { type: 'boolean' },
      steps: { type: 'string' },
    },
    { min: 1, max: 20, names: 'phrases (e.g. voice-agent train-phrase computer)' },
  );
  const phrases = positionals.map((p) => p.trim().toLowerCase());
  const bad = phrases.find((p) => !/^[a-z' ]{1,60}$/.test(p));
  if (bad !== undefined) throw new UsageError(`"${bad}" is not a phrase: letters, apostrophes and spaces`);
  const seed = positiveInt('seed', values.seed) ?? 1;
  const negatives = values.negatives ?? (existsSync(DEFAULT_NEGATIVES) ? DEFAULT_NEGATIVES : undefined);
  if (values.negatives !== undefined && !existsSync(values.negatives))
    throw new UsageError(`--negatives ${values.negatives} does not exist`);
  const paths = frontEndPaths();
  if (!existsSync(paths.embedding))
    throw new UsageError(`the speech embedding is not in ${modelsDir()}: run \`${FETCH_FRONT_END_COMMAND}\` first`);
  const frontEnd = await loadFrontEnd(paths);
  // Why these: a head in under a minute, for trying a phrase and for the reproducibility test; not for use.
  const quick: TrainLimits = {
    speakers: 12,
    roomsPerSpeaker: 1,
    negativeTexts: 20,
    speakersPerNegative: 2,
    realClips: 60,
    steps: 200,
  };
  const steps = positiveInt('steps', values.steps);
  const limits: TrainLimits = { ...(values.quick ? quick : {}), ...(steps ? { steps } : {}) };
  const outDir = resolve(values.out ?? userHeadsDir());
  if (!negatives)
    out(`no recordings of real people to learn from (--negatives DIR): training on synthetic speech alone`);
  // The embedded training set is kept beside the heads' cache: a second run with the same inputs skips building it.
  const cacheDir = join(modelsDir(), 'train-cache');
  const written = await trainPhrases({
    phrases,
    seed,
    frontEnd,
    outDir,
    limits,
    cacheDir,
    onProgress: out,
    ...(negatives ? { negativesDir: negatives } : {}),
  });
  out(
    `${written.length} head(s) in ${outDir}; sessions use them for these phrases (session.activation.wakePhrases, ` +
      `session.estop.phrases)`,
  );
}
