/**
 * `voice-agent demo`: a scripted conversation on the deterministic fakes — a spoken question, a barge-in
 * over a long answer, a typed message — printing every state transition as the bus reports it (with the
 * event that caused it), the notices, then the per-turn timeline and what the agent remembers.
 *
 * Real time by default (about ten seconds); `--fast` runs the same script on a simulated clock (instant,
 * identical output); `--json` prints only the timelines and the history, as JSON.
 */
import { serveActions } from '../../adapters/actions/executor.js';
import { createRobotSimulator } from '../../adapters/actions/robot-simulator.js';
import { sleep, systemClock, type Clock } from '../../adapters/clock.js';
import type { ChatMessage } from '../../adapters/llm/types.js';
import {
  createFakeLlm,
  createFakeStt,
  createFakeTts,
  createFakeVad,
  createPacedSink,
  makeSilenceFrame,
  makeSpeechFrame,
  ManualClock,
} from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { TurnTimeline } from '../../bus/messages.js';
import type { HistoryEntry } from '../../machines/events.js';
import { assembleSession, givenEngines } from '../../runtime/assemble-session.js';
import type { SessionHandle } from '../../runtime/session-host.js';
import { clipText, createTimelineRecorder, formatTimelines } from '../../runtime/timeline.js';
import { parseCommandArgs } from './flags.js';

const SESSION_ID = 'demo';
/** Why 16 kHz / 20 ms: the microphone format the fake VAD (like WebRTC VAD and most STT) expects. */
const MIC_RATE_HZ = 16_000;
const FRAME_MS = 20;
/** The fake TTS speaks at the sink's rate, so its audio goes out without resampling. */
const TTS_RATE_HZ = 16_000;

/** What the fake STT "recognizes", utterance by utterance. */
const TRANSCRIPTS = ['what can you do', 'tell me about the weather', "wait, that's enough"];
const TYPED = 'What is your battery level?';

/** The fake LLM: a reply table keyed on the user's last words. The weather answer is long on purpose. */
const REPLIES: Array<[RegExp, string]> = [
  [/what can you do/i, 'I can move, fetch things and answer questions.'],
  [
    /weather/i,
    'Today is sunny and warm, with a light breeze from the west. In the evening it cools down, so take a jacket ' +
      'if you go out late, and maybe an umbrella for tomorrow.',
  ],
  [/enough|stop/i, "Okay, I'll be brief."],
  [/battery/i, 'Battery at eighty percent.'],
];
const FALLBACK_REPLY = 'Sorry, I did not catch that.';

export const replyTo = (userText: string): string =>
  REPLIES.find(([pattern]) => pattern.test(userText))?.[1] ?? FALLBACK_REPLY;
const replyFor = (messages: ChatMessage[]) =>
  replyTo([...messages].reverse().find((m) => m.role === 'user')?.content ?? '');

/** Column widths of the live log: kind, then `from → to`, so the causing events line up. */
const KIND_WIDTH = 6;
/** Why 41: `processing.reply.synthesizing+user.silent`, the longest state the demo passes through. */
const STATE_WIDTH = 41;
/**
 * A line of the live log: its time on the demo's clock, its kind, its text. Long texts are cut in it (the
 * history below shows them whole).
 */
type Log = (atMs: number, kind: string, text: string) => void;

export async function runDemo(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values } = parseCommandArgs(args, { fast: { type: 'boolean' }, json: { type: 'boolean' } });
  const fast = values.fast === true;
  const json = values.json === true;
  const clock: Clock = fast ? new ManualClock() : systemClock;
  const t0 = clock.now();
  const stamp = (atMs: number) => `[${String(Math.round(atMs - t0)).padStart(5)} ms]`;
  const log: Log = (atMs, kind, text) => {
    if (!json) out(`${stamp(atMs)} ${kind.padEnd(KIND_WIDTH)} ${text}`.trimEnd());
  };
  const bus = createMessageBus(createMemoryTransport(), { clock });
  if (!json) printIntro(out, fast);
  // Subscribed before the session starts, so the initial state is printed too.
  logSession(bus, log);
  // The reference robot executes the session's robot actions, and each step of their lifecycle is printed.
  const robot = serveActions({ bus, clock, handlers: createRobotSimulator({ clock }).handlers, sessionId: SESSION_ID });
  logActions(bus, log);
  const timeline = createTimelineRecorder(bus, SESSION_ID);
  const session = await startDemoSession(bus, clock);
  await session.ready();
  const mic = startMicrophone(session, clock);
  await runOnClock(clock, playScript(session, clock, mic, log));
  mic.on = false;
  await session.stop();
  printOutcome(out, json, timeline.turns(), session.history());
  timeline.close();
  await robot.close();
  await bus.close();
}

