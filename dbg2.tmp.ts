import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readWav } from './adapters/audio/wav.js';
import { loadKeywordEngine } from './adapters/keyword/engine.js';
const phrase = process.argv[2]!;
const engine = await loadKeywordEngine({ phrases: [phrase], heads: { [phrase]: `heads/${phrase.replace(/ /g, '-')}.onnx` }, thresholds: { [phrase]: 0.01 } });
const dir = '../shared/speech/train';
const manifest = new Map(readFileSync(join(dir, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1).map((l) => l.split('\t')).map(([f, t]) => [f!, t ?? '']));
const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.wav')).sort();
const scores: number[] = [];
for (const [i, f] of files.entries()) {
  if (i % 5 !== 0) continue;
  const t = manifest.get(f) ?? '';
  if (` ${t} `.includes(` ${phrase} `)) continue;
  const { pcm } = readWav(new Uint8Array(readFileSync(join(dir, f))));
  const s = new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.byteLength & ~1)));
  const audio = new Int16Array(20800 + s.length + 8000); audio.set(s, 20800);
  const st = engine.open(); let max = 0;
  for (let at = 0; at < audio.length; at += 1280) for (const h of (await st.push(audio.subarray(at, at + 1280))).hops) if (h.endMs * 16 > 20800) max = Math.max(max, h.scores[phrase]!);
  scores.push(max);
}
scores.sort((a, b) => b - a);
console.log(phrase, 'held-out train clips', scores.length, 'top scores', scores.slice(0, 8).map((x) => x.toFixed(3)).join(' '));
