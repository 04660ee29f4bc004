/**
 * sherpa-onnx speech recognition (`sherpa-onnx-node`, Apache-2.0) with models the user downloads and
 * configures by path (k2-fsa's sherpa-onnx pretrained models: streaming transducers such as
 * Zipformer, or Whisper exports). Nothing is downloaded here; every path is checked before the native
 * library sees it, and a missing file is reported with the setting that names it.
 *
 * - `transducer`: streaming; audio is decoded as it is pushed and partial transcripts are reported.
 * - `whisper`: offline; the utterance is decoded at speech end.
 *
 * Not exercised with a real model in CI (none ships in npm); the tests cover configuration, path
 * checks and the failure of a corrupt model.
 *
 * @example
 * ```ts
 * const stt = createSherpaStt(
 *   {
 *     kind: 'transducer',
 *     encoder: 'm/encoder.onnx',
 *     decoder: 'm/decoder.onnx',
 *     joiner: 'm/joiner.onnx',
 *     tokens: 'm/tokens.txt',
 *   },
 *   { sampleRateHz: 16_000 },
 * );
 * ```
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { requireOptional, resolveOptional } from '../optional-package.js';
import { pcmToFloat32 } from '../audio/pcm.js';
import { languageTag } from './language-tag.js';
import type { SttEngine } from './types.js';

/** A model's defaults (`stt.sherpa.*`), each with the reason for its value. */
export const SHERPA_DEFAULTS = {
  /** Why 1 thread: sessions run in parallel on few cores; more threads per decode only add contention. */
  numThreads: 1,
} as const;

const numThreads = z
  .number()
  .int()
  .positive()
  .max(16)
  .default(SHERPA_DEFAULTS.numThreads)
  .describe('Threads per decode.');

export const SherpaSttConfigSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z
          .literal('transducer')
          .describe('A streaming transducer (Zipformer): partial transcripts as the user speaks.'),
        encoder: z.string().describe('The encoder model file (.onnx).'),
        decoder: z.string().describe('The decoder model file (.onnx).'),
        joiner: z.string().describe('The joiner model file (.onnx).'),
        tokens: z.string().describe('The tokens file (tokens.txt).'),
        numThreads,
      })
      .strict(),
    z
      .object({
        kind: z.literal('whisper').describe('Whisper: one transcript per utterance, in any of its languages.'),
        encoder: z.string().describe('The encoder model file (.onnx).'),
        decoder: z.string().describe('The decoder model file (.onnx).'),
        tokens: z.string().describe('The tokens file (tokens.txt).'),
        language: z.string().optional().describe("Whisper's language; unset: it detects the language."),
        numThreads,
      })
      .strict(),
  ])
  .meta({ title: 'Sherpa model' });
export type SherpaSttConfig = z.output<typeof SherpaSttConfigSchema>;

/** A model file is missing or cannot be loaded; the message lists each problem and its setting. */
export class SherpaModelError extends Error {
  override name = 'SherpaModelError';
}

const MODELS_HINT =
  'download a model from the sherpa-onnx pretrained models page (k2-fsa.github.io/sherpa/onnx/pretrained_models) ' +
  'and set its paths';

interface Waveform {
  samples: Float32Array;
  sampleRate: number;
}
interface NativeStream {
  acceptWaveform(w: Waveform): void;
  inputFinished?(): void;
}
interface OnlineRecognizer {
  createStream(): NativeStream;
  isReady(s: NativeStream): boolean;
  decode(s: NativeStream): void;
  getResult(s: NativeStream): { text: string };
}
interface OfflineRecognizer {
  createStream(): NativeStream;
  decode(s: NativeStream): void;
  getResult(s: NativeStream): { text: string; lang?: string };
}
interface SherpaModule {
  OnlineRecognizer: new (config: object) => OnlineRecognizer;
  OfflineRecognizer: new (config: object) => OfflineRecognizer;
}

/** Every configured path that does not exist, as `stt.sherpa.<key>: <path> does not exist`. */
export function missingModelFiles(config: SherpaSttConfig): string[] {
  const paths = Object.entries(config).filter(([key]) =>
    ['encoder', 'decoder', 'joiner', 'tokens'].includes(key),
  ) as Array<[string, string]>;
  return paths
    .filter(([, path]) => !existsSync(path))
    .map(([key, path]) => `stt.sherpa.${key}: ${path} does not exist`);
}

/**
 * Loads the model once in a child process first. Why: onnxruntime aborts the whole process on a corrupt
 * or mismatched model file (an uncatchable C++ exception), which must not take the sessions down.
 */
const PROBE = `
const config = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const sherpa = require(config.module);
new sherpa[config.kind === 'transducer' ? 'OnlineRecognizer' : 'OfflineRecognizer'](config.recognizer);
`;
const verified = new Set<string>();

