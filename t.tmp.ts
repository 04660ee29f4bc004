import { setTimeout as sleep } from 'node:timers/promises';
import { createPocketsphinxStt } from './adapters/stt/pocketsphinx.js';
import { createFliteTts } from './adapters/tts/flite.js';
import { loadConfig } from './runtime/config.js';
const config = loadConfig();
const tts = createFliteTts();
const parts: Uint8Array[] = [];
for await (const c of tts.synthesize({ text: 'move forward two meters', signal: new AbortController().signal })) parts.push(c);
const audio = new Uint8Array(Buffer.concat(parts));
for (const threads of [0, 1]) {
  const stt = createPocketsphinxStt({ grammarPath: config.stt.grammarPath, mllrPath: config.stt.mllrPath!, threads });
  let t = performance.now();
  await stt.warmUp!(); await stt.prepare!(2);
  console.log('threads', threads, 'warm+prepare', (performance.now() - t).toFixed(0));
  for (let rep = 0; rep < 3; rep++) {
    const partialsAt: number[] = [];
    const s = stt.createStream({ sampleRateHz: 16000, onPartial: () => partialsAt.push(performance.now()), signal: new AbortController().signal, channel: 'a' });
    const start = performance.now();
    for (let i = 0; i < audio.byteLength; i += 640) { s.push(audio.subarray(i, i + 640)); await sleep(20); }
    t = performance.now();
    const r = await s.finish();
    console.log(' final after', (performance.now() - t).toFixed(1), 'ms', r.text, 'partials', partialsAt.length, 'first partial at', ((partialsAt[0] ?? NaN) - start).toFixed(0));
  }
}
process.exit(0);
