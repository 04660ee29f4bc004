/**
 * `voice-agent run --in input.wav --out reply.wav [--timeline FILE] [--config FILE]`: plays a recording
 * into a session in real time (20 ms frames) with the configured engines, records what the agent said
 * (placed at the time it was heard, silence elsewhere), and writes the per-turn timeline as JSON plus a
 * table on stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../adapters/clock.js';
import { pcmBytesFor } from '../../adapters/audio/pcm.js';
import { createRecordingSink } from '../../adapters/audio/recording-sink.js';
import { resampleAll } from '../../adapters/audio/resample.js';
import { encodeWav, readWav } from '../../adapters/audio/wav.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { loadConfig } from '../../server/config.js';
import { buildEngines } from '../../server/engine-pool.js';
import { startSession } from '../../server/session-host.js';
import { createTimelineRecorder, formatTimelines } from '../../server/timeline.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

/** Why 1.5 s of trailing silence: the VAD hangover (600 ms) plus STT finalization before the last turn starts. */
const TAIL_SILENCE_MS = 1500;
/** Why 60 s: the longest reply we wait for after the recording ends before writing the output anyway. */
const MAX_WAIT_MS = 60_000;

export async function runRunCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values } = parseCommandArgs(args, { in: { type: 'string' }, out: { type: 'string' }, timeline: { type: 'string' }, ...CONFIG_OPTION });
  const { in: input, out: output } = values;
  if (!input || !output) throw new UsageError('--in and --out are required');
  const config = loadConfig({ env: process.env, ...(values.config ? { file: values.config } : {}) });
  const recording = readWav(readFileSync(input));
  const rate = config.audio.inputRateHz;
  // A recording at another rate is resampled once, at the edge, to the rate the VAD and STT run at.
  const pcm = await resampleAll(recording.pcm, recording.sampleRateHz, rate);
  if (recording.sampleRateHz !== rate) out(`${input}: resampled ${recording.sampleRateHz} Hz → ${rate} Hz (audio.inputRateHz)`);

  const clock = systemClock;
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const sink = createRecordingSink(clock, config.audio.outputRateHz);
  const pool = buildEngines(config, { clock });
  await pool.warmUp();
  // A recording has no acoustic path from the speaker back to the microphone: nothing to cancel.
  const engines = await pool.bind({ bus, sessionId: 'run', sink, sinkKind: 'file' });
  const session = startSession({ sessionId: 'run', bus, clock, engines, ...pool.runtime });
  const timeline = createTimelineRecorder(bus, 'run');
  bus.subscribe(bus.subjects.forEvent('run', 'session.error'), (m) => out(`error: ${'message' in m ? m.message : ''}`));
  await session.ready();

  // Real time: frame i goes out at start + i × 20 ms, whatever the engines cost.
  const frameMs = config.pipeline.frameMs;
  const frameBytes = pcmBytesFor(frameMs, rate);
  const startedAtMs = clock.now();
  const total = Math.ceil(pcm.byteLength / frameBytes) + Math.ceil(TAIL_SILENCE_MS / frameMs);
  for (let i = 0; i < total; i++) {
    const frame = new Uint8Array(frameBytes);
    frame.set(pcm.subarray(i * frameBytes, (i + 1) * frameBytes));
    session.pushAudio(frame, rate);
    const dueMs = startedAtMs + (i + 1) * frameMs;
    await sleep(Math.max(0, dueMs - clock.now()));
  }
  const deadline = clock.now() + MAX_WAIT_MS;
  while (!session.state().startsWith('idle') && clock.now() < deadline) await sleep(frameMs);
  const endedAtMs = clock.now();

  writeFileSync(output, encodeWav(sink.render(startedAtMs, endedAtMs), config.audio.outputRateHz));
  const turns = timeline.turns().map((t) => ({ ...rebase(t, startedAtMs) }));
  const timelineFile = values.timeline ?? output.replace(/\.wav$/i, '') + '.timeline.json';
  writeFileSync(timelineFile, `${JSON.stringify({ input, output, turns, history: session.history() }, null, 2)}\n`);
  out(formatTimelines(timeline.turns()));
  out(`\n${output}: ${Math.round(endedAtMs - startedAtMs)} ms of agent audio track; timeline in ${timelineFile}`);
  timeline.close();
  await session.stop();
  await bus.close();
}

/** Times relative to the start of the recording, so the JSON lines up with the input file. */
function rebase<T extends object>(turn: T, originMs: number): T {
  return Object.fromEntries(Object.entries(turn).map(([k, v]) => [k, k.endsWith('AtMs') && typeof v === 'number' ? Math.round(v - originMs) : v])) as T;
}
