/**
 * The acoustic closed loop, on the simulated clock: a session built by the real engine pool on the local
 * stack (WebRTC VAD → pocketsphinx with the robot grammar → rules → flite, `audio.*` from the config)
 * whose speaker output is fed back into its own microphone through a simulated room (delay, level,
 * reverberant tail), while a user (other flite voices) speaks commands at chosen moments.
 *
 * Two phases: `replies` commands, each answered while the user stays silent (any reply cut short then
 * is a false barge-in: the agent interrupted itself); then `bargeIns` times the user asks for the long
 * greeting and talks over it half a second in (the reply must stop). A third, `overlaps`, when asked
 * for: the user speaks while the robot speaks (echo-overlap.ts).
 *
 * Real engines finish their work in real time while the simulated clock stands still: the loop waits
 * for every TTS request in flight before moving time on, so results do not depend on the machine's speed.
 *
 * The echo matrix (bench/echo-matrix.ts) varies the room — a delay per reply (one that jumps between
 * replies), the reverberation, the speaker's level over the user's at the microphone — the client's rate
 * (16 or 24 kHz, microphone and speaker) and the path: a device on the bus (`pushAudio`), or a Realtime
 * client (echo-loop-sessions.ts: base64 appends, audio deltas played by the client). The steps: the
 * session (echo-loop-sessions.ts, assembled by `assembleSession`), the simulated time and air
 * (echo-loop-timeline.ts), the user's voice (echo-loop-user.ts), then the phases below.
 */
import { createRobotSimulator } from '../adapters/actions/robot-simulator.js';
import { serveActions } from '../adapters/actions/executor.js';
import { ManualClock } from '../adapters/testing/manual-clock.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import { DialogState } from '../machines/states.js';
import { loadConfig } from '../runtime/config.js';
import { buildEngines, type BoundEngines } from '../runtime/engine-pool.js';
import { trackedEngines } from '../runtime/engines-in-flight.js';
import { openBusLoopSession, openRealtimeLoopSession, type LoopSession } from './echo-loop-sessions.js';
import { createLoopTimeline, TURN_LIMIT_MS, type LoopTimeline } from './echo-loop-timeline.js';
import { createUserVoice, say, type UserVoice } from './echo-loop-user.js';
import { runOverlaps, type LoopContext, type OverlapCase, type OverlapOutcome } from './echo-overlap.js';
import { createEchoPath } from './echo-path.js';

const RATE = 16_000;
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
/** Why 30 s: the simulated robot's longest action (navigation) with margin. */
const ACTION_LIMIT_MS = 30_000;
/** A barge-in starts this long after the greeting's first frame. */
const BARGE_IN_AFTER_MS = 500;

export interface EchoLoopOptions {
  echoCancel: 'on' | 'off' | 'auto';
  /** The microphone's stop spotter (`session.estop.spotter`; default on, as shipped): half the loop's CPU. */
  stopSpotter?: boolean;
  /**
   * Speaker → microphone delay of the simulated room; a list: one per command, in turn (it changes while the agent is
   * silent).
   */
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
  /**
   * `bus`: a device on the bus (default); `realtime`: a Realtime client, `noise_reduction` as given (default
   * `far_field`).
   */
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
  /**
   * CPU time (user + system) the whole process spent per simulated second of session (engines and the simulated room
   * included), ms.
   */
  cpuMsPerSecond: number;
  /** CPU time of the session's input conditioner (echo step included) per 20 ms microphone frame, µs. */
  conditionerMicrosPerFrame: number;
  /** The third phase's cases, in order, with what came of each. */
  overlaps: OverlapOutcome[];
}

type SeenMessage = BusMessage & { atMs: number };

/** The session under test, on its own simulated clock and bus, with the engines' work in flight tracked. */
interface LoopRig {
  clock: ManualClock;
  bus: MessageBus;
  session: LoopSession;
  inFlight: Set<Promise<unknown>>;
  /** Every bus message of the session but audio, in order. */
  seen: SeenMessage[];
}

/** The loop while it runs: its rig, its time and air, the user's voice, and what the phases ask of the session. */
interface Loop extends Omit<LoopRig, 'seen'>, LoopContext {
  seen: SeenMessage[];
  timeline: LoopTimeline;
  user: UserVoice;
  /** The room of each command in turn. */
  roomFor(turn: number): Promise<void>;
  /** Actions asked for and not yet ended (result, failure, cancel or refusal). */
  openActions(): number;
  /** Runs until no action is open and the session is idle, then 1.2 s more of quiet. */
  settleTurn(): Promise<void>;
}