/** What the demo shows and how to read its lines. */
function printIntro(out: (line: string) => void, fast: boolean): void {
  out('voice-agent demo: a scripted conversation on the fake engines (energy VAD, scripted STT, a reply');
  const pace = fast
    ? 'on a simulated clock: instant, times as real time would show them'
    : 'in real time (about 10 seconds)';
  out(`table as the LLM, a tone as TTS), ${pace}.`);
  out('Each line is a bus message: session.state with the event that caused it, session.notice, llm.done;');
  out('"user" lines are the script. The chart: docs/session-chart.mmd; the design: docs/architecture.md.\n');
}

/** The session's state transitions (with the event that caused each), its notices and its replies. */
function logSession(bus: MessageBus, log: Log): void {
  let shownState = '';
  bus.subscribe(bus.subjects.forEvent(SESSION_ID, 'session.state'), (m) => {
    if (m.type !== 'session.state') return;
    const from = shownState || '(start)';
    shownState = m.value;
    log(m.atMs, 'state', `${from.padEnd(STATE_WIDTH)} → ${m.value.padEnd(STATE_WIDTH)}  (${m.event})`);
  });
  bus.subscribe(bus.subjects.forEvent(SESSION_ID, 'session.notice'), (m) => {
    if (m.type === 'session.notice') log(m.atMs, 'notice', `${m.code}: ${m.detail} (${m.turnId})`);
  });
  bus.subscribe(bus.subjects.forEvent(SESSION_ID, 'llm.done'), (m) => {
    if (m.type === 'llm.done')
      log(
        m.atMs,
        'llm',
        `reply to ${m.turnId} generated (${m.clauses} clause${m.clauses === 1 ? '' : 's'}): ` +
          `"${clipText(m.text, 64)}"`,
      );
  });
}

/** Each step of a robot action's lifecycle, with what it carries. */
function logActions(bus: MessageBus, log: Log): void {
  bus.subscribe(bus.subjects.forStage(SESSION_ID, 'action'), (m) => {
    if (!m.type.startsWith('action.') || !('actionId' in m)) return;
    const detail =
      m.type === 'action.request'
        ? `${m.name} ${JSON.stringify(m.arguments)}`
        : m.type === 'action.feedback'
          ? JSON.stringify(m.feedback)
          : m.type === 'action.result'
            ? JSON.stringify(m.result)
            : 'error' in m
              ? m.error
              : 'reason' in m
                ? m.reason
                : '';
    log(
      m.atMs,
      'action',
      `${m.type.slice('action.'.length)} ${m.actionId}${detail ? `: ${clipText(detail, 80)}` : ''} (${m.turnId})`,
    );
  });
}

/** The session on the fake engines, speaking into a sink paced on the clock. */
async function startDemoSession(bus: MessageBus, clock: Clock): Promise<SessionHandle> {
  const fakes = givenEngines({
    vad: createFakeVad({ sampleRateHz: MIC_RATE_HZ, frameMs: FRAME_MS }),
    stt: createFakeStt({ clock, transcripts: TRANSCRIPTS }),
    llm: createFakeLlm({ clock, reply: replyFor, firstTokenDelayMs: 120, tokenIntervalMs: 25 }),
    tts: [createFakeTts({ clock, sampleRateHz: TTS_RATE_HZ, latencyMs: 50, msPerWord: 200 })],
  });
  const { session } = await assembleSession(fakes, {
    sessionId: SESSION_ID,
    bus,
    clock,
    sink: createPacedSink({ clock, sampleRateHz: TTS_RATE_HZ }),
  });
  return session;
}

