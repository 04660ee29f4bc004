/**
 * A head trained with the smallest of runs, for the reproducibility test: `node --import tsx
 * test/support/train-tiny.ts OUT_DIR [NEGATIVES_DIR]` writes OUT_DIR/zebra.onnx from seed 3.
 */
import { sharedFrontEnd } from '../../adapters/keyword/index.js';
import { trainPhrases } from '../../adapters/keyword/train/train-phrases.js';

const [outDir, negativesDir] = process.argv.slice(2);
if (!outDir) throw new Error('usage: train-tiny.ts OUT_DIR [NEGATIVES_DIR]');
await trainPhrases({
  phrases: ['zebra'],
  seed: 3,
  frontEnd: await sharedFrontEnd(),
  outDir,
  ...(negativesDir ? { negativesDir } : {}),
  // flite's voices alone: eSpeak NG's synthesizer keeps state from one request to the next within a process.
  limits: {
    voices: 'flite',
    speakers: 3,
    roomsPerSpeaker: 1,
    negativeTexts: 3,
    speakersPerNegative: 1,
    realClips: 8,
    steps: 20,
  },
});
process.exit(0);
