/**
 * What the check scenario's users say and how (check-entries.ts, check-scenario.ts): the robot's
 * commands in turn, flite speaking one at a rate between silences, 20 ms of it at a time in real time, and
 * `voice-agent` run as a user runs it, in a process of its own.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { resampleAll } from '../adapters/audio/resample.js';
import { createFliteTts } from '../adapters/tts/flite.js';

/** `voice-agent ARGS` in a process of its own, as a user runs it (bench sits beside bin, not on it). */
export async function runCommand(args: readonly string[]): Promise<void> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
}

const COMMANDS = [
  'turn left',
  'turn right',
  'go to the kitchen',
  'move forward two meters',
  'go to the door',
  'turn around',
  'go backward one meter',
];
export const command = (i: number) => COMMANDS[i % COMMANDS.length]!;

/** flite's voice saying `text` at `rateHz`, after `leadMs` and before `tailMs` of silence. */
export async function speech(text: string, rateHz: number, leadMs = 300, tailMs = 900): Promise<Uint8Array> {
  const tts = createFliteTts();
  const parts: Uint8Array[] = [];
  for await (const c of tts.synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  const words = await resampleAll(new Uint8Array(Buffer.concat(parts)), tts.sampleRateHz, rateHz);
  const bytesFor = (ms: number) => Math.round((rateHz * ms) / 1000) * 2;
  const out = new Uint8Array(bytesFor(leadMs) + words.byteLength + bytesFor(tailMs));
  out.set(words, bytesFor(leadMs));
  return out;
}

/** Real-time pacing: calls `send` with each 20 ms of `pcm` when it is due. */
export async function paced(pcm: Uint8Array, rateHz: number, send: (chunk: Uint8Array) => void): Promise<void> {
  const bytes = (rateHz / 50) * 2;
  const started = performance.now();
  for (let at = 0, i = 0; at < pcm.byteLength; at += bytes, i++) {
    send(pcm.subarray(at, at + bytes));
    await sleep(Math.max(0, started + (i + 1) * 20 - performance.now()));
  }
}

/** Waits until `check` holds, or throws after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
