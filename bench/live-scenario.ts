/**
 * `--scenario live`: mouth-to-ear latency of `voice-agent live` in the virtual room of the live-room test
 * (sim/pulse-room.ts: its own PulseAudio daemon, the agent's speaker looped into the room 100 ms
 * later), sound-server latencies included.
 *
 * A user (flite's `slt`) gives commands played into the room with `paplay`. Two recorders (`parec`)
 * listen to the room's monitor (what the microphone hears) and the agent sink's monitor (what the
 * speaker plays), each chunk placed on a capture clock: mouth-to-ear is from the user's last loud
 * 5 ms window in the room to the agent's first on its speaker. Next to it, the pipeline's own share
 * from the session's timeline (the VAD's end of voice → `playback.started`), the microphone side (the
 * user's last sample → the VAD's end of voice: capture, the VAD's frames) and the speaker side
 * (`playback.started` → first sound: the sink's lead and the server's buffer).
 *
 * After the commands, the user talks over an action's spoken outcome (sim/live-follow-up.ts). `bench/run.ts`
 * runs it three times: the built-in echo step, the sound server's `module-echo-cancel` in its place
 * (`echoCancelModule`), and the built-in step with a busy loop in another process (`cpuHog`).
 */
import { createCaptureClock } from '../adapters/echo/index.js';
import { detectSoundServer } from '../adapters/audio/sound-server.js';
import { openCapture, type CaptureStream } from '../adapters/audio/sound-server-stream.js';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../adapters/clock.js';
import { loadConfig } from '../runtime/config.js';
import { buildTts } from '../runtime/engines.js';
import { runLive } from '../runtime/live-session.js';
import type { TurnTimeline } from '../runtime/timeline.js';
import { pulseMissing, startPulseRoom } from '../sim/pulse-room.js';
import { writeUserRecordings } from '../sim/user-recording.js';
import { round, summarize, type Percentiles } from './stats.js';
import { FOLLOW_UP_LINES, talkOverFollowUps, type FollowUpRow } from '../sim/live-follow-up.js';

const RATE = 16_000;
/** Why 5 ms: the onset's resolution; a window is 80 samples. */
const WINDOW_MS = 5;
const WINDOW = (RATE * WINDOW_MS) / 1000;
/** Why −45 dBFS: flite's speech is 20 dB above it at its quietest syllables; the null sinks are digital silence. */
const THRESHOLD = 32768 * 10 ** (-45 / 20);
const COMMANDS = [
  'turn left',
  'move forward two meters',
  'go to the kitchen',
  'turn right',
  'go backward one meter',
  'go to the door',
];
const ECHO_DELAY_MS = 100;
/** Why 300 ms of silence around each command: the follow-up's "turn left" then starts ~0.2–0.4 s into the outcome. */
const PAD_MS = 300;
/**
 * Why 1 s after a command played: its last words reach the VAD and end its hangover then; a cut until then is theirs.
 */
const USER_CUT_GRACE_MS = 1000;
/** Why 1.5 s: after a reply, long enough for a late false start on its echo to show before the next command. */
const QUIET_MS = 1500;

export interface LiveRow {
  scenario: 'live';
  /** Who cancels the echo: the session's built-in step, or the sound server's `module-echo-cancel`. */
  canceller: 'builtin' | 'module-echo-cancel';
  /** A busy loop ran on another process beside the session the whole time (the machine busy). */
  cpuHog: boolean;
  turns: number;
  /**
   * The user's last sample in the room → the agent's first sample on its speaker (its first audible one less the TTS's
   * leading silence).
   */
  mouthToEarMs: Percentiles;
  /** The user's last sample → the agent's first audible sample (its TTS's leading silence included). */
  mouthToAudibleMs: Percentiles;
  /**
   * The silence the TTS puts before the first word (flite's kal16: 220-300 ms), from the same text synthesized again.
   */
  ttsLeadingSilenceMs: Percentiles;
  /** The pipeline's own share: the VAD's end of voice → playback.started. */
  pipelineMs: Percentiles;
  /** The user's last sample → the VAD's end of voice (capture buffer, chunk delivery, VAD frames). */
  micSideMs: Percentiles;
  /** playback.started → the first sample on the speaker (the sink's lead, the client's and the server's buffers). */
  speakerSideMs: Percentiles;
  playbackLatencyMs: number;
  captureLatencyMs: number;
  echoShiftMs: number;
  underruns: number;
  /**
   * Replies cut short (a barge-in or the emergency stop) while no command was playing into the room nor
   * had just played: the agent hearing itself. A reply the next command talked over is the user's barge-in.
   */
  falseBargeIns: number;
  /** "turn left" said as the robot starts an action's spoken outcome (sim/live-follow-up.ts). */
  overFollowUp?: FollowUpRow;
  /**
   * Spans of the microphone the echo step held though they may have been the user (`echo_held_user`), the whole run.
   */
  echoHeldUserSpans: number;
  /** The agent's speech the built-in echo step was half duplex over (`echo_half_duplex`), the whole run (ms). */
  echoHalfDuplexMs?: number;
}

