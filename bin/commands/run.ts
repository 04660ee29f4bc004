/**
 * `voice-agent run --in input.wav --out reply.wav [--timeline FILE] [--db FILE] [--session ID] [--config FILE]`:
 * plays a recording into a session in real time (20 ms frames) with the configured engines
 * (runtime/run-audio.ts), records what the agent said (placed at the time it was heard, silence
 * elsewhere), and writes the per-turn timeline as JSON plus a table on stdout. `--db FILE` also records
 * the session into a records database as `serve` does, with its microphone and what a re-run needs, so
 * `voice-agent check FILE` re-runs it; `--session` names it (default `run`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resampleAll } from '../../adapters/audio/resample.js';
import { encodeWav, readWav } from '../../adapters/audio/wav.js';
import { loadConfig } from '../../runtime/config.js';
import { runAudio } from '../../runtime/run-audio.js';
import { formatTimelines, rebaseTimeline } from '../../runtime/timeline.js';
import { buildFingerprint } from '../../server/records/rerun-material.js';
import { createSessionRecorder, openRecordStore, type SessionRecorder } from '../../server/records/index.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function runRunCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values } = parseCommandArgs(args, {
    in: { type: 'string' },
    out: { type: 'string' },
    timeline: { type: 'string' },
    db: { type: 'string' },
    session: { type: 'string' },
    ...CONFIG_OPTION,
  });
  const { in: input, out: output } = values;
  if (!input || !output) throw new UsageError('--in and --out are required');
  const config = loadConfig({ env: process.env, ...(values.config ? { file: values.config } : {}) });
  const recording = readWav(readFileSync(input));
  const rate = config.audio.inputRateHz;
  // A recording at another rate is resampled once, at the edge, to the rate the VAD and STT run at.
  const pcm = await resampleAll(recording.pcm, recording.sampleRateHz, rate);
  if (recording.sampleRateHz !== rate)
    out(`${input}: resampled ${recording.sampleRateHz} Hz → ${rate} Hz (audio.inputRateHz)`);

  if (values.session !== undefined && !SESSION_ID.test(values.session))
    throw new UsageError(`session id "${values.session}" is invalid: use 1-64 of A-Z a-z 0-9 _ -`);
  // Opened before the run: a file that cannot be written is refused before minutes of audio are played.
  const store = values.db ? openRecordStore({ file: values.db, flushEveryMs: config.record.flushEveryMs }) : undefined;
  let recorder: SessionRecorder | undefined;
  let result: Awaited<ReturnType<typeof runAudio>>;
  try {
    result = await runAudio({
      config,
      pcm,
      ...(values.session ? { sessionId: values.session } : {}),
      onError: out,
      ...(store
        ? {
            // As `serve` records, with the microphone and the re-run material: `voice-agent check` re-runs it.
            attach: ({ bus, clock }) =>
              (recorder = createSessionRecorder(store, {
                bus,
                clock,
                audio: true,
                input: { sinkKind: 'file', build: buildFingerprint(config) },
              })).attach,
          }
        : {}),
    });
    recorder?.close('end');
  } finally {
    recorder?.close('error');
    await store?.close();
  }
  writeFileSync(output, encodeWav(result.agentAudio, config.audio.outputRateHz));
  // Times relative to the start of the recording, so the JSON lines up with the input file.
  const turns = result.turns.map((t) => rebaseTimeline(t, result.startedAtMs));
  const timelineFile = values.timeline ?? output.replace(/\.wav$/i, '') + '.timeline.json';
  writeFileSync(timelineFile, `${JSON.stringify({ input, output, turns, history: result.history }, null, 2)}\n`);
  out(formatTimelines(result.turns));
  out(
    `\n${output}: ${Math.round(result.endedAtMs - result.startedAtMs)} ms of agent audio track; timeline in ` +
      `${timelineFile}`,
  );
  if (values.db) out(`recorded as session ${values.session ?? 'run'} in ${values.db} (voice-agent check ${values.db})`);
}
