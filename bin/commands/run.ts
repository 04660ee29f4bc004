/**
 * `voice-agent run --in input.wav --out reply.wav [--timeline FILE] [--config FILE]`: plays a recording
 * into a session in real time (20 ms frames) with the configured engines (runtime/run-audio.ts), records
 * what the agent said (placed at the time it was heard, silence elsewhere), and writes the per-turn
 * timeline as JSON plus a table on stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resampleAll } from '../../adapters/audio/resample.js';
import { encodeWav, readWav } from '../../adapters/audio/wav.js';
import { loadConfig } from '../../runtime/config.js';
import { runAudio } from '../../runtime/run-audio.js';
import { formatTimelines, rebaseTimeline } from '../../runtime/timeline.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

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

  const result = await runAudio({ config, pcm, onError: out });
  writeFileSync(output, encodeWav(result.agentAudio, config.audio.outputRateHz));
  // Times relative to the start of the recording, so the JSON lines up with the input file.
  const turns = result.turns.map((t) => rebaseTimeline(t, result.startedAtMs));
  const timelineFile = values.timeline ?? output.replace(/\.wav$/i, '') + '.timeline.json';
  writeFileSync(timelineFile, `${JSON.stringify({ input, output, turns, history: result.history }, null, 2)}\n`);
  out(formatTimelines(result.turns));
  out(`\n${output}: ${Math.round(result.endedAtMs - result.startedAtMs)} ms of agent audio track; timeline in ${timelineFile}`);
}
