import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  checkEspeakInstalled,
  createEspeakTts,
  EspeakError,
  EspeakUnavailableError,
} from '../../../adapters/tts/espeak.js';

/** eSpeak-NG is an optional dependency: `npm install` (and CI) installs it; `--omit=optional` does not. */
const installed = (() => {
  try {
    createRequire(import.meta.url).resolve('@echogarden/espeak-ng-emscripten');
    return true;
  } catch {
    return false;
  }
})();

it('without the optional package, the engine names the install command', () => {
  const missing = (id: string): string => {
    throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
  };
  expect(() => checkEspeakInstalled(missing)).toThrow(EspeakUnavailableError);
  expect(() => checkEspeakInstalled(missing)).toThrow(
    /optional dependency \(GPL-3\.0\).*npm install @echogarden\/espeak-ng-emscripten/,
  );
  expect(() => checkEspeakInstalled()).not.toThrow();
  // Not installed stays not installed: the TTS chain passes eSpeak by instead of coming back to it.
  let thrown: unknown;
  try {
    checkEspeakInstalled(missing);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toMatchObject({ retryable: false });
});

const LONG = 'This is a long answer. It goes on for several sentences, so that synthesis takes a while. '.repeat(4);
const rms = (chunks: Uint8Array[]) => {
  let sum = 0;
  let n = 0;
  for (const c of chunks) {
    const samples = new Int16Array(c.buffer, c.byteOffset, c.byteLength / 2);
    for (const s of samples) sum += s * s;
    n += samples.length;
  }
  return Math.sqrt(sum / Math.max(1, n));
};
const ms = (chunks: Uint8Array[]) => chunks.reduce((n, c) => n + c.byteLength, 0) / 2 / 22.05;

describe.runIf(installed)('eSpeak-NG TTS (optional, GPL-3.0)', () => {
  it('speaks English at 22,050 Hz in ~100 ms chunks', async () => {
    const tts = createEspeakTts();
    expect(tts.sampleRateHz).toBe(22_050);
    await tts.warmUp!();
    const chunks: Uint8Array[] = [];
    for await (const c of tts.synthesize({
      text: 'Battery low, returning to the dock.',
      signal: new AbortController().signal,
    }))
      chunks.push(c);
    expect(ms(chunks)).toBeGreaterThan(1500);
    expect(ms(chunks)).toBeLessThan(5000);
    expect(rms(chunks)).toBeGreaterThan(500);
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.every((c) => c.byteLength % 2 === 0 && c.byteLength <= 2 * 2205 + 2)).toBe(true);
  });

  it('reports its phonemes with their times for lip sync, within the audio it makes', async () => {
    const tts = createEspeakTts();
    const phonemes: Array<{ atMs: number; name: string }> = [];
    const chunks: Uint8Array[] = [];
    for await (const c of tts.synthesize({
      text: 'Hello robot, turn left.',
      signal: new AbortController().signal,
      onPhoneme: (p) => phonemes.push(p),
    }))
      chunks.push(c);
    const named = phonemes.filter((p) => p.name !== '');
    expect(named.length).toBeGreaterThan(10);
    expect(named.slice(0, 3).map((p) => p.name)).toEqual(['h', 'ə', 'l']);
    const times = phonemes.map((p) => p.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.at(-1)!).toBeLessThanOrEqual(ms(chunks) + 1);
  });

  it('speaks Mandarin with the Mandarin voice', async () => {
    const zh = createEspeakTts({ language: 'zh' });
    expect(zh.name).toBe('espeak(cmn)');
    const chunks: Uint8Array[] = [];
    for await (const c of zh.synthesize({ text: '你好，今天天气很好。', signal: new AbortController().signal }))
      chunks.push(c);
    expect(ms(chunks)).toBeGreaterThan(1000);
    expect(rms(chunks)).toBeGreaterThan(500);
    // The English voice reads Chinese characters differently (as "Chinese letter" names): other audio.
    const en: Uint8Array[] = [];
    for await (const c of createEspeakTts().synthesize({
      text: '你好，今天天气很好。',
      signal: new AbortController().signal,
    }))
      en.push(c);
    expect(Math.abs(ms(en) - ms(chunks))).toBeGreaterThan(100);
  });

  it(
    'streams: the first chunk arrives while eSpeak is still synthesizing, and an abort stops it ' + 'mid-utterance',
    async () => {
      const tts = createEspeakTts();
      let full = 0;
      const startedAt = performance.now();
      let firstAt = 0;
      for await (const c of tts.synthesize({ text: LONG, signal: new AbortController().signal })) {
        firstAt ||= performance.now();
        full += c.byteLength;
      }
      // A ratio within one run, not a threshold: the first chunk comes long before synthesis ends.
      expect((firstAt - startedAt) * 4).toBeLessThan(performance.now() - startedAt);

      const controller = new AbortController();
      const got: Uint8Array[] = [];
      for await (const c of tts.synthesize({ text: LONG, signal: controller.signal })) {
        got.push(c);
        if (got.length === 2) controller.abort();
      }
      expect(got).toHaveLength(2);
      expect(got[0]!.byteLength * 10).toBeLessThan(full);
      // The next request is served at once: the aborted one did not keep eSpeak busy to the end.
      let next = 0;
      for await (const c of tts.synthesize({ text: 'Next.', signal: new AbortController().signal }))
        next += c.byteLength;
      expect(next).toBeGreaterThan(0);
      expect(next).toBeLessThan(full / 5);
    },
  );

  it('an unknown voice is a clear error, and the engine keeps working', async () => {
    const bad = createEspeakTts({ voice: 'klingon' });
    const run = async () => {
      for await (const c of bad.synthesize({ text: 'Hi.', signal: new AbortController().signal })) void c;
    };
    await expect(run()).rejects.toThrow(EspeakError);
    await expect(run()).rejects.toThrow(/no voice "klingon": use a language such as en, zh/);
    let bytes = 0;
    for await (const c of createEspeakTts().synthesize({ text: 'Still here.', signal: new AbortController().signal }))
      bytes += c.byteLength;
    expect(bytes).toBeGreaterThan(0);
  });
});
