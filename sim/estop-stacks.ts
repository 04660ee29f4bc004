/**
 * The two stacks the e-stop bench speaks to, built from the configuration as the product builds them:
 *
 * - **local 16 kHz**: the engine pool and session host exactly as `voice-agent run` wires them (WebRTC VAD
 *   → pocketsphinx with the robot grammar → the rule policy → flite), 16 kHz microphone frames pushed into
 *   the session in real time, a recording sink playing the reply in real time;
 * - **realtime 24 kHz**: `serve` in this process and a Realtime WebSocket client sending 24 kHz
 *   `input_audio_buffer.append` frames in real time (the server resamples them with the shipped microphone
 *   resampler); the reply is asked for with `conversation.item.create` + `response.create`.
 *
 * The rule policy is the examples' robot rules plus one rule with a long reply (typed "tell me a story"),
 * so a stop phrase or a command lands in the middle of a reply. What happened is read on the server's bus
 * (every message of the session, timestamped on arrival), the same clock as the microphone's.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { parseActionDeclaration, type ActionDeclaration } from '../adapters/actions/declaration.js';
import { systemClock } from '../adapters/clock.js';
import { createRecordingSink } from '../adapters/audio/recording-sink.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import { jsgfSentences } from '../adapters/stt/jsgf-sentences.js';
import { loadConfig, type AppConfig } from '../runtime/config.js';
import { buildEngines } from '../runtime/engine-pool.js';
import { silentLogger } from '../runtime/logger.js';
import { serve } from '../server/serve.js';
import { assembleSession } from '../runtime/assemble-session.js';

/** What the user types to get a long reply. */
export const STORY_PROMPT = 'tell me a story';
/** About 25 s of speech: long enough that every phrase lands inside it. */
export const STORY =
  'Once upon a time a small robot lived in a busy workshop. Every morning it rolled from the charging station to ' +
  'the door, ' +
  'greeted the people who came in, and carried their tools from one bench to the next. One day the workshop was ' +
  'quiet, ' +
  'and the robot decided to explore the garden behind the kitchen, where it found a cat asleep in the sun. ' +
  'The robot waited patiently until the cat woke up, and from that day on the two of them watched the sunset ' +
  'together every evening.';

/**
 * The robot grammar's actions as the bench declares them (the rule policy's intents, now tool calls): no
 * executor answers, so each request later fails its accept timeout; the bench only counts the requests.
 */
export const BENCH_ACTIONS: ActionDeclaration[] = [
  {
    name: 'move',
    description: 'Drive forward or backward.',
    parameters: { type: 'object', properties: { direction: { type: 'string' }, meters: { type: 'string' } } },
  },
  {
    name: 'turn',
    description: 'Turn left or right.',
    parameters: { type: 'object', properties: { direction: { type: 'string' } } },
  },
  {
    name: 'navigate',
    description: 'Drive to a named place.',
    parameters: { type: 'object', properties: { place: { type: 'string' } } },
  },
  { name: 'stop', description: 'Stop moving.' },
].map((a) => parseActionDeclaration(a, 'bench action'));

/** A message seen on the session's bus, and when (performance.now() ms). */
export interface Seen {
  atMs: number;
  message: BusMessage;
}

export interface StackUnderTest {
  name: string;
  rateHz: number;
  /** Every message of the session so far, in arrival order. */
  seen: Seen[];
  /** One microphone frame (s16le mono at `rateHz`). */
  sendFrame(frame: Uint8Array): void;
  /** Asks for the long reply (typed). */
  askForStory(): void;
  /** Cancels whatever is being said (between trials). */
  hush(): void;
  state(): string;
  close(): Promise<void>;
}

/** The examples' rules with a long-reply rule first; written to a temporary file (the rule policy reads a path). */
export function benchRulesPath(): string {
  const rules = JSON.parse(readFileSync('examples/robot-rules.json', 'utf8')) as { rules: unknown[] };
  rules.rules.unshift({ id: 'story', patterns: [STORY_PROMPT], reply: STORY });
  const path = join(mkdtempSync(join(tmpdir(), 'va-estop-')), 'rules.json');
  writeFileSync(path, JSON.stringify(rules));
  return path;
}

/**
 * The grammar at `grammarPath` with every stop phrase it cannot say added as a sentence of its public
 * `<command>` rule (a temporary file), or the path itself when it says them all. A grammar decoder only
 * ever transcribes its own sentences: a stop phrase outside the grammar can never be spotted.
 */