/** The scripted microphone: the user talks while `talking`; it stops once `on` is false. */
interface DemoMic {
  talking: boolean;
  on: boolean;
}

/** The microphone: a frame every 20 ms on the clock (drift-free), speech while `talking`, else silence. */
function startMicrophone(session: SessionHandle, clock: Clock): DemoMic {
  const speech = makeSpeechFrame(MIC_RATE_HZ, FRAME_MS, 7);
  const silence = makeSilenceFrame(MIC_RATE_HZ, FRAME_MS);
  const mic: DemoMic = { talking: false, on: true };
  let frames = 0;
  const micStartMs = clock.now();
  const next = () => {
    if (!mic.on) return;
    session.pushAudio(mic.talking ? speech : silence, MIC_RATE_HZ);
    frames++;
    clock.setTimeout(next, Math.max(0, micStartMs + frames * FRAME_MS - clock.now()));
  };
  next();
  return mic;
}

/** The script: a spoken question, a barge-in over a long answer, a typed message. */
async function playScript(session: SessionHandle, clock: Clock, mic: DemoMic, log: Log): Promise<void> {
  const speak = async (ms: number, text: string) => {
    log(clock.now(), 'user', `speaks "${text}" (${ms} ms of speech)`);
    mic.talking = true;
    await sleep(clock, ms);
    mic.talking = false;
  };
  const until = async (predicate: () => boolean) => {
    while (!predicate()) await sleep(clock, FRAME_MS);
  };
  const inState = (prefix: string) => () => session.state().startsWith(prefix);

  // 1. A spoken question, answered in full.
  await speak(800, TRANSCRIPTS[0]!);
  await until(inState('idle'));
  await sleep(clock, 200);
  // 2. A question with a long answer; about a second into it the user talks over the agent. After
  //    bargeIn.minSpeechMs (500 ms) of speech the reply is cancelled and the user keeps the floor.
  await speak(800, TRANSCRIPTS[1]!);
  await until(inState('speaking'));
  await sleep(clock, 1000);
  await speak(1000, TRANSCRIPTS[2]!);
  await until(inState('idle'));
  await sleep(clock, 200);
  // 3. A typed message: no VAD or STT, straight to the LLM.
  log(clock.now(), 'user', `types "${TYPED}"`);
  session.sendText(TYPED);
  await until(inState('processing'));
  await until(inState('idle'));
}

/** Waits for `done`; on a simulated clock, jumping from timer to timer until it settles. */
async function runOnClock(clock: Clock, done: Promise<void>): Promise<void> {
  if (clock instanceof ManualClock) {
    let finished = false;
    void done.finally(() => (finished = true));
    while (!finished) await clock.advanceTo(clock.nextDueMs() ?? clock.now() + FRAME_MS);
  }
  await done;
}

/** The per-turn timelines and the agent's history: as JSON, or as tables for the terminal. */
function printOutcome(
  out: (line: string) => void,
  json: boolean,
  turns: TurnTimeline[],
  history: readonly HistoryEntry[],
): void {
  if (json) {
    out(JSON.stringify({ turns, history }, null, 2));
    return;
  }
  out("\nPer-turn timeline (ms from the end of the user's speech; for a typed turn, from the LLM request):");
  for (const line of formatTimelines(turns).split('\n')) out(line.trimEnd());
  out('\nWhat the agent remembers (its history: an assistant turn holds only what the user heard):');
  for (const h of history) {
    out(`  ${h.turnId.padEnd(3)} ${h.role.padEnd(9)}  ${h.text}${h.interrupted ? '   [interrupted]' : ''}`);
    if (h.role === 'assistant' && h.interrupted) {
      const asked = history.find((u) => u.role === 'user' && u.turnId === h.turnId)?.text ?? '';
      const unheard = replyTo(asked).slice(h.text.length).trim();
      if (unheard) out(`  ${''.padEnd(3)} ${''.padEnd(9)}  (not heard, so not remembered: "${clipText(unheard, 60)}")`);
    }
  }
}