/** Loud 5 ms windows of a monitor, by the session-clock time each window ended. */
async function recordLoudness(
  device: string,
  onWindow: (endMs: number, loud: boolean) => void,
): Promise<CaptureStream> {
  const server = await detectSoundServer();
  const clock = createCaptureClock({ sampleRateHz: RATE, resyncMs: 2000 });
  const pending: number[] = [];
  // Read by onData, which may run before openCapture returns (then: no latency yet).
  let stream: CaptureStream | undefined = undefined;
  stream = await openCapture(server, {
    device,
    sampleRateHz: RATE,
    latencyMs: 10,
    onData(chunk) {
      const samples = new Int16Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + (chunk.byteLength & ~1)));
      const first = clock.place(samples.length, performance.now()) - pending.length;
      const all = [...pending, ...samples];
      pending.length = 0;
      const latency = stream?.latencyMs() ?? 0;
      let i = 0;
      for (; i + WINDOW <= all.length; i += WINDOW) {
        let energy = 0;
        for (let j = i; j < i + WINDOW; j++) energy += all[j]! * all[j]!;
        onWindow(((first + i + WINDOW) * 1000) / RATE - latency, Math.sqrt(energy / WINDOW) > THRESHOLD);
      }
      pending.push(...all.slice(i));
    },
  });
  return stream;
}

/** The leading silence of each reply as the configured TTS speaks it (the recorders see only the first loud window). */
async function leadingSilences(texts: string[]): Promise<number[]> {
  const config = loadConfig({ env: {} });
  const tts = buildTts(config.tts.engines[0]!, config, systemClock);
  const out: number[] = [];
  for (const text of texts) {
    if (!text) {
      out.push(0);
      continue;
    }
    const parts: Uint8Array[] = [];
    for await (const chunk of tts.synthesize({ text, language: 'en', signal: new AbortController().signal }))
      parts.push(chunk);
    const bytes = Buffer.concat(parts);
    const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.byteLength & ~1)));
    const window = Math.round((tts.sampleRateHz * WINDOW_MS) / 1000);
    let first = 0;
    for (; first + window <= samples.length; first += window) {
      let energy = 0;
      for (let j = first; j < first + window; j++) energy += samples[j]! * samples[j]!;
      if (Math.sqrt(energy / window) > THRESHOLD) break;
    }
    out.push((first * 1000) / tts.sampleRateHz);
  }
  return out;
}

export interface LiveScenarioOptions {
  /** The commands the user gives (default: six of the robot grammar's). */
  commands?: string[];
  /** The echo's level at the microphone (default 0 dB: the loopback as it is). */
  echoGainDb?: number;
  /** A noise floor played into the room, dBFS (default none). */
  noiseDb?: number;
  /** The sound server's `module-echo-cancel` cancels the echo, not the session (`live --echo-cancel-module`). */
  echoCancelModule?: boolean;
  /** Run a busy loop in another process beside the session (a CPU hog: the machine busy). */
  cpuHog?: boolean;
  /** Times to talk over an action's outcome after the commands (default 3; 0: none). */
  followUpTrials?: number;
}

