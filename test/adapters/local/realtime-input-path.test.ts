import { describe, expect, it } from 'vitest';
import { createResampler, MIC_RESAMPLER_QUALITY, resampleAll } from '../../../adapters/audio/resample.js';
import { createPocketsphinxStt } from '../../../adapters/stt/pocketsphinx.js';
import type { SttResult } from '../../../adapters/stt/types.js';
import { checkEspeakInstalled, createEspeakTts } from '../../../adapters/tts/espeak.js';
import { createFliteTts } from '../../../adapters/tts/flite.js';
import type { TtsEngine } from '../../../adapters/tts/types.js';
import { DEFAULT_GRAMMAR_MLLR } from '../../../runtime/config.js';

// The grammar bench's finding (`npm run bench -- --scenario grammar --rate 24000`): the Realtime input path
// (a 24 kHz client, the microphone resampler as the VAD actor runs it) scores like the 16 kHz path, within
// the recognizer's own spread; this checks it on a few commands, "stop" among them.
const stt = createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf', mllrPath: DEFAULT_GRAMMAR_MLLR });
const PHRASES = ['stop', 'turn left', 'go to the kitchen', 'move forward two meters'];
/**
 * Why 0.35 for one utterance: the phone loop's few phones for a short word move with any small change of
 * the signal (another realization of the bench's −70 dBFS floor moved "stop" by up to 0.56, the 24 kHz
 * path by up to 0.26); what must not differ is the transcript, and the paths on average.
 */
const TOLERANCE = 0.35;
/** Why 0.1: the bench's mean |Δ| between the paths is 0.03 over 768 utterances; a few phrases vary more. */
const MEAN_TOLERANCE = 0.1;

let espeak: TtsEngine | undefined;
try {
  checkEspeakInstalled();
  espeak = createEspeakTts({ voice: 'en-us' });
} catch {
  espeak = undefined;
}
const voices: Array<[string, TtsEngine]> = [
  ['flite kal16', createFliteTts({ voice: 'kal16' })],
  ...(espeak ? [['espeak en-us', espeak] as [string, TtsEngine]] : []),
];

async function spoken(engine: TtsEngine, text: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of engine.synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/** 200 ms before and 600 ms after, as the VAD passes an utterance, over a faint deterministic hiss. */
function padded(pcm: Uint8Array, rateHz: number): Uint8Array {
  const speech = new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.byteLength & ~1)));
  const before = rateHz / 5;
  const out = new Int16Array(before + speech.length + (rateHz * 3) / 5);
  let seed = 1;
  for (let i = 0; i < out.length; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    out[i] = Math.max(
      -32_768,
      Math.min(32_767, Math.round((seed / 2_147_483_648 - 0.5) * 20 + (speech[i - before] ?? 0))),
    );
  }
  return new Uint8Array(out.buffer);
}

let sessions = 0;
/** One utterance, by default as the first of a new session (a channel of its own: the model's prior). */
async function recognize(audio16k: Uint8Array, channel = `s${++sessions}`): Promise<SttResult> {
  const stream = stt.createStream({
    sampleRateHz: 16_000,
    channel,
    onPartial: () => undefined,
    signal: new AbortController().signal,
  });
  for (let i = 0; i < audio16k.byteLength; i += 640) stream.push(audio16k.subarray(i, i + 640));
  return stream.finish();
}

/** 24 kHz audio in 20 ms appends through the microphone resampler, as `actors/vad.ts` runs it (never flushed). */
async function throughMicrophone(audio24k: Uint8Array): Promise<Uint8Array> {
  const resampler = await createResampler({ fromHz: 24_000, toHz: 16_000, quality: MIC_RESAMPLER_QUALITY });
  const parts: Uint8Array[] = [];
  for (let i = 0; i < audio24k.byteLength; i += 960)
    parts.push(resampler.process(audio24k.subarray(i, i + 960)).slice());
  resampler.close();
  return new Uint8Array(Buffer.concat(parts));
}

describe('the Realtime input path (24 kHz through the microphone resampler) scores like the 16 kHz path', () => {
  const deltas: number[] = [];
  for (const [name, engine] of voices) {
    it.each(PHRASES)(`${name}: "%s"`, async (text) => {
      const voice = await spoken(engine, text);
      const local = await recognize(padded(await resampleAll(voice, engine.sampleRateHz, 16_000), 16_000));
      const realtime = await recognize(
        await throughMicrophone(padded(await resampleAll(voice, engine.sampleRateHz, 24_000, 10), 24_000)),
      );
      expect(local.text).toBe(text);
      expect(realtime.text).toBe(local.text);
      const delta = Math.abs(realtime.confidence! - local.confidence!);
      deltas.push(delta);
      expect(delta).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it("on average, within the recognizer's own spread", () => {
    expect(deltas).toHaveLength(voices.length * PHRASES.length);
    expect(deltas.reduce((a, b) => a + b, 0) / deltas.length).toBeLessThanOrEqual(MEAN_TOLERANCE);
  });

  it(
    "decodes a session's utterance alike whatever other sessions said before (the cepstral mean is " + 'per channel)',
    async () => {
      const stop = padded(await spoken(createFliteTts({ voice: 'kal16' }), 'stop'), 16_000);
      const first = await recognize(stop, 'first');
      // Another session speaks on the same pooled decoders; before, its utterance moved the shared mean (0.79 → 0.53).
      await recognize(
        padded(await spoken(createFliteTts({ voice: 'kal16' }), 'move forward two meters'), 16_000),
        'other',
      );
      const fresh = await recognize(stop, 'fresh');
      expect(fresh.text).toBe(first.text);
      expect(Math.abs(fresh.confidence! - first.confidence!)).toBeLessThanOrEqual(0.05);
    },
  );
});
