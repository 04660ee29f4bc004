/**
 * `--scenario noise`: does each input conditioning step help the VAD and the recognizer in noise?
 *
 * The microphone path exactly as a session runs it — input conditioner (per variant) → WebRTC VAD
 * (mode 2, 20 ms) → the VAD segmenter with the pipeline's defaults → pocketsphinx with the robot
 * grammar on each utterance — fed with:
 *
 * - **false starts**: 60 s of each generated noise (`noise-signals.ts`) at -36 dBFS and -26 dBFS (the
 *   noise of the 10 dB and 0 dB SNR rows); every speech start is a false one, reported per minute;
 * - **recognition**: robot commands spoken by every local voice at -26 dBFS, mixed with each noise at
 *   10 dB and 0 dB SNR (2 s of noise before, 2.5 s after each); a command counts when an utterance that
 *   overlaps it is transcribed exactly as said; plus quiet talkers (-46 and -56 dBFS over a quiet room)
 *   for the AGC.
 */
import { createInputConditioner } from '../adapters/audio/input-conditioner.js';
import { createPocketsphinxStt } from '../adapters/stt/pocketsphinx.js';
import { createFvadVad } from '../adapters/vad/fvad.js';
import { createVadSegmenter } from '../actors/vad-segmenter.js';
import { makeNoise, NOISE_KINDS, type NoiseKind } from './noise-signals.js';
import { atLevel, CORPUS_RATE_HZ, localVoices, speak, type Voice } from './speech-corpus.js';
import { DEFAULT_GRAMMAR_MLLR } from '../runtime/config.js';

export interface ConditioningVariant {
  name: string;
  highPassHz?: number;
  agc?: boolean;
  noiseSuppression?: boolean;
}

export const CONDITIONING_VARIANTS: readonly ConditioningVariant[] = [
  { name: 'none' },
  { name: 'high-pass', highPassHz: 100 },
  { name: 'agc', agc: true },
  { name: 'rnnoise', noiseSuppression: true },
  { name: 'high-pass+agc', highPassHz: 100, agc: true },
  { name: 'high-pass+rnnoise', highPassHz: 100, noiseSuppression: true },
  { name: 'high-pass+rnnoise+agc', highPassHz: 100, agc: true, noiseSuppression: true },
];

export const COMMANDS = [
  'turn left',
  'turn right',
  'stop',
  'hello robot',
  'go to the kitchen',
  'go to the charging station',
  'go to the door',
  'move forward two meters',
  'move backward one meter',
  'go forward three meters',
  'what time is it',
  'go backward',
];

const FRAME_MS = 20;
const FRAME_SAMPLES = (CORPUS_RATE_HZ * FRAME_MS) / 1000;
/** Why -26 dBFS: the active speech level of a close talker into a typical microphone (ITU-T P.56). */
const SPEECH_DBFS = -26;
/** Quiet talkers (a few meters away; a soft voice far away) over a quiet room's pink floor, for the AGC. */
const QUIET_TALKERS = [
  { speechDbfs: -46, floorDbfs: -71 },
  { speechDbfs: -56, floorDbfs: -78 },
];
/** The segmenter's start window: speech began this long before its start event. */
const START_WINDOW_MS = 60;
const LEAD_MS = 2000;
const GAP_MS = 2500;

export interface NoiseRow {
  scenario: 'noise';
  kind: 'false-starts' | 'recognition';
  noise: NoiseKind | `quiet talker ${number} dBFS`;
  /** Noise level (false starts) or SNR (recognition), dB. */
  levelDb: number;
  variant: string;
  /** False starts per minute (60 s of noise) and the share of that time the VAD held speech, %. */
  perMinute?: number;
  speechPercent?: number;
  recognized?: number;
  total?: number;
}

interface Utterance {
  startMs: number;
  endMs: number;
  text: string;
}

/**
 * Runs `stream` through the microphone path with `variant`; returns the utterances the VAD found,
 * transcribed, and how long the VAD held speech in all (an utterance still open at the end counts too).
 */
