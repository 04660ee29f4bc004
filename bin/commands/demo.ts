/**
 * `voice-agent demo`: a scripted conversation on the deterministic fakes — a spoken question, a
 * barge-in over a long answer, a typed message — printing every state transition, the notices, the
 * per-turn timeline and what the agent remembers. Real time by default; `--fast` runs the same script on
 * a simulated clock (instant, identical output), `--json` prints the timelines as JSON.
 */
import type { InspectionEvent } from 'xstate';
import { sleep, systemClock, type Clock } from '../../adapters/clock.js';
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
import type { ChatMessage } from '../../adapters/llm/types.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { startSession } from '../../server/session-host.js';
import { stateValueToString } from '../../server/state-value.js';
import { createTimelineRecorder, formatTimelines } from '../../server/timeline.js';

const MIC_RATE_HZ = 16_000;
const FRAME_MS = 20;
const TTS_RATE_HZ = 16_000;

const REPLIES: Array<[RegExp, string]> = [
  [/what can you do/i, 'I can move around, fetch things and answer questions.'],
  [/weather/i, 'Today is sunny and warm, with a light breeze from the west. In the evening it cools down, so take a jacket if you go out late, and maybe an umbrella for tomorrow.'],
  [/enough|stop/i, 'Okay, I will keep it short.'],
  [/battery/i, 'My battery is at eighty percent.'],
];

function replyFor(messages: ChatMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  return REPLIES.find(([pattern]) => pattern.test(last))?.[1] ?? 'Sorry, I did not catch that.';
}

export async function runDemo(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const fast = args.includes('--fast');
  const json = args.includes('--json');
  const clock: Clock = fast ? new ManualClock() : systemClock;
  const t0 = clock.now();
  const at = () => `[${String(Math.round(clock.now() - t0)).padStart(5)} ms]`;
  const bus = createMessageBus(createMemoryTransport(), { clock });

  let lastEvent = '';
  let quiet = false;
  let lastState = '';
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.snapshot' || !('value' in (event.snapshot as object))) return;
    const state = stateValueToString((event.snapshot as unknown as { value: never }).value);
    const e = event.event as { type: string; turnId?: string };
    if (!e.type.startsWith('xstate.')) lastEvent = `${e.type}${e.turnId && e.turnId !== '-' ? ` ${e.turnId}` : ''}`;
    else if (e.type.startsWith('xstate.after')) lastEvent = `after ${e.type.split('.')[2]}`;
    if (state !== lastState && !json && !quiet) out(`${at()} ${lastState || '(start)'} → ${state}   (${lastEvent || 'start'})`);
    lastState = state;
  };

  const session = startSession({
    sessionId: 'demo',
    bus,
    clock,
    inspect,
    engines: {
      vad: createFakeVad({ sampleRateHz: MIC_RATE_HZ, frameMs: FRAME_MS }),
      stt: createFakeStt({ clock, transcripts: ['what can you do', 'tell me about the weather', "stop, that's enough"] }),
      llm: createFakeLlm({ clock, reply: replyFor, firstTokenDelayMs: 120, tokenIntervalMs: 25 }),
      tts: [createFakeTts({ clock, sampleRateHz: TTS_RATE_HZ, latencyMs: 60, msPerWord: 220 })],
      sink: createPacedSink({ clock, sampleRateHz: TTS_RATE_HZ }),
    },
  });
  const timeline = createTimelineRecorder(bus, 'demo');
  bus.subscribe(bus.subjects.forEvent('demo', 'session.notice'), (m) => {
    if (m.type === 'session.notice' && !json) out(`${at()}   notice ${m.code}: ${m.detail} (${m.turnId})`);
  });

  // The microphone: one frame every 20 ms, speech while `talking`, silence otherwise.
  let talking = false;
  let micOn = true;
  const speech = makeSpeechFrame(MIC_RATE_HZ, FRAME_MS, 7);
  const silence = makeSilenceFrame(MIC_RATE_HZ, FRAME_MS);
  const mic = () => {
    if (!micOn) return;
    session.pushAudio(talking ? speech : silence, MIC_RATE_HZ);
    clock.setTimeout(mic, FRAME_MS);
  };
  mic();
  const say = async (ms: number, what: string) => {
    if (!json) out(`${at()} user: "${what}" (speaking ${ms} ms)`);
    talking = true;
    await sleep(clock, ms);
    talking = false;
  };
  const until = async (predicate: () => boolean) => {
    while (!predicate()) await sleep(clock, FRAME_MS);
  };
  const idle = () => session.state().startsWith('idle');

  const script = async () => {
    await say(900, 'what can you do');
    await until(idle);
    await sleep(clock, 300);
    await say(1100, 'tell me about the weather');
    await until(() => session.state().startsWith('speaking'));
    await sleep(clock, 1500);
    await say(1200, "stop, that's enough");
    await until(idle);
    await sleep(clock, 300);
    if (!json) out(`${at()} user types: "What is your battery level?"`);
    session.sendText('What is your battery level?');
    await sleep(clock, 50);
    await until(idle);
  };

  const done = script();
  if (clock instanceof ManualClock) {
    let finished = false;
    void done.finally(() => (finished = true));
    while (!finished) await clock.advanceTo(clock.nextDueMs() ?? clock.now() + 1);
  }
  await done;
  micOn = false;
  quiet = true;

  const turns = timeline.turns();
  if (json) {
    out(JSON.stringify({ turns, history: session.history() }, null, 2));
  } else {
    out('\nPer-turn timeline (ms from the end of user speech, or from the request for typed turns):');
    out(formatTimelines(turns));
    out('\nWhat the agent remembers (assistant turns hold only what was heard):');
    for (const h of session.history()) out(`  ${h.role.padEnd(9)} ${h.turnId.padEnd(4)} ${h.interrupted ? '[interrupted] ' : ''}${h.text}`);
  }
  timeline.close();
  await session.stop();
  await bus.close();
}
