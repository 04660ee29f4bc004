/**
 * The acoustic closed loop, on the simulated clock: a session built by the real engine pool on the local
 * stack (WebRTC VAD → pocketsphinx with the robot grammar → rules → flite, `audio.*` from the config)
 * whose speaker output is fed back into its own microphone through a simulated room (delay, level,
 * reverberant tail), while a user (other flite voices) speaks commands at chosen moments.
 *
 * Two phases: `replies` commands, each answered while the user stays silent (any reply cut short then
 * is a false barge-in: the agent interrupted itself); then `bargeIns` times the user asks for the long
 * greeting and talks over it half a second in (the reply must stop).
 *
 * Real engines finish their work in real time while the simulated clock stands still: the loop waits
 * for every TTS request in flight before moving time on, so results do not depend on the machine's speed.
 *
 * The echo matrix (bench/echo-matrix.ts) varies the room — a delay per reply (one that jumps between
 * replies), the reverberation, the speaker's level over the user's at the microphone — the client's rate
 * (16 or 24 kHz, microphone and speaker) and the path: a device on the bus (`pushAudio`), or a Realtime
 * client (`test/support/echo-loop-realtime.ts`: base64 appends, audio deltas played by the client).
 */
import { createRobotSimulator } from '../adapters/actions/robot-simulator.js';
import { serveActions } from '../adapters/actions/executor.js';
import { createResampler } from '../adapters/audio/resample.js';
import { createEchoPath, type EchoPath } from './echo-path.js';
import { ManualClock } from '../adapters/testing/manual-clock.js';
import { createFliteTts } from '../adapters/tts/flite.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import { loadConfig } from '../runtime/config.js';
import { buildEngines, type BoundEngines } from '../runtime/engine-pool.js';
import { settleInFlight, trackedEngines } from '../runtime/engines-in-flight.js';
import { openBusLoopSession, openRealtimeLoopSession, type LoopSession } from './echo-loop-sessions.js';
import { runOverlaps, type LoopContext, type OverlapCase, type OverlapOutcome } from './echo-overlap.js';
import { DialogState } from '../machines/states.js';

const RATE = 16_000;
const FRAME_SAMPLES = 320;
const FRAME_MS = 20;
/** The commands the user gives in the first phase, in turn (each has a one-sentence answer). */
export const LOOP_COMMANDS = [
  'turn left',
  'move forward two meters',
  'go to the kitchen',
  'hello robot',
  'turn right',
  'go backward one meter',
  'go to the door',
  'what time is it',
];
/** User voices: flite's other voices, so the user never sounds like the agent (kal16). */
const USER_VOICES = ['slt', 'rms', 'awb'];
/** Why 1.2 s after the reply: the VAD hangover (600 ms) plus room for a late false start to show. */
const QUIET_AFTER_REPLY_MS = 1200;
/** Why 10 s: the longest a command's turn takes (speech, hangover, a two-second reply) with margin. */
const TURN_LIMIT_MS = 10_000;
/** Why 30 s: the simulated robot's longest action (navigation) with margin. */
const ACTION_LIMIT_MS = 30_000;
/** A barge-in starts this long after the greeting's first frame. */
const BARGE_IN_AFTER_MS = 500;
/** Why 60 dB below full scale: a quiet room and a microphone's self-noise; digital silence is unrealistic. */
const NOISE_FLOOR = 32768 * 10 ** (-60 / 20);

export interface EchoLoopOptions {
  echoCancel: 'on' | 'off' | 'auto';
  /** The microphone's stop spotter (`session.estop.spotter`; default on, as shipped): half the loop's CPU. */
  stopSpotter?: boolean;
  /** Speaker → microphone delay of the simulated room; a list: one per command, in turn (it changes while the agent is silent). */
  delayMs: number | readonly number[];
  /** Echo level relative to what played. */
  echoGainDb?: number;
  /**
   * The echo's direct sound over the user's voice at the microphone, dB (-6: the speaker 6 dB quieter
   * than the user; 10: louder). Absent: the user's voice as flite speaks it (about the agent's own level).
   */
  speakerOverUserDb?: number;
  reverbMs?: number;
  /** Spacing of the room's reverberant taps (see echo-path.ts); default 2.5 ms. */
  tailTapMs?: number;
  /** The client's rate, microphone and speaker (the session resamples). Default 16 kHz. */
  clientRateHz?: 16_000 | 24_000;
  /** `bus`: a device on the bus (default); `realtime`: a Realtime client, `noise_reduction` as given (default `far_field`). */
  path?: 'bus' | 'realtime';
  /** The Realtime client's `audio.input.noise_reduction` (realtime path only). */
  noiseReduction?: { type: 'near_field' | 'far_field' } | null;
  replies: number;
  bargeIns: number;
  /** More `audio.*` settings (tail, residual suppression). */
  audio?: Record<string, unknown>;
  /** Every bus message of the session but audio, as it comes (for tracing a cell). */
  onMessage?: (message: BusMessage & { atMs: number }) => void;
  /** A third phase: the user speaks while the robot speaks, at chosen moments (see echo-overlap.ts). */
  overlaps?: readonly OverlapCase[];
}