async function listen(
  stream: Float32Array,
  variant: ConditioningVariant,
  transcribeUtterances = true,
): Promise<{ utterances: Utterance[]; speechMs: number }> {
  const conditioner = await createInputConditioner({ sampleRateHz: CORPUS_RATE_HZ, ...variant });
  const vad = await createFvadVad({ sampleRateHz: CORPUS_RATE_HZ, frameMs: FRAME_MS, mode: 2 });
  const segmenter = createVadSegmenter({ frameMs: FRAME_MS });
  const stt = sttEngine();
  const utterances: Utterance[] = [];
  let current: { startMs: number; audio: Uint8Array[] } | undefined;
  let pending = new Int16Array(0);
  let heardMs = 0;
  for (let at = 0; at + FRAME_SAMPLES <= stream.length; at += FRAME_SAMPLES) {
    const frame = Int16Array.from(stream.subarray(at, at + FRAME_SAMPLES), (x) =>
      Math.max(-32768, Math.min(32767, Math.round(x))),
    );
    const { audio: conditioned } = conditioner.process(new Uint8Array(frame.buffer), (at / CORPUS_RATE_HZ) * 1000);
    const joined = new Int16Array(pending.length + (conditioned.byteLength >> 1));
    joined.set(pending);
    joined.set(new Int16Array(conditioned.buffer, conditioned.byteOffset, conditioned.byteLength >> 1), pending.length);
    let offset = 0;
    for (; offset + FRAME_SAMPLES <= joined.length; offset += FRAME_SAMPLES) {
      const vadFrame = new Uint8Array(joined.slice(offset, offset + FRAME_SAMPLES).buffer);
      heardMs += FRAME_MS;
      for (const event of segmenter.push(vadFrame, vad.isSpeech(vadFrame))) {
        if (event.kind === 'start') current = { startMs: heardMs, audio: [] };
        else if (event.kind === 'audio') current?.audio.push(event.audio);
        else if (event.kind === 'end' && current) {
          const text = transcribeUtterances ? await transcribe(stt, current.audio) : '';
          utterances.push({ startMs: current.startMs - START_WINDOW_MS, endMs: heardMs, text });
          current = undefined;
        }
      }
    }
    pending = joined.slice(offset);
  }
  conditioner.close();
  vad.close();
  const speechMs =
    utterances.reduce((n, u) => n + u.endMs - u.startMs, 0) +
    (current ? heardMs - current.startMs + START_WINDOW_MS : 0);
  return {
    utterances: current
      ? [...utterances, { startMs: current.startMs - START_WINDOW_MS, endMs: heardMs, text: '' }]
      : utterances,
    speechMs,
  };
}

