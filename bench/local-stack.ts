/**
 * The local stack end to end, in real time: flite-spoken commands as microphone frames → WebRTC VAD →
 * pocketsphinx (JSGF) → rule policy → flite → output. Per turn, from the end of user speech (the VAD's
 * `speech_end`, which includes its 600 ms hangover) to the transcript, first token, first clause, TTS
 * first chunk and first audio frame.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../adapters/clock.js';
import { createRecordingSink } from '../adapters/audio/recording-sink.js';
import { createRulePolicy, loadRulesFile } from '../adapters/llm/rules.js';
import { createPocketsphinxStt } from '../adapters/stt/pocketsphinx.js';
import { createFliteTts } from '../adapters/tts/flite.js';
import { createFvadVad } from '../adapters/vad/fvad.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus } from '../bus/message-bus.js';
import { assembleSession, givenEngines } from '../runtime/assemble-session.js';
import { createTimelineRecorder } from '../runtime/timeline.js';
import { summarize, type Percentiles } from './stats.js';
import { DEFAULT_GRAMMAR_MLLR } from '../runtime/config.js';
import { DialogState } from '../machines/states.js';

const COMMANDS = [
  'move forward two meters',
  'turn left',
  'stop',
  'go to the kitchen',
  'hello robot',
  'turn right',
  'go backward one meter',
];
/**
 * Why 20 s: a command's turn (speech, hangover, reply, and an action's spoken outcome) takes under 10; past it nothing
 * heard the utterance.
 */
const TURN_LIMIT_MS = 20_000;

export interface LocalStackRow {
  scenario: 'local';
  utterances: number;
  recognized: number;
  stages: Record<
    'transcript' | 'firstToken' | 'firstClause' | 'ttsFirstChunk' | 'firstAudio',
    Percentiles & { p95: number }
  >;
}

export async function benchLocalStack(utterances: number, progress: (line: string) => void): Promise<LocalStackRow> {
  const clock = systemClock;
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const tts = createFliteTts();
  await tts.warmUp!();
  const stt = createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf', mllrPath: DEFAULT_GRAMMAR_MLLR });
  await stt.warmUp!();
  const engines = givenEngines({
    vad: await createFvadVad(),
    stt,
    llm: createRulePolicy(loadRulesFile('examples/robot-rules.json')),
    tts: [tts],
  });
  const { session } = await assembleSession(engines, {
    sessionId: 'local',
    bus,
    clock,
    publishState: false,
    sink: createRecordingSink(clock, 16_000),
  });
  const timeline = createTimelineRecorder(bus, 'local');
  // "stop" stops the robot at once (control.estop), before the utterance has ended: no reply, and no turn.
  let estops = 0;
  let speechEnds = 0;
  const watch = bus.subscribe(bus.subjects.forSession('local'), (m) => {
    if (m.type === 'control.estop') estops++;
    if (m.type === 'vad.speech_end') speechEnds++;
  });
  const speech = new Map<string, Uint8Array>();
  for (const c of COMMANDS) {
    const parts: Uint8Array[] = [];
    for await (const p of createFliteTts().synthesize({ text: c, signal: new AbortController().signal })) parts.push(p);
    speech.set(c, new Uint8Array(Buffer.concat(parts)));
  }
  let recognized = 0;
  const start = clock.now();
  let frame = 0;
  const push = async (pcm: Uint8Array) => {
    for (let i = 0; i < pcm.byteLength; i += 640) {
      const f = new Uint8Array(640);
      f.set(pcm.subarray(i, i + 640));
      session.pushAudio(f, 16_000);
      frame++;
      await sleep(Math.max(0, start + frame * 20 - clock.now()));
    }
  };
  for (let u = 0; u < utterances; u++) {
    const command = COMMANDS[u % COMMANDS.length]!;
    // The utterance's turn is the first one after those before it (an action adds a turn of its own, its spoken
    // outcome).
    const before = timeline.turns().length;
    const estopsBefore = estops;
    const speechEndsBefore = speechEnds;
    // A turn, or a stop once the utterance has ended (the next one would otherwise run on into it).
    const answered = () => timeline.turns().length > before || (estops > estopsBefore && speechEnds > speechEndsBefore);
    await push(speech.get(command)!);
    // Silence until the reply has played and the session is idle again, or the utterance was not heard at all.
    const silence = new Uint8Array(640);
    const giveUpAtMs = clock.now() + TURN_LIMIT_MS;
    do await push(silence);
    while ((!session.matches(DialogState.idle) || !answered()) && clock.now() < giveUpAtMs);
    const turn = timeline.turns()[before];
    const stopped = estops > estopsBefore;
    if (turn?.userText === command || (command === 'stop' && stopped)) recognized++;
    else if (!answered()) progress(`  "${command}": nothing within ${TURN_LIMIT_MS} ms (not heard); going on`);
    else if (turn) progress(`  "${command}" heard as "${turn.userText ?? ''}" (turn ${turn.turnId})`);
    if ((u + 1) % 5 === 0) progress(`  ${u + 1}/${utterances} utterances`);
  }
  const turns = timeline.turns().filter((t) => t.speechEndAtMs !== undefined && t.firstAudioAtMs !== undefined);
  const stage = (pick: (t: (typeof turns)[number]) => number | undefined) => {
    const values = turns
      .map((t) => pick(t))
      .filter((v): v is number => v !== undefined)
      .map((v) => v);
    const sorted = [...values].sort((a, b) => a - b);
    return {
      ...summarize(values),
      p95: Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]! * 100) / 100,
    };
  };
  const since = (t: (typeof turns)[number], at: number | undefined) =>
    at === undefined ? undefined : at - t.speechEndAtMs!;
  watch.unsubscribe();
  await session.stop();
  return {
    scenario: 'local',
    utterances,
    recognized,
    stages: {
      transcript: stage((t) => since(t, t.transcriptAtMs)),
      firstToken: stage((t) => since(t, t.firstTokenAtMs)),
      firstClause: stage((t) => since(t, t.firstClauseAtMs)),
      ttsFirstChunk: stage((t) => since(t, t.ttsFirstChunkAtMs)),
      firstAudio: stage((t) => since(t, t.firstAudioAtMs)),
    },
  };
}
