/**
 * Audio for the keyword spotter's tests: flite's voice (16 kHz s16le), silence, and a stream fed 20 ms
 * at a time as a session's microphone feeds it.
 *
 * @example
 * ```ts
 * const found = feed(spotter.createStream(), silence(500), await speak('hey robot'), silence(800));
 * ```
 */
import type { KeywordStream, Spotting } from '../../adapters/spotter/spotter.js';
import { createFliteTts } from '../../adapters/tts/flite.js';

/** `text` in flite's default voice. */
export async function speak(text: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of createFliteTts().synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/** `ms` of digital silence at 16 kHz. */
export const silence = (ms: number): Uint8Array => new Uint8Array(ms * 32);

/** Every spotting the stream reports while it hears `chunks` in 20 ms frames. */
export function feed(stream: KeywordStream, ...chunks: Uint8Array[]): Spotting[] {
  const found: Spotting[] = [];
  for (const audio of chunks)
    for (let i = 0; i < audio.byteLength; i += 640) found.push(...stream.push(audio.subarray(i, i + 640)));
  return found;
}
