import { loadHumanSpeech, readHumanClip } from './adapters/audio/testing/human-speech.js';
import { loadKeywordEngine } from './adapters/keyword/engine.js';
const phrase = process.argv[2]!;
const engine = await loadKeywordEngine({ phrases: [phrase], heads: { [phrase]: `heads/${phrase.replace(/ /g, '-')}.onnx` }, thresholds: { [phrase]: 0.01 } });
const corpus = loadHumanSpeech();
const rows: string[] = [];
let tp = 0,
  pos = 0;
const fa: string[] = [];
for (const clip of corpus.clips) {
  const { samples } = readHumanClip(corpus, clip);
  const audio = new Int16Array(20800 + samples.length + 8000);
  audio.set(samples, 20800);
  const s = engine.open();
  let max = 0;
  for (let at = 0; at < audio.length; at += 1280)
    for (const h of (await s.push(audio.subarray(at, at + 1280))).hops) if (h.endMs * 16 > 20800) max = Math.max(max, h.scores[phrase]!);
  const isPos = ` ${clip.transcript} `.includes(` ${phrase} `);
  if (isPos) {
    pos++;
    if (max >= 0.5) tp++;
    rows.push(`${clip.file} ${max.toFixed(3)}`);
  } else if (max >= 0.2) fa.push(`${clip.file} "${clip.transcript}" ${max.toFixed(3)}`);
}
console.log(rows.join('\n'));
console.log(`detected ${tp}/${pos}`);
console.log('negatives >= 0.2:\n' + fa.join('\n'));