export function grammarWithStopPhrases(
  grammarPath: string,
  phrases: readonly string[],
): { path: string; added: string[] } {
  const text = readFileSync(grammarPath, 'utf8');
  const sentences = new Set(jsgfSentences(text));
  const added = phrases.filter((p) => !sentences.has(p.toLowerCase()));
  if (added.length === 0) return { path: grammarPath, added };
  const rule = /public\s+<command>\s*=([^;]*);/;
  if (!rule.test(text)) throw new Error(`${grammarPath} has no public <command> rule to add the stop phrases to`);
  const path = join(mkdtempSync(join(tmpdir(), 'va-estop-')), 'grammar.jsgf');
  writeFileSync(
    path,
    text.replace(rule, (_, body: string) => `public <command> =${body} | ${added.join(' | ')};`),
  );
  return { path, added };
}

/** The configuration both stacks run: the defaults (the local stack), the bench's rules, `extra` on top. */
export function estopConfig(extra: Record<string, unknown> = {}): AppConfig {
  return loadConfig({
    overrides: {
      llm: { engine: 'rules', rulesPath: benchRulesPath() },
      server: { port: 0, logLevel: 'error' },
      ...extra,
    },
  });
}

function tap(bus: MessageBus, sessionId: string, seen: Seen[]): () => void {
  const sub = bus.subscribe(bus.subjects.forSession(sessionId), (message) =>
    seen.push({ atMs: performance.now(), message }),
  );
  return () => sub.unsubscribe();
}

/** The local stack, as `voice-agent run` builds it. */
export async function startLocalStack(config: AppConfig): Promise<StackUnderTest> {
  const clock = systemClock;
  const sessionId = 'estop-local';
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const pool = buildEngines(config, { clock });
  await pool.warmUp();
  const seen: Seen[] = [];
  const untap = tap(bus, sessionId, seen);
  const { session, release } = await assembleSession(pool, {
    sessionId,
    bus,
    clock,
    sink: createRecordingSink(clock, config.audio.outputRateHz),
    sinkKind: 'file',
    config: { ...pool.runtime.config, declaredActions: BENCH_ACTIONS },
  });
  await session.ready();
  const rateHz = config.audio.inputRateHz;
  return {
    name: `local ${rateHz / 1000} kHz`,
    rateHz,
    seen,
    sendFrame: (frame) => session.pushAudio(frame, rateHz),
    askForStory: () => session.sendText(STORY_PROMPT),
    hush: () => session.stopSpeaking(),
    state: () => session.state(),
    async close() {
      untap();
      await session.stop();
      release();
      await bus.close();
    },
  };
}

/** `serve` in this process and one Realtime WebSocket client at 24 kHz. */
export async function startRealtimeStack(config: AppConfig): Promise<StackUnderTest> {
  const server = await serve({ config, log: silentLogger });
  // Until the configuration declares actions, the sessions' runtime options are given the bench's.
  Object.assign(server.pool.runtime.config, { declaredActions: BENCH_ACTIONS });
  const url = `${server.http.url.replace(/^http/, 'ws')}/v1/realtime`;
  const ws = new WebSocket(url);
  const sessionId = await new Promise<string>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const event = JSON.parse(String(data)) as { type: string; session?: { id?: string } };
      if (event.type === 'session.created' && event.session?.id) resolve(event.session.id);
    });
  });
  const seen: Seen[] = [];
  const untap = tap(server.bus, sessionId, seen);
  const send = (event: object) => ws.send(JSON.stringify(event));
  let state = 'idle';
  const stateSub = server.bus.subscribe(server.bus.subjects.forEvent(sessionId, 'session.state'), (m) => {
    if (m.type === 'session.state') state = m.value;
  });
  return {
    name: 'realtime 24 kHz',
    rateHz: 24_000,
    seen,
    sendFrame: (frame) =>
      send({
        type: 'input_audio_buffer.append',
        audio: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64'),
      }),
    askForStory() {
      send({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: STORY_PROMPT }] },
      });
      send({ type: 'response.create' });
    },
    hush: () => send({ type: 'response.cancel' }),
    state: () => state,
    async close() {
      untap();
      stateSub.unsubscribe();
      ws.close();
      await server.stop();
    },
  };
}
