/**
 * The user's command as flite's `slt` voice says it, into a WAV file: what the `voice-agent live` tests and
 * the live bench play into the virtual room. No vitest here, so the bench can import it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../../adapters/audio/wav.js';
import { createFliteTts } from '../../adapters/tts/flite.js';

/**
 * `text` in flite's `slt` voice into `file`, with `padMs` of silence on each side (default half a second),
 * as a person pauses around a command.
 */
export async function writeUserRecording(text: string, file: string, padMs = 500): Promise<void> {
  const tts = createFliteTts({ voice: 'slt' });
  const parts: Uint8Array[] = [];
  for await (const chunk of tts.synthesize({ text, language: 'en', signal: new AbortController().signal })) parts.push(chunk);
  const pad = new Uint8Array(Math.round((tts.sampleRateHz * padMs) / 1000) * 2);
  writeFileSync(file, encodeWav(Buffer.concat([pad, ...parts, pad]), tts.sampleRateHz));
}

/** Each of `texts` into `<dir>/<prefix>-<i>.wav` (see {@link writeUserRecording}); the files, in order. */
export function writeUserRecordings(dir: string, texts: readonly string[], prefix = 'command', padMs?: number): Promise<string[]> {
  return Promise.all(
    texts.map(async (text, i) => {
      const file = join(dir, `${prefix}-${i}.wav`);
      await writeUserRecording(text, file, padMs);
      return file;
    }),
  );
}
