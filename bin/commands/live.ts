/**
 * `voice-agent live [--input DEVICE] [--output DEVICE] [--echo-cancel-module] [--timeline FILE] [--record-mcap DIR]
 * [--config FILE]`: one session on this machine's microphone and speaker through its sound server
 * (runtime/live-session.ts) until Ctrl-C, then the per-turn timeline as JSON (the `run --timeline` format) plus a table
 * on stdout. `--echo-cancel-module`: the sound server's module-echo-cancel (WebRTC) cancels the echo, not the session.
 * `--record-mcap DIR` (`record.mcapDir`): the session is also written as an MCAP file in DIR as it runs.
 */
import { writeFileSync } from 'node:fs';
import { createConditionerFeed } from '../../adapters/audio/conditioner-feed.js';
import { loadConfig } from '../../runtime/config.js';
import { runLive } from '../../runtime/live-session.js';
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

export async function runLiveCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
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
  const overrides = values['record-mcap'] ? { record: { mcapDir: values['record-mcap'] } } : {};
  const config = loadConfig({ env: process.env, overrides, ...(values.config ? { file: values.config } : {}) });
  const mcapDir = config.record.mcapDir;
  const mcap =
    mcapDir !== undefined
      ? startMcapRecorder({
          dir: mcapDir,
          ...mcapRecorderSettings(config.record),
          onError: (error, file) => out(`MCAP: ${file} could not be written (${String(error)})`),
        })
      : undefined;
  let recorder: SessionRecorder | undefined;
  // With the microphone recorded, what the conditioner is given from the sound server's clocks too: `check` re-runs
  // from it.
  const conditionerFeed = mcap && config.record.audio ? createConditionerFeed() : undefined;
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await runLive({
      config,
      ...(values.input ? { input: values.input } : {}),
      ...(values.output ? { output: values.output } : {}),
      ...(playbackLatencyMs ? { playbackLatencyMs } : {}),
      ...(captureLatencyMs ? { captureLatencyMs } : {}),
      ...(values['echo-cancel-module'] ? { echoCancelModule: true } : {}),
      ...(conditionerFeed ? { conditionerFeed } : {}),
      ...(mcap
        ? {
            attach: ({ bus, clock }) =>
              (recorder = createSessionRecorder(mcap.sink({ clock, flushEveryMs: config.record.flushEveryMs }), {
                bus,
                clock,
                audio: config.record.audio,
                input: {
                  sinkKind: 'device',
                  build: buildFingerprint(config),
                  ...(conditionerFeed ? { conditioner: conditionerFeed } : {}),
                },
              })).attach,
          }
        : {}),
      signal: controller.signal,
      onLine: out,
      onReady: (info) =>
        out(
          `live on ${info.server.name}: microphone ${info.input}, speaker ${info.output}, echo cancellation ` +
            `${info.echoCancel ? (info.echoCancelModule ? "on (the sound server's module-echo-cancel)" : 'on') : 'off'}. ` +
            `` +
            `Talk; Ctrl-C ends the session.`,
        ),
    });
    const turns = result.turns.map((t) => rebaseTimeline(t, result.startedAtMs));
    const timelineFile = values.timeline ?? DEFAULT_TIMELINE;
    const soundServer = {
      name: result.info.server.name,
      playbackLatencyMs: round(result.playbackLatencyMs),
      captureLatencyMs: round(result.captureLatencyMs),
      echoShiftMs: round(result.echoShiftMs),
      underruns: result.underruns,
      ...(result.echoDelay ? { echoDelay: result.echoDelay } : {}),
      endedBy: result.endedBy,
    };
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
    if (result.endedBy !== 'signal') throw new Error(result.endedBy);
  } finally {
    recorder?.close('end');
    await mcap?.close();
    for (const f of mcap?.files() ?? []) out(`the session as MCAP: ${f.file}`);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