/** Each command's turn (the first reply that started playing after it was played and before the next one), measured. */
function mouthToEar(
  {
    playedAt,
    turns,
    silences,
    roomLoud,
    speakerLoud,
  }: { playedAt: number[]; turns: TurnTimeline[]; silences: number[]; roomLoud: number[]; speakerLoud: number[] },
  progress: (line: string) => void,
) {
  return playedAt.flatMap((startMs, i) => {
    const endMs = playedAt[i + 1] ?? Number.POSITIVE_INFINITY;
    const index = turns.findIndex(
      (t) => t.firstAudioAtMs !== undefined && t.firstAudioAtMs > startMs && t.firstAudioAtMs < endMs,
    );
    const turn = turns[index];
    if (!turn || turn.firstAudioAtMs === undefined || turn.voiceEndAtMs === undefined) return [];
    const earMs = speakerLoud.find((t) => t - WINDOW_MS >= startMs);
    if (earMs === undefined) return [];
    const onsetMs = earMs - WINDOW_MS;
    const mouthMs = roomLoud.filter((t) => t >= startMs && t <= onsetMs).at(-1);
    if (mouthMs === undefined) return [];
    const silence = silences[index] ?? 0;
    const echoMs = roomLoud.find((t) => t > earMs);
    progress(
      `  turn ${turn.turnId}: speaker onset ${round(onsetMs - turn.firstAudioAtMs, 1)} ms after playback.started ` +
        `(leading silence ${silence} ms); its echo in the room ` +
        `${echoMs === undefined ? '-' : round(echoMs - earMs, 1)} ms later`,
    );
    return [
      {
        audible: onsetMs - mouthMs,
        mouthToEar: onsetMs - silence - mouthMs,
        silence,
        pipeline: turn.firstAudioAtMs - turn.voiceEndAtMs,
        mic: turn.voiceEndAtMs - mouthMs,
        speaker: onsetMs - silence - turn.firstAudioAtMs,
      },
    ];
  });
}

export async function runLiveScenario(
  progress: (line: string) => void,
  options: LiveScenarioOptions = {},
): Promise<LiveRow[]> {
  const missing = pulseMissing();
  if (missing) {
    progress(`live: skipped (${missing})`);
    return [];
  }
  const room = await startPulseRoom({
    echoDelayMs: ECHO_DELAY_MS,
    ...(options.echoGainDb !== undefined ? { echoGainDb: options.echoGainDb } : {}),
    ...(options.noiseDb !== undefined ? { noiseDb: options.noiseDb } : {}),
  });
  const saved = { ...process.env };
  Object.assign(process.env, room.env);
  delete process.env.PULSE_SERVER;
  const controller = new AbortController();
  // Why a second process: a hog on this one would stall the bench's own recorders, not only the session.
  const hog = options.cpuHog ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : undefined;
  try {
    const files = await writeUserRecordings(room.dir, options.commands ?? COMMANDS, 'command', PAD_MS);
    const roomLoud: number[] = [];
    const speakerLoud: number[] = [];
    const recorders = [
      await recordLoudness('room.monitor', (t, loud) => loud && roomLoud.push(t)),
      await recordLoudness('agent.monitor', (t, loud) => loud && speakerLoud.push(t)),
    ];
    /** When the agent last finished a reply (not cut short), and when it last said anything. */
    let finishedAt = 0;
    let lastLineAt = 0;
    /** Every line the session printed, and when the last came. */
    const seen: string[] = [];
    let anyLineAt = 0;
    let ready!: () => void;
    const listening = new Promise<void>((resolve) => (ready = resolve));
    const live = runLive({
      config: loadConfig({ env: {} }),
      input: 'room.monitor',
      output: 'agent',
      ...(options.echoCancelModule ? { echoCancelModule: true } : {}),
      signal: controller.signal,
      onReady: () => ready(),
      onLine: (line) => {
        seen.push(line);
        anyLineAt = performance.now();
        if (!line.startsWith('agent: ')) return;
        lastLineAt = performance.now();
        if (!line.endsWith('(interrupted)')) finishedAt = lastLineAt;
      },
    });
    await Promise.race([listening, live]);
    const playedAt: number[] = [];
    const playedUntil: number[] = [];
    for (const file of files) {
      const before = finishedAt;
      playedAt.push(performance.now());
      await room.play(file);
      playedUntil.push(performance.now());
      // The next command waits for a finished reply and a quiet room (a reply resumed after a false
      // barge-in must not be talked over), or 20 s.
      const deadline = performance.now() + 20_000;
      while ((finishedAt === before || performance.now() - lastLineAt < QUIET_MS) && performance.now() < deadline)
        await sleep(50);
      progress(`  live: ${playedAt.length}/${files.length} commands`);
    }
    const followUpFrom = performance.now();
    const trials = options.followUpTrials ?? 3;
    const followUp =
      trials > 0
        ? await talkOverFollowUps({
            room,
            seen,
            lastLineAt: () => anyLineAt,
            recordings: await writeUserRecordings(room.dir, FOLLOW_UP_LINES, 'follow-up', PAD_MS),
            trials,
            progress,
          })
        : undefined;
    controller.abort();
    const result = await live;
    await Promise.all(recorders.map((r) => r.close()));
    for (const t of result.turns)
      progress(
        `  turn ${t.turnId}: "${t.userText ?? ''}" → ${t.outcome ?? '-'}${t.reason ? ` (${t.reason})` : ''}, ` +
          `heard "${t.heardText ?? ''}" (audio ${round(t.firstAudioAtMs ?? 0, 0)}–${round(t.endedAtMs ?? 0, 0)} ms)`,
      );
    const silences = await leadingSilences(result.turns.map((t) => t.heardText ?? ''));
    // The commands' turns only: the trials over an outcome come after them, and cut it on purpose.
    const commandTurns = result.turns.filter((t) => (t.firstAudioAtMs ?? t.speechEndAtMs ?? 0) < followUpFrom);
    const rows = mouthToEar({ playedAt, turns: commandTurns, silences, roomLoud, speakerLoud }, progress);
    return [
      {
        scenario: 'live',
        canceller: options.echoCancelModule ? 'module-echo-cancel' : 'builtin',
        cpuHog: options.cpuHog ?? false,
        turns: rows.length,
        mouthToEarMs: summarize(rows.map((r) => r.mouthToEar)),
        mouthToAudibleMs: summarize(rows.map((r) => r.audible)),
        ttsLeadingSilenceMs: summarize(rows.map((r) => r.silence)),
        pipelineMs: summarize(rows.map((r) => r.pipeline)),
        micSideMs: summarize(rows.map((r) => r.mic)),
        speakerSideMs: summarize(rows.map((r) => r.speaker)),
        playbackLatencyMs: round(result.playbackLatencyMs, 1),
        captureLatencyMs: round(result.captureLatencyMs, 1),
        echoShiftMs: round(result.echoShiftMs, 1),
        underruns: result.underruns,
        falseBargeIns: commandTurns.filter(
          (t) =>
            t.outcome === 'interrupted' &&
            (t.reason === 'barge_in' || t.reason === 'estop') &&
            !playedAt.some(
              (startMs, i) =>
                (t.endedAtMs ?? 0) >= startMs && (t.endedAtMs ?? 0) <= playedUntil[i]! + USER_CUT_GRACE_MS,
            ),
        ).length,
        ...(followUp ? { overFollowUp: followUp } : {}),
        echoHeldUserSpans: result.turns.reduce((n, t) => n + (t.echoHeldUser?.length ?? 0), 0),
        // The built-in step's: the sound server's module has no such state to tell.
        ...(options.echoCancelModule
          ? {}
          : {
              echoHalfDuplexMs: result.turns.reduce(
                (n, t) => n + (t.echoHalfDuplex ?? []).reduce((ms, span) => ms + span.durationMs, 0),
                0,
              ),
            }),
      },
    ];
  } finally {
    hog?.kill();
    controller.abort();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    await room.stop();
  }
}