/** Builds the engine pool from the loop's settings and opens the session on the path asked for. */
async function openLoopRig(options: EchoLoopOptions, rateHz: number): Promise<LoopRig> {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const config = loadConfig({
    overrides: {
      audio: { echoCancel: options.echoCancel, ...(rateHz !== RATE ? { outputRateHz: rateHz } : {}), ...options.audio },
      ...(options.stopSpotter === false ? { session: { estop: { spotter: false } } } : {}),
    },
  });
  const pool = buildEngines(config, { clock });
  await pool.warmUp();
  const inFlight = new Set<Promise<unknown>>();
  const track = (engines: BoundEngines) => trackedEngines(engines, inFlight);
  const noiseReduction = options.noiseReduction === undefined ? { type: 'far_field' as const } : options.noiseReduction;
  const session: LoopSession =
    options.path === 'realtime'
      ? await openRealtimeLoopSession({ pool, bus, clock, rateHz, track, noiseReduction })
      : await openBusLoopSession({ pool, bus, clock, rateHz, track });
  const seen: SeenMessage[] = [];
  bus.subscribe(`va.${session.sessionId}.>`, (m) => {
    if (m.type === 'audio.frame' || m.type === 'vad.audio' || m.type === 'tts.chunk') return;
    seen.push(m as SeenMessage);
    options.onMessage?.(m as SeenMessage);
  });
  await session.ready();
  return { clock, bus, session, inFlight, seen };
}

const ACTION_ENDS = new Set(['action.result', 'action.failed', 'action.cancelled', 'action.rejected']);

/** The rig with its rooms, the simulated time and air, and the user's voice: the loop the phases run. */
async function startLoop(options: EchoLoopOptions, rig: LoopRig, rateHz: number): Promise<Loop> {
  const echoGainDb = options.echoGainDb ?? -6;
  const delays = typeof options.delayMs === 'number' ? [options.delayMs] : options.delayMs;
  const rooms = delays.map((delayMs) =>
    createEchoPath({
      sampleRateHz: rateHz,
      delayMs,
      gainDb: echoGainDb,
      reverbMs: options.reverbMs ?? 150,
      ...(options.tailTapMs ? { tailTapMs: options.tailTapMs } : {}),
      seed: 7,
    }),
  );
  const { speakerOverUserDb } = options;
  const user = await createUserVoice({ rateHz, echoGainDb, speakerOverUserDb, agentLines: LOOP_COMMANDS });
  const { clock, session, inFlight } = rig;
  const timeline = createLoopTimeline({ clock, session, inFlight, rateHz, rooms });
  const idle = () => rig.session.matches(DialogState.idle);
  const openActions = () => {
    const open = new Set<string>();
    for (const m of rig.seen) {
      const id = (m as { actionId?: string }).actionId;
      if (id === undefined) continue;
      if (m.type === 'action.request') open.add(id);
      else if (ACTION_ENDS.has(m.type)) open.delete(id);
    }
    return open.size;
  };
  return {
    ...rig,
    timeline,
    user,
    now: timeline.now,
    speak: timeline.speak,
    runUntil: timeline.runUntil,
    userSilentAt: timeline.userSilentAt,
    idle,
    atUserLevel: user.atUserLevel,
    say,
    roomFor: (turn) => timeline.nextRoom(rooms[turn % rooms.length]!),
    openActions,
    async settleTurn() {
      await timeline.runUntil(() => openActions() === 0 && idle(), ACTION_LIMIT_MS);
      const quietUntil = timeline.now() + QUIET_AFTER_REPLY_MS;
      await timeline.runUntil(() => timeline.now() >= quietUntil, QUIET_AFTER_REPLY_MS);
    },
  };
}

/** Phase 1: `replies` commands, each answered in full while the user listens. */
async function runCommandPhase(loop: Loop, replies: number) {
  const phaseStart = loop.seen.length;
  const commands = Array.from({ length: replies }, (_, i) => LOOP_COMMANDS[i % LOOP_COMMANDS.length]!);
  const started = (since: number) => loop.seen.some((m, i) => i >= since && m.type === 'playback.started');
  for (const [i, command] of commands.entries()) {
    await loop.roomFor(i);
    const endsAt = loop.speak(await loop.atUserLevel(await say(command, USER_VOICES[i % USER_VOICES.length]!)));
    const before = loop.seen.length;
    await loop.runUntil(() => loop.now() > endsAt && started(before) && loop.idle(), TURN_LIMIT_MS);
    // The robot's action (simulated) runs on after the reply: the next command would cancel it, and its
    // follow-up ("I could not …") would be cut by the user, not by the echo. Wait for it to end.
    await loop.settleTurn();
  }
  const phase = loop.seen.slice(phaseStart);
  const whileSilent = (type: string) => phase.filter((m) => m.type === type && loop.userSilentAt(m.atMs)).length;
  return {
    commands,
    replies: new Set(phase.filter((m) => m.type === 'playback.started').map((m) => m.turnId)).size,
    falseBargeIns: whileSilent('playback.stopped'),
    falseSpeechStarts: whileSilent('vad.speech_start'),
    commandTranscripts: phase.filter((m) => m.type === 'stt.final').map((m) => ('text' in m ? String(m.text) : '')),
  };
}

