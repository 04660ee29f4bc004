/**
 * The user's command as flite's `slt` voice says it, into a WAV file: what the `voice-agent live` tests and
 * the live bench play into the virtual room. No vitest here, so the bench can import it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../adapters/audio/wav.js';
import { createEspeakTts } from '../adapters/tts/espeak.js';
import { createFliteTts } from '../adapters/tts/flite.js';

/**
 * `text` in flite's `slt` voice into `file`, with `padMs` of silence on each side (default half a second),
 * as a person pauses around a command.
 */
export async function writeUserRecording(text: string, file: string, padMs = 500): Promise<void> {
  const tts = createFliteTts({ voice: 'slt' });
  const parts: Uint8Array[] = [];
  for await (const chunk of tts.synthesize({ text, language: 'en', signal: new AbortController().signal }))
    parts.push(chunk);
  const pad = new Uint8Array(Math.round((tts.sampleRateHz * padMs) / 1000) * 2);
  writeFileSync(file, encodeWav(Buffer.concat([pad, ...parts, pad]), tts.sampleRateHz));
}

/** Each of `texts` into `<dir>/<prefix>-<i>.wav` (see {@link writeUserRecording}); the files, in order. */
export function writeUserRecordings(
  dir: string,
  texts: readonly string[],
  prefix = 'command',
  padMs?: number,
): Promise<string[]> {
  return Promise.all(
    texts.map(async (text, i) => {
      const file = join(dir, `${prefix}-${i}.wav`);
      await writeUserRecording(text, file, padMs);
      return file;
    }),
  );
}

/**
 * `texts` in eSpeak NG's `en-us` voice, each starting `everyMs` after the one before (a user who does not
 * wait for the robot to finish), as one WAV file at 22.05 kHz.
 */
export async function writeSpacedRecording(texts: readonly string[], file: string, everyMs: number): Promise<void> {
  const tts = createEspeakTts({ voice: 'en-us' });
  const per = Math.round((tts.sampleRateHz * everyMs) / 1000);
  const lead = Math.round(tts.sampleRateHz * 0.5);
  const out = new Int16Array(lead + per * texts.length + tts.sampleRateHz);
  for (const [i, text] of texts.entries()) {
    const parts: Uint8Array[] = [];
    for await (const chunk of tts.synthesize({ text, language: 'en', signal: new AbortController().signal }))
      parts.push(chunk);
    const pcm = Buffer.concat(parts);
    const said = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength >> 1);
    out.set(said.subarray(0, Math.min(said.length, per)), lead + i * per);
  }
  writeFileSync(file, encodeWav(new Uint8Array(out.buffer), tts.sampleRateHz));
}