export function printLive(rows: LiveRow[]): void {
  console.log('\nmouth-to-ear in the virtual room (PulseAudio null sinks, 100 ms echo path; ms, p50 / p99)');
  const p = (x: Percentiles) => `${x.p50} / ${x.p99}`;
  for (const r of rows) {
    console.log(
      `${r.canceller}${r.cpuHog ? ', a CPU hog beside it' : ''}: turns ${r.turns}; false barge-ins ` +
        `${r.falseBargeIns}; half duplex ${r.echoHalfDuplexMs ?? '-'} ms; speaker latency reported ` +
        `${r.playbackLatencyMs} ms, microphone ${r.captureLatencyMs} ms, echo shift ${r.echoShiftMs} ms; underruns ` +
        `${r.underruns}`,
    );
    console.log(`  mouth-to-ear (first sample)           ${p(r.mouthToEarMs)}`);
    console.log(`    mic side (last sample → VAD end)    ${p(r.micSideMs)}`);
    console.log(`    pipeline (VAD end → playback)       ${p(r.pipelineMs)}`);
    console.log(`    speaker side (playback → speaker)   ${p(r.speakerSideMs)}`);
    console.log(`  + TTS leading silence                 ${p(r.ttsLeadingSilenceMs)}`);
    console.log(`  mouth-to-audible (first loud sample)  ${p(r.mouthToAudibleMs)}`);
    if (r.overFollowUp)
      console.log(
        `  "turn left" over "Arrived at the kitchen.": heard ${r.overFollowUp.heard}/${r.overFollowUp.trials}, ` +
          `the outcome cut ${r.overFollowUp.cut}/${r.overFollowUp.trials}; echo_held_user spans ` +
          `${r.echoHeldUserSpans}`,
      );
  }
}