function probeFailure(kind: string, code: number | null, stderr: string): SherpaModelError {
  const reason =
    stderr
      .split('\n')
      .find((l) => /what\(\)|Error|failed/i.test(l))
      ?.trim() ?? `exit code ${code}`;
  return new SherpaModelError(
    `sherpa-onnx cannot load the ${kind} model (${reason}): check that the stt.sherpa files belong to one ` +
      `${kind} model; ${MODELS_HINT}`,
  );
}

export function createSherpaStt(config: SherpaSttConfig, options: { sampleRateHz: number }): SttEngine {
  const missing = missingModelFiles(config);
  if (missing.length > 0)
    throw new SherpaModelError(`sherpa-onnx model files are missing:\n  ${missing.join('\n  ')}\n${MODELS_HINT}`);
  const { sampleRateHz } = options;
  const modelConfig =
    config.kind === 'transducer'
      ? {
          transducer: { encoder: config.encoder, decoder: config.decoder, joiner: config.joiner },
          tokens: config.tokens,
          numThreads: config.numThreads,
          provider: 'cpu',
          debug: 0,
        }
      : {
          whisper: {
            encoder: config.encoder,
            decoder: config.decoder,
            language: config.language ?? '',
            task: 'transcribe',
          },
          tokens: config.tokens,
          numThreads: config.numThreads,
          provider: 'cpu',
          debug: 0,
        };
  let online: OnlineRecognizer | undefined;
  let offline: OfflineRecognizer | undefined;
  // Why 16 kHz / 80 features: what every sherpa-onnx transducer and Whisper export is trained on; the
  // library resamples the waveform when its rate differs.
  const recognizerConfig = {
    featConfig: { sampleRate: 16_000, featureDim: 80 },
    modelConfig,
    decodingMethod: 'greedy_search',
    ...(config.kind === 'transducer' ? { enableEndpoint: 0 } : {}),
  };
  const neededBy = '`stt.engine: sherpa`';
  const probeInput = () =>
    JSON.stringify({
      kind: config.kind,
      module: resolveOptional('sherpa-onnx-node', neededBy),
      recognizer: recognizerConfig,
    });
  const key = JSON.stringify(recognizerConfig);

  /** Loads the model once per engine, after a child process has shown that it loads. */
  const load = () => {
    if (online || offline) return;
    if (!verified.has(key)) {
      // Only when warmUp was skipped: the synchronous probe blocks this first utterance once.
      const probe = spawnSync(process.execPath, ['-e', PROBE], { input: probeInput(), encoding: 'utf8' });
      if (probe.status !== 0) throw probeFailure(config.kind, probe.status, probe.stderr);
      verified.add(key);
    }
    const sherpa = requireOptional<SherpaModule>('sherpa-onnx-node', neededBy);
    if (config.kind === 'transducer') online = new sherpa.OnlineRecognizer(recognizerConfig);
    else offline = new sherpa.OfflineRecognizer(recognizerConfig);
  };

  return {
    name: `sherpa(${config.kind})`,
    async warmUp() {
      if (!verified.has(key)) {
        const child = spawn(process.execPath, ['-e', PROBE], { stdio: ['pipe', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += String(d)));
        child.stdin.end(probeInput());
        const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
        if (code !== 0) throw probeFailure(config.kind, code, stderr);
        verified.add(key);
      }
      load();
    },
    createStream({ onPartial, signal }) {
      load();
      if (online) {
        const recognizer = online;
        const stream = recognizer.createStream();
        let last = '';
        const drain = () => {
          while (recognizer.isReady(stream)) recognizer.decode(stream);
          return recognizer.getResult(stream).text.trim();
        };
        return {
          push(audio) {
            if (signal.aborted) return;
            stream.acceptWaveform({ samples: pcmToFloat32(audio), sampleRate: sampleRateHz });
            const text = drain();
            if (text && text !== last) onPartial((last = text));
          },
          async finish() {
            if (signal.aborted) return { text: '' };
            // Trailing silence flushes the last frames through the model's look-ahead.
            stream.acceptWaveform({
              samples: new Float32Array(Math.round(sampleRateHz * 0.3)),
              sampleRate: sampleRateHz,
            });
            stream.inputFinished?.();
            return { text: drain() };
          },
        };
      }
      const recognizer = offline!;
      const parts: Uint8Array[] = [];
      return {
        push(audio) {
          if (!signal.aborted) parts.push(audio.slice());
        },
        async finish() {
          if (signal.aborted || parts.length === 0) return { text: '' };
          const stream = recognizer.createStream();
          stream.acceptWaveform({ samples: pcmToFloat32(Buffer.concat(parts)), sampleRate: sampleRateHz });
          recognizer.decode(stream);
          const result = recognizer.getResult(stream);
          // Whisper models report the detected language, as a code or as a token (`<|en|>`).
          const tag = languageTag(result.lang?.replace(/[<|>]/g, ''));
          return { text: result.text.trim(), ...(tag ? { language: tag } : {}) };
        },
      };
    },
  };
}
