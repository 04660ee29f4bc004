/**
 * What the `voice-agent live` tests share: a virtual room per test file (pulse-room.ts) started before its
 * tests and stopped after, and the user's command as flite's `slt` voice says it into a WAV file.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { encodeWav } from '../../adapters/audio/wav.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import { startPulseRoom, type PulseRoom, type PulseRoomOptions } from './pulse-room.js';

/** Registers the room's start and stop on the enclosing `describe`; the getter holds it once started. */
export function usePulseRoom(options: PulseRoomOptions): () => PulseRoom {
  let room: PulseRoom | undefined;
  beforeAll(async () => {
    room = await startPulseRoom(options);
  }, 30_000);
  afterAll(async () => {
    await room?.stop();
  });
  return () => {
    if (!room) throw new Error('the virtual room has not started');
    return room;
  };
}

/** `text` in flite's `slt` voice into `file`, with half a second of silence on each side, as a person pauses around a command. */
export async function writeUserRecording(text: string, file: string): Promise<void> {
  const tts = createFliteTts({ voice: 'slt' });
  const parts: Uint8Array[] = [];
  for await (const chunk of tts.synthesize({ text, language: 'en', signal: new AbortController().signal })) parts.push(chunk);
  const pad = new Uint8Array(Math.round(tts.sampleRateHz * 0.5) * 2);
  writeFileSync(file, encodeWav(Buffer.concat([pad, ...parts, pad]), tts.sampleRateHz));
}
