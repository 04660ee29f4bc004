/**
 * `voice-agent live [--input DEVICE] [--output DEVICE] [--echo-cancel-module] [--timeline FILE] [--record-mcap DIR]
 * [--config FILE]`: one session on this machine's microphone and speaker through its sound server
 * (runtime/live-session.ts) until Ctrl-C, then the per-turn timeline as JSON (the `run --timeline` format) plus a table
 * on stdout. `--echo-cancel-module`: the sound server's module-echo-cancel (WebRTC) cancels the echo, not the session.
 * `--record-mcap DIR` (`record.mcapDir`): the session is also written as an MCAP file in DIR as it runs.
 */
import { writeFileSync } from 'node:fs';
import { createConditionerFeed } from '../../adapters/audio/conditioner-feed.js';
import { loadConfig, type AppConfig } from '../../runtime/config.js';
import { runLive, type LiveInfo, type LiveOptions, type LiveResult } from '../../runtime/live-session.js';
import { buildFingerprint } from '../../server/records/rerun-material.js';
import {
  createSessionRecorder,
  mcapRecorderSettings,
  startMcapRecorder,
  type SessionRecorder,
} from '../../server/records/index.js';
import { formatTimelines, rebaseTimeline } from '../../runtime/timeline.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

const DEFAULT_TIMELINE = 'live.timeline.json';

const positiveMs = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms <= 0)
    throw new UsageError(`${flag} takes a positive number of milliseconds, not "${value}"`);
  return ms;
};

/** The command's flags, with the latencies checked. */
function liveFlags(args: string[]) {
  const { values } = parseCommandArgs(args, {
    input: { type: 'string' },
    output: { type: 'string' },
    timeline: { type: 'string' },
    'playback-latency': { type: 'string' },
    'capture-latency': { type: 'string' },
    'echo-cancel-module': { type: 'boolean' },
    'record-mcap': { type: 'string' },
    ...CONFIG_OPTION,
  });
  const playbackLatencyMs = positiveMs(values['playback-latency'], '--playback-latency');
  const captureLatencyMs = positiveMs(values['capture-latency'], '--capture-latency');
  return { values, playbackLatencyMs, captureLatencyMs };
}

type LiveFlags = ReturnType<typeof liveFlags>;

export async function runLiveCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const flags = liveFlags(args);
  const { values } = flags;
  const overrides = values['record-mcap'] ? { record: { mcapDir: values['record-mcap'] } } : {};
  const config = loadConfig({ env: process.env, overrides, ...(values.config ? { file: values.config } : {}) });
  const recording = startRecording(config, out);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await runLive({
      ...liveOptions(config, flags, recording),
      signal: controller.signal,
      onLine: out,
      onReady: (info) => out(readyLine(info)),
    });
    reportLive(result, values.timeline ?? DEFAULT_TIMELINE, out);
    if (result.endedBy !== 'signal') throw new Error(result.endedBy);
  } finally {
    await recording?.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * The session as an MCAP file when `record.mcapDir` is set: a recorder attached to the session's bus once
 * there is one. With the microphone recorded, what the conditioner is given from the sound server's clocks
 * too: `check` re-runs from it.
 */
function startRecording(config: AppConfig, out: (line: string) => void) {
  const mcapDir = config.record.mcapDir;
  if (mcapDir === undefined) return undefined;
  const mcap = startMcapRecorder({
    dir: mcapDir,
    ...mcapRecorderSettings(config.record),
    onError: (error, file) => out(`MCAP: ${file} could not be written (${String(error)})`),
  });
  const conditionerFeed = config.record.audio ? createConditionerFeed() : undefined;
  let recorder: SessionRecorder | undefined;
  const attach: NonNullable<LiveOptions['attach']> = ({ bus, clock }) =>
    (recorder = createSessionRecorder(mcap.sink({ clock, flushEveryMs: config.record.flushEveryMs }), {
      bus,
      clock,
      audio: config.record.audio,
      input: {
        sinkKind: 'device',
        build: buildFingerprint(config),
        ...(conditionerFeed ? { conditioner: conditionerFeed } : {}),
      },
    })).attach;
  return {
    conditionerFeed,
    attach,
    /** Ends the recording and says where the files are. */
    async close() {
      recorder?.close('end');
      await mcap.close();
      for (const f of mcap.files()) out(`the session as MCAP: ${f.file}`);
    },
  };
}

/** The session's options from the flags and the recording. */
function liveOptions(
  config: AppConfig,
  { values, playbackLatencyMs, captureLatencyMs }: LiveFlags,
  recording: ReturnType<typeof startRecording>,
): Omit<LiveOptions, 'signal'> {
  return {
    config,
    ...(values.input ? { input: values.input } : {}),
    ...(values.output ? { output: values.output } : {}),
    ...(playbackLatencyMs ? { playbackLatencyMs } : {}),
    ...(captureLatencyMs ? { captureLatencyMs } : {}),
    ...(values['echo-cancel-module'] ? { echoCancelModule: true } : {}),
    ...(recording?.conditionerFeed ? { conditionerFeed: recording.conditionerFeed } : {}),
    ...(recording ? { attach: recording.attach } : {}),
  };
}

/** The line once the session listens: its devices and how the echo is cancelled. */
function readyLine(info: LiveInfo): string {
  const echo = info.echoCancel ? (info.echoCancelModule ? "on (the sound server's module-echo-cancel)" : 'on') : 'off';
  return (
    `live on ${info.server.name}: microphone ${info.input}, speaker ${info.output}, ` +
    `echo cancellation ${echo}. Talk; Ctrl-C ends the session.`
  );
}

/** Writes the timeline file and prints the turns and the sound server's figures. */
function reportLive(result: LiveResult, timelineFile: string, out: (line: string) => void): void {
  const turns = result.turns.map((t) => rebaseTimeline(t, result.startedAtMs));
  const soundServer = soundServerReport(result);
  writeFileSync(
    timelineFile,
    `${JSON.stringify(
      { input: result.info.input, output: result.info.output, turns, history: result.history, soundServer },
      null,
      2,
    )}\n`,
  );
  out(formatTimelines(result.turns));
  out(
    `\n${Math.round((result.endedAtMs - result.startedAtMs) / 1000)} s live; speaker latency ` +
      `${soundServer.playbackLatencyMs} ms, microphone ${soundServer.captureLatencyMs} ms as reported` +
      `${result.underruns > 0 ? `, ${result.underruns} underruns` : ''}; timeline in ${timelineFile}`,
  );
}

/** The sound server's figures as the timeline file keeps them. */
function soundServerReport(result: LiveResult) {
  return {
    name: result.info.server.name,
    playbackLatencyMs: round(result.playbackLatencyMs),
    captureLatencyMs: round(result.captureLatencyMs),
    echoShiftMs: round(result.echoShiftMs),
    underruns: result.underruns,
    ...(result.echoDelay ? { echoDelay: result.echoDelay } : {}),
    endedBy: result.endedBy,
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