/** One barge-in: the user asks for the long greeting and talks over it; whether that reply stopped. */
async function bargeIn(loop: Loop, i: number): Promise<boolean> {
  const before = loop.seen.length;
  const since = () => loop.seen.slice(before);
  loop.speak(await loop.atUserLevel(await say('hello robot', USER_VOICES[i % USER_VOICES.length]!)));
  await loop.runUntil(() => since().some((m) => m.type === 'playback.started' && m.kind !== 'filler'), TURN_LIMIT_MS);
  const greeting = since().find((m) => m.type === 'playback.started')?.turnId;
  const interruptAt = loop.now() + BARGE_IN_AFTER_MS;
  await loop.runUntil(() => loop.now() >= interruptAt, BARGE_IN_AFTER_MS);
  const command = LOOP_COMMANDS[i % LOOP_COMMANDS.length]!;
  loop.speak(await loop.atUserLevel(await say(command, USER_VOICES[(i + 1) % USER_VOICES.length]!)));
  const ended = (type: string) => since().some((m) => m.type === type && m.turnId === greeting);
  await loop.runUntil(() => ended('playback.stopped') || ended('playback.finished'), TURN_LIMIT_MS);
  return greeting !== undefined && ended('playback.stopped');
}

/** Phase 2: the user talks over the long greeting `bargeIns` times; how many of those replies stopped. */
async function runBargeInPhase(loop: Loop, replies: number, bargeIns: number): Promise<number> {
  let stopped = 0;
  for (let i = 0; i < bargeIns; i++) {
    await loop.roomFor(replies + i);
    if (await bargeIn(loop, i)) stopped++;
    await loop.runUntil(loop.idle, TURN_LIMIT_MS);
    // As in the first phase: the interrupting command's action speaks its outcome after its reply; the
    // next greeting is asked for once it has, not over it.
    await loop.settleTurn();
  }
  return stopped;
}

/** Phase 3: the user speaks while the robot speaks, at chosen moments (echo-overlap.ts). */
async function runOverlapPhase(loop: Loop, cases: readonly OverlapCase[] | undefined): Promise<OverlapOutcome[]> {
  if (!cases) return [];
  // The third phase's follow-ups are the reference robot's outcomes ("Arrived at the kitchen."), fast enough
  // that each motion ends within a second; the first two phases keep no executor (their actions fail aloud).
  const { bus, clock } = loop;
  const { handlers } = createRobotSimulator({ clock, speedMps: 10, turnDegPerS: 900 });
  const robot = serveActions({ bus, clock, handlers });
  const outcomes = await runOverlaps(loop, cases);
  await robot.close();
  return outcomes;
}

export async function runEchoLoop(options: EchoLoopOptions): Promise<EchoLoopResult> {
  const rateHz = options.clientRateHz ?? RATE;
  const loop = await startLoop(options, await openLoopRig(options, rateHz), rateHz);
  const cpuStart = process.cpuUsage();
  const phase1 = await runCommandPhase(loop, options.replies);
  const bargeInsStopped = await runBargeInPhase(loop, options.replies, options.bargeIns);
  const overlaps = await runOverlapPhase(loop, options.overlaps);
  const cpu = process.cpuUsage(cpuStart);
  const echoDelay = loop.session.echoDelay();
  loop.user.close();
  await loop.session.stop();
  await loop.bus.close();
  return {
    replies: phase1.replies,
    falseBargeIns: phase1.falseBargeIns,
    falseSpeechStarts: phase1.falseSpeechStarts,
    bargeInsAttempted: options.bargeIns,
    bargeInsStopped,
    commandTranscripts: phase1.commandTranscripts,
    commands: phase1.commands,
    simulatedSeconds: loop.now() / 1000,
    echoDelay,
    cpuMsPerSecond: (cpu.user + cpu.system) / loop.now(),
    conditionerMicrosPerFrame: loop.timeline.conditionerMicrosPerFrame(),
    overlaps,
  };
}