export interface EchoLoopResult {
  /** Replies to the first phase's commands that started playing. */
  replies: number;
  /** Replies of the first phase cut short while the user was silent. */
  falseBargeIns: number;
  /** VAD speech starts while the user was silent (first phase). */
  falseSpeechStarts: number;
  /** Second phase: barge-ins attempted, and how many of those replies stopped. */
  bargeInsAttempted: number;
  bargeInsStopped: number;
  /** What the recognizer heard in the first phase, in order (the commands, if nothing else was heard). */
  commandTranscripts: string[];
  /** The commands the user gave in the first phase. */
  commands: string[];
  /** Simulated seconds. */
  simulatedSeconds: number;
  /** The echo step's alignment at the end (undefined without echo cancellation). */
  echoDelay?: { alignedMs: number; estimatedMs: number | undefined; moves: number } | undefined;
  /** CPU time (user + system) the whole process spent per simulated second of session (engines and the simulated room included), ms. */
  cpuMsPerSecond: number;
  /** CPU time of the session's input conditioner (echo step included) per 20 ms microphone frame, µs. */
  conditionerMicrosPerFrame: number;
  /** The third phase's cases, in order, with what came of each. */
  overlaps: OverlapOutcome[];
}

const speech = new Map<string, Int16Array>();

async function say(text: string, voice: string): Promise<Int16Array> {
  const key = `${voice}|${text}`;
  const cached = speech.get(key);
  if (cached) return cached;
  const parts: Uint8Array[] = [];
  for await (const c of createFliteTts({ voice }).synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  const bytes = Buffer.concat(parts);
  const samples = new Int16Array(bytes.byteLength >> 1);
  new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 2));
  speech.set(key, samples);
  return samples;
}

/** Active RMS of speech: over 20 ms frames above -50 dBFS (pauses do not count). */
function activeRms(samples: Int16Array): number {
  let sum = 0;
  let n = 0;
  for (let at = 0; at + FRAME_SAMPLES <= samples.length; at += FRAME_SAMPLES) {
    let e = 0;
    for (let i = at; i < at + FRAME_SAMPLES; i++) e += samples[i]! * samples[i]!;
    if (e / FRAME_SAMPLES > (32768 * 10 ** (-50 / 20)) ** 2) {
      sum += e;
      n += FRAME_SAMPLES;
    }
  }
  return n > 0 ? Math.sqrt(sum / n) : 1;
}