let stt: ReturnType<typeof createPocketsphinxStt> | undefined;
const sttEngine = () =>
  (stt ??= createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf', mllrPath: DEFAULT_GRAMMAR_MLLR }));

async function transcribe(engine: ReturnType<typeof createPocketsphinxStt>, audio: Uint8Array[]): Promise<string> {
  const stream = engine.createStream({
    sampleRateHz: CORPUS_RATE_HZ,
    onPartial: () => undefined,
    signal: new AbortController().signal,
  });
  for (const chunk of audio) stream.push(chunk);
  return (await stream.finish()).text;
}

/** Noise of `kind` at least `samples` long, looped from one generated minute. */
async function noiseOf(
  kind: NoiseKind,
  samples: number,
  voices: Voice[],
  cache: Map<NoiseKind, Float32Array>,
): Promise<Float32Array> {
  let minute = cache.get(kind);
  if (!minute) cache.set(kind, (minute = await makeNoise(kind, 60 * CORPUS_RATE_HZ, voices)));
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = minute[i % minute.length]!;
  return out;
}

/** Commands laid out with noise between them; returns the mix and where each command is. */
function mix(
  commands: Array<{ text: string; samples: Float32Array }>,
  noise: Float32Array,
): { stream: Float32Array; spans: Array<{ text: string; startMs: number; endMs: number }> } {
  const stream = Float32Array.from(noise);
  const spans: Array<{ text: string; startMs: number; endMs: number }> = [];
  let at = (LEAD_MS * CORPUS_RATE_HZ) / 1000;
  for (const c of commands) {
    for (let i = 0; i < c.samples.length && at + i < stream.length; i++)
      stream[at + i] = stream[at + i]! + c.samples[i]!;
    spans.push({
      text: c.text,
      startMs: (at / CORPUS_RATE_HZ) * 1000,
      endMs: ((at + c.samples.length) / CORPUS_RATE_HZ) * 1000,
    });
    at += c.samples.length + (GAP_MS * CORPUS_RATE_HZ) / 1000;
  }
  return { stream, spans };
}

const recognizedIn = (spans: ReturnType<typeof mix>['spans'], { utterances }: { utterances: Utterance[] }) =>
  spans.filter((s) => utterances.some((u) => u.startMs < s.endMs && u.endMs > s.startMs && u.text === s.text)).length;

export async function runNoiseScenario(
  options: { quick: boolean },
  progress: (line: string) => void,
): Promise<NoiseRow[]> {
  const { voices, skipped } = localVoices();
  if (skipped) progress(`  eSpeak voices skipped: ${skipped}`);
  const variants = options.quick
    ? CONDITIONING_VARIANTS.filter((v) => ['none', 'high-pass', 'rnnoise', 'high-pass+rnnoise+agc'].includes(v.name))
    : CONDITIONING_VARIANTS;
  const perVoice = options.quick ? 2 : 4;
  const rows: NoiseRow[] = [];
  const cache = new Map<NoiseKind, Float32Array>();

  // Each voice says `perVoice` commands, rotating through the list so every command is said.
  const commands: Array<{ text: string; samples: Int16Array }> = [];
  for (const [v, voice] of voices.entries()) {
    for (let k = 0; k < perVoice; k++) {
      const text = COMMANDS[(v * perVoice + k) % COMMANDS.length]!;
      commands.push({ text, samples: await speak(voice, text) });
    }
  }
  const streamSamples =
    (commands.reduce((n, c) => n + c.samples.length, 0) +
      ((LEAD_MS + commands.length * GAP_MS) * CORPUS_RATE_HZ) / 1000) |
    0;
  progress(`  ${commands.length} commands from ${voices.length} voices; ${variants.length} conditioning variants`);

  for (const kind of NOISE_KINDS) {
    for (const levelDb of [-36, -26]) {
      const noise = atLevel(await noiseOf(kind, 60 * CORPUS_RATE_HZ, voices, cache), levelDb);
      for (const variant of variants) {
        const heard = await listen(noise, variant, false);
        const speechPercent = Math.round((heard.speechMs / 60_000) * 100);
        rows.push({
          scenario: 'noise',
          kind: 'false-starts',
          noise: kind,
          levelDb,
          variant: variant.name,
          perMinute: heard.utterances.length,
          speechPercent,
        });
      }
    }
    progress(`  false starts: ${kind}`);
  }
  const atSpeech = commands.map((c) => ({ text: c.text, samples: atLevel(c.samples, SPEECH_DBFS) }));
  for (const kind of NOISE_KINDS) {
    for (const snrDb of [10, 0]) {
      const { stream, spans } = mix(
        atSpeech,
        atLevel(await noiseOf(kind, streamSamples, voices, cache), SPEECH_DBFS - snrDb),
      );
      for (const variant of variants) {
        rows.push({
          scenario: 'noise',
          kind: 'recognition',
          noise: kind,
          levelDb: snrDb,
          variant: variant.name,
          recognized: recognizedIn(spans, await listen(stream, variant)),
          total: spans.length,
        });
      }
    }
    progress(`  recognition: ${kind}`);
  }
  for (const { speechDbfs, floorDbfs } of QUIET_TALKERS) {
    const quiet = mix(
      commands.map((c) => ({ text: c.text, samples: atLevel(c.samples, speechDbfs) })),
      atLevel(await noiseOf('pink', streamSamples, voices, cache), floorDbfs),
    );
    for (const variant of variants) {
      const recognized = recognizedIn(quiet.spans, await listen(quiet.stream, variant));
      rows.push({
        scenario: 'noise',
        kind: 'recognition',
        noise: `quiet talker ${speechDbfs} dBFS`,
        levelDb: speechDbfs - floorDbfs,
        variant: variant.name,
        recognized,
        total: quiet.spans.length,
      });
    }
  }
  return rows;
}

/** Two tables: false starts per minute and recognition, one row per noise and level, one column per variant. */
export function printNoise(rows: NoiseRow[]): void {
  const variants = [...new Set(rows.map((r) => r.variant))];
  const table = (kind: NoiseRow['kind'], title: string, unit: string, cell: (r: NoiseRow) => string) => {
    const selected = rows.filter((r) => r.kind === kind);
    const keys = [...new Set(selected.map((r) => `${r.noise}|${r.levelDb}`))];
    console.log(`\n${title}\n`);
    console.log(`| noise | ${unit} | ${variants.join(' | ')} |`);
    console.log(`| --- | --- | ${variants.map(() => '---').join(' | ')} |`);
    for (const key of keys) {
      const [noise, level] = key.split('|');
      const cells = variants
        .map((v) => selected.find((r) => `${r.noise}|${r.levelDb}` === key && r.variant === v))
        .map((r) => (r ? cell(r) : '—'));
      console.log(`| ${noise} | ${level} | ${cells.join(' | ')} |`);
    }
  };
  table(
    'false-starts',
    'VAD false speech starts per minute of noise, and the share of the minute held as speech (WebRTC VAD mode 2, ' +
      'default segmenter)',
    'noise dBFS',
    (r) => `${r.perMinute} (${r.speechPercent} %)`,
  );
  table(
    'recognition',
    'Commands recognized exactly (pocketsphinx, robot grammar), ' + 'speech at -26 dBFS',
    'SNR dB',
    (r) => `${r.recognized}/${r.total}`,
  );
}
