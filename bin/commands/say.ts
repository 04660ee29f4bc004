/**
 * `voice-agent say "text" --out file.wav [--config FILE]`: speaks the text as a session would in its main
 * language (`pipeline.language`): with that language's TTS chain and voice (`languages.<tag>.tts`,
 * `.voice`) or else `tts.engines`, the first engine falling back to the next on error, and writes a
 * 16-bit mono WAV at the output rate (`audio.outputRateHz`).
 */
import { writeFileSync } from 'node:fs';
import { systemClock } from '../../adapters/clock.js';
import { resampleAll } from '../../adapters/audio/resample.js';
import { encodeWav } from '../../adapters/audio/wav.js';
import { loadConfig } from '../../runtime/config.js';
import { buildTts } from '../../runtime/engines.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

export async function runSayCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    args,
    { out: { type: 'string' }, ...CONFIG_OPTION },
    { min: 1, max: 1, names: 'the text to speak' },
  );
  const text = positionals[0]!;
  const file = values.out;
  if (!file) throw new UsageError('--out is required');
  const config = loadConfig({ env: process.env, ...(values.config ? { file: values.config } : {}) });
  const { language } = config.pipeline;
  const { tts: ownChain, voice } = config.languages[language] ?? {};
  const rateHz = config.audio.outputRateHz;
  // No session here, so a `remote` engine in the chain is a configuration error that names the fix.
  const chain = (ownChain ?? config.tts.engines).map((spec) => buildTts(spec, config, systemClock));
  const startedAt = performance.now();
  let lastError: unknown;
  for (const engine of chain) {
    try {
      const parts: Uint8Array[] = [];
      let firstChunkMs: number | undefined;
      for await (const chunk of engine.synthesize({
        text,
        language,
        signal: new AbortController().signal,
        ...(voice ? { voice } : {}),
      })) {
        firstChunkMs ??= performance.now() - startedAt;
        parts.push(chunk);
      }
      const spoken = Buffer.concat(parts);
      const pcm = engine.sampleRateHz === rateHz ? spoken : await resampleAll(spoken, engine.sampleRateHz, rateHz);
      writeFileSync(file, encodeWav(pcm, rateHz));
      const resampled = engine.sampleRateHz === rateHz ? '' : ` (resampled from ${engine.sampleRateHz} Hz)`;
      out(
        `${file}: ${((pcm.byteLength / 2 / rateHz) * 1000).toFixed(0)} ms at ${rateHz} Hz${resampled} by ` +
          `${engine.name} (first chunk after ${Math.round(firstChunkMs ?? 0)} ms)`,
      );
      return;
    } catch (error) {
      lastError = error;
      out(`${engine.name} failed (${error instanceof Error ? error.message : String(error)}); trying the next engine`);
    }
  }
  throw new Error(
    `no TTS engine could speak the text: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}
