/**
 * `voice-agent say "text" --out file.wav [--config FILE]`: speaks the text with the configured TTS chain
 * (first engine, falling back to the next on error) and writes a 16-bit mono WAV at the output rate.
 */
import { writeFileSync } from 'node:fs';
import { systemClock } from '../../adapters/clock.js';
import { encodeWav } from '../../adapters/audio/wav.js';
import { loadConfig } from '../../server/config.js';
import { buildTts } from '../../server/engines.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

export async function runSayCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values, positionals } = parseCommandArgs(args, { out: { type: 'string' }, ...CONFIG_OPTION }, { min: 1, max: 1, names: 'the text to speak' });
  const text = positionals[0]!;
  const file = values.out;
  if (!file) throw new UsageError('--out is required');
  const config = loadConfig({ env: process.env, ...(values.config ? { file: values.config } : {}) });
  // No session here, so a `remote` engine in the chain is a configuration error that names the fix.
  const chain = config.tts.engines.map((spec) => buildTts(spec, config, systemClock));
  const startedAt = performance.now();
  let lastError: unknown;
  for (const engine of chain) {
    try {
      const parts: Uint8Array[] = [];
      let firstChunkMs: number | undefined;
      for await (const chunk of engine.synthesize({ text, language: config.pipeline.language, signal: new AbortController().signal })) {
        firstChunkMs ??= performance.now() - startedAt;
        parts.push(chunk);
      }
      const pcm = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      let offset = 0;
      for (const p of parts) {
        pcm.set(p, offset);
        offset += p.byteLength;
      }
      writeFileSync(file, encodeWav(pcm, engine.sampleRateHz));
      out(`${file}: ${((pcm.byteLength / 2 / engine.sampleRateHz) * 1000).toFixed(0)} ms at ${engine.sampleRateHz} Hz by ${engine.name} (first chunk after ${Math.round(firstChunkMs ?? 0)} ms)`);
      return;
    } catch (error) {
      lastError = error;
      out(`${engine.name} failed (${error instanceof Error ? error.message : String(error)}); trying the next engine`);
    }
  }
  throw new Error(`no TTS engine could speak the text: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}