export async function runEchoLoop(options: EchoLoopOptions): Promise<EchoLoopResult> {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const rate = options.clientRateHz ?? RATE;
  const frameSamples = (rate * FRAME_MS) / 1000;
  const config = loadConfig({
    overrides: {
      audio: { echoCancel: options.echoCancel, ...(rate !== RATE ? { outputRateHz: rate } : {}), ...options.audio },
      ...(options.stopSpotter === false ? { session: { estop: { spotter: false } } } : {}),
    },
  });
  const pool = buildEngines(config, { clock });
  await pool.warmUp();
  const inFlight = new Set<Promise<unknown>>();
  const track = (engines: BoundEngines) => trackedEngines(engines, inFlight);
  const session: LoopSession =
    options.path === 'realtime'
      ? await openRealtimeLoopSession({
          pool,
          bus,
          clock,
          rateHz: rate,
          track,
          noiseReduction: options.noiseReduction === undefined ? { type: 'far_field' } : options.noiseReduction,
        })
      : await openBusLoopSession({ pool, bus, clock, rateHz: rate, track });
  const seen: Array<BusMessage & { atMs: number }> = [];
  bus.subscribe(`va.${session.sessionId}.>`, (m) => {
    if (m.type === 'audio.frame' || m.type === 'vad.audio' || m.type === 'tts.chunk') return;
    seen.push(m as BusMessage & { atMs: number });
    options.onMessage?.(m as BusMessage & { atMs: number });
  });
  await session.ready();

  const delays = typeof options.delayMs === 'number' ? [options.delayMs] : options.delayMs;
  const rooms = delays.map((delayMs) =>
    createEchoPath({
      sampleRateHz: rate,
      delayMs,
      gainDb: options.echoGainDb ?? -6,
      reverbMs: options.reverbMs ?? 150,
      ...(options.tailTapMs ? { tailTapMs: options.tailTapMs } : {}),
      seed: 7,
    }),
  );
  let room = rooms[0]!;
  /** The user's level: flite's own, or set against the agent's so the echo's direct sound is `speakerOverUserDb` over it. */
  const agentRms = activeRms(await say(LOOP_COMMANDS.join('. '), 'kal16'));
  const userGain = async (samples: Int16Array) => {
    if (options.speakerOverUserDb === undefined) return 1;
    const echoRms = agentRms * 10 ** ((options.echoGainDb ?? -6) / 20);
    return echoRms / 10 ** (options.speakerOverUserDb / 20) / activeRms(samples);
  };
  const toRate = rate === RATE ? undefined : await createResampler({ fromHz: RATE, toHz: rate });
  /** A user utterance (16 kHz) at the client's rate and level. */
  const atUserLevel = async (samples: Int16Array) => {
    const gain = await userGain(samples);
    let out = Int16Array.from(samples, (x) => Math.max(-32768, Math.min(32767, Math.round(x * gain))));
    if (toRate) {
      const bytes = Buffer.concat([toRate.process(new Uint8Array(out.buffer)), toRate.flush()]);
      out = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
    }
    return out;
  };
  const userSays = async (text: string, voice: string) => atUserLevel(await say(text, voice));
  /** The user's utterances on the sample timeline, and the spans the user was talking (with the VAD's hangover). */
  const userSpeech: Array<{ start: number; samples: Int16Array }> = [];
  const userBusy: Array<[number, number]> = [];
  let now = 0;
  let noise = 12345;
  let conditionerMicros = 0;
  let conditionerFrames = 0;
  const cpuStart = process.cpuUsage();
  const step = async () => {
    now += FRAME_MS;
    await clock.advanceTo(now);
    // Engines in flight finish before time moves on (their real time is not the session's).
    await settleInFlight(inFlight, clock, now);
    const start = (now - FRAME_MS) * (rate / 1000);
    const mic = room.render(session.played, start, frameSamples);
    for (const u of userSpeech) {
      const from = Math.max(start, u.start);
      const to = Math.min(start + frameSamples, u.start + u.samples.length);
      for (let i = from; i < to; i++) mic[i - start] = mic[i - start]! + u.samples[i - u.start]!;
    }
    const frame = new Int16Array(frameSamples);
    for (let i = 0; i < frameSamples; i++) {
      noise = (Math.imul(noise, 1664525) + 1013904223) >>> 0;
      frame[i] = Math.max(-32768, Math.min(32767, Math.round(mic[i]! + NOISE_FLOOR * ((noise / 0x1_0000_0000) * 2 - 1))));
    }
    session.pushMic(frame);
  };
  session.onConditioned((micros) => {
    conditionerMicros += micros;
    conditionerFrames++;
  });
  const speak = (samples: Int16Array) => {
    const start = now * (rate / 1000);
    userSpeech.push({ start, samples });
    // Busy until the VAD's hangover (600 ms) and the barge-in decision after it have passed.
    userBusy.push([now, now + (samples.length / rate) * 1000 + 1000]);
    return now + (samples.length / rate) * 1000;
  };
  const userSilentAt = (atMs: number) => userBusy.every(([from, to]) => atMs < from || atMs > to);
  const runUntil = async (done: () => boolean, limitMs: number) => {
    const deadline = now + limitMs;
    while (!done() && now < deadline) await step();
  };
  const idle = () => session.matches(DialogState.idle);
  const openActions = () => {
    const open = new Set<string>();
    for (const m of seen) {
      const id = (m as { actionId?: string }).actionId;
      if (id === undefined) continue;
      if (m.type === 'action.request') open.add(id);
      else if (m.type === 'action.result' || m.type === 'action.failed' || m.type === 'action.cancelled' || m.type === 'action.rejected') open.delete(id);
    }
    return open.size;
  };
  /**
   * The agent is silent: the device may re-buffer, and the next reply's delay may differ. The room
   * changes once nothing the speaker played is still in the air (of either room), as in a real one.
   */
  const nextRoom = async (next: EchoPath) => {
    if (next === room) return;
    const span = Math.max(next.maxLag, room.maxLag) + frameSamples;
    const silent = () => session.played(now * (rate / 1000) - span, span).every((x) => x === 0);
    await runUntil(silent, TURN_LIMIT_MS);
    room = next;
  };
  const count = (type: string, since: number) => seen.filter((m, i) => i >= since && m.type === type).length;

  // Phase 1: commands, each answered in full while the user listens.
  const phaseStart = seen.length;
  const commands = Array.from({ length: options.replies }, (_, i) => LOOP_COMMANDS[i % LOOP_COMMANDS.length]!);
  for (const [i, command] of commands.entries()) {
    await nextRoom(rooms[i % rooms.length]!);
    const endsAt = speak(await userSays(command, USER_VOICES[i % USER_VOICES.length]!));
    const before = seen.length;
    await runUntil(() => now > endsAt && count('playback.started', before) > 0 && idle(), TURN_LIMIT_MS);
    // The robot's action (simulated) runs on after the reply: the next command would cancel it, and its
    // follow-up ("I could not …") would be cut by the user, not by the echo. Wait for it to end.
    await runUntil(() => openActions() === 0 && idle(), ACTION_LIMIT_MS);
    const quietUntil = now + QUIET_AFTER_REPLY_MS;
    await runUntil(() => now >= quietUntil, QUIET_AFTER_REPLY_MS);
  }
  const phase1 = seen.slice(phaseStart);
  const replies = new Set(phase1.filter((m) => m.type === 'playback.started').map((m) => m.turnId)).size;
  const falseBargeIns = phase1.filter((m) => m.type === 'playback.stopped' && userSilentAt(m.atMs)).length;
  const falseSpeechStarts = phase1.filter((m) => m.type === 'vad.speech_start' && userSilentAt(m.atMs)).length;
  const commandTranscripts = phase1.filter((m) => m.type === 'stt.final').map((m) => ('text' in m ? String(m.text) : ''));

  // Phase 2: the user talks over the long greeting.
  let bargeInsStopped = 0;
  for (let i = 0; i < options.bargeIns; i++) {
    await nextRoom(rooms[(options.replies + i) % rooms.length]!);
    const before = seen.length;
    speak(await userSays('hello robot', USER_VOICES[i % USER_VOICES.length]!));
    await runUntil(() => seen.slice(before).some((m) => m.type === 'playback.started' && m.kind !== 'filler'), TURN_LIMIT_MS);
    const greeting = seen.slice(before).find((m) => m.type === 'playback.started')?.turnId;
    const interruptAt = now + BARGE_IN_AFTER_MS;
    await runUntil(() => now >= interruptAt, BARGE_IN_AFTER_MS);
    speak(await userSays(LOOP_COMMANDS[i % LOOP_COMMANDS.length]!, USER_VOICES[(i + 1) % USER_VOICES.length]!));
    const stopped = () => seen.slice(before).some((m) => m.type === 'playback.stopped' && m.turnId === greeting);
    await runUntil(() => stopped() || seen.slice(before).some((m) => m.type === 'playback.finished' && m.turnId === greeting), TURN_LIMIT_MS);
    if (greeting !== undefined && stopped()) bargeInsStopped++;
    await runUntil(idle, TURN_LIMIT_MS);
    // As in the first phase: the interrupting command's action speaks its outcome after its reply; the
    // next greeting is asked for once it has, not over it.
    await runUntil(() => openActions() === 0 && idle(), ACTION_LIMIT_MS);
    const quietUntil = now + QUIET_AFTER_REPLY_MS;
    await runUntil(() => now >= quietUntil, QUIET_AFTER_REPLY_MS);
  }

  const context: LoopContext = {
    now: () => now,
    seen,
    speak,
    runUntil,
    idle,
    atUserLevel,
    say: (text, voice) => say(text, voice),
    userSilentAt,
  };
  // The third phase's follow-ups are the reference robot's outcomes ("Arrived at the kitchen."), fast enough
  // that each motion ends within a second; the first two phases keep no executor (their actions fail aloud).
  const robot = options.overlaps ? serveActions({ bus, clock, handlers: createRobotSimulator({ clock, speedMps: 10, turnDegPerS: 900 }).handlers }) : undefined;
  const overlaps = options.overlaps ? await runOverlaps(context, options.overlaps) : [];
  await robot?.close();

  const cpu = process.cpuUsage(cpuStart);
  const echoDelay = session.echoDelay();
  toRate?.close();
  await session.stop();
  await bus.close();
  return {
    replies,
    falseBargeIns,
    falseSpeechStarts,
    bargeInsAttempted: options.bargeIns,
    bargeInsStopped,
    commandTranscripts,
    commands,
    simulatedSeconds: now / 1000,
    echoDelay,
    cpuMsPerSecond: (cpu.user + cpu.system) / now,
    conditionerMicrosPerFrame: conditionerFrames > 0 ? conditionerMicros / conditionerFrames : 0,
    overlaps,
  };
}
