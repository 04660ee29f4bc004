/**
 * A live session on controlled fakes: the real session host, chart, stage actors and in-process bus,
 * on a ManualClock, with drivers that make each stage produce its next message on purpose. Used by the
 * model-based walk and the randomized interleavings; it records coverage and checks the invariants.
 */
import type { AnyStateNode, InspectionEvent } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import type { AudioSink } from '../../adapters/audio/sink.js';
import { createPacedSink } from '../../adapters/audio/testing/paced-sink.js';
import { createControlledLlm } from '../../adapters/llm/testing/controlled-llm.js';
import { createControlledStt } from '../../adapters/stt/testing/controlled-stt.js';
import { createControlledTts, type ControlledTts } from '../../adapters/tts/testing/controlled-tts.js';
import { ManualClock, settle } from '../../adapters/testing/manual-clock.js';
import { grammarCompletion } from '../../adapters/turn/turn-completion.js';
import { createFakeVad, makeSilenceFrame, makeSpeechFrame } from '../../adapters/vad/testing/fake-vad.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage, MessageOf, MessageType } from '../../bus/messages.js';
import type { SessionConfigInput } from '../../machines/config.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { startSession, type SessionHandle, type StartSessionOptions } from '../../runtime/session-host.js';

export const SAMPLE_RATE_HZ = 16_000;
type PlaybackReport = MessageOf<'playback.stopped'> | MessageOf<'playback.finished'>;
const FRAME_MS = 20;
/** The one sentence the harness's command grammar holds: a partial with these words is a complete command. */
export const COMPLETE_COMMAND = 'hello robot';
const BYTES_PER_MS = (SAMPLE_RATE_HZ * 2) / 1000;
/** Frames the default segmenter needs: a 60 ms start window, a 600 ms hangover. */
const SPEECH_BATCH = 3;
const SILENCE_BATCH = 30;

/**
 * What the device saw, kept as running tallies (the randomized test makes millions of frames, so the
 * invariants must not rescan a log): frames written and dropped per turn, and frames written after the
 * turn's cancel (must stay empty).
 */
export interface SinkLedger {
  written: Map<string, number>;
  dropped: Map<string, number>;
  cancelled: Set<string>;
  framesAfterCancel: string[];
  lastTurn: string | undefined;
}

/** Every transition definition of the chart, keyed `<source id>|<event>|<index>`, plus every state node. */
export function chartInventory() {
  const nodes = [sessionMachine.root, ...getStateNodes(sessionMachine.root)];
  const transitions = new Set<string>();
  for (const node of nodes) {
    for (const [eventType, list] of node.transitions)
      list.forEach((_, i) => transitions.add(`${node.id}|${eventType}|${i}`));
    node.always?.forEach((_, i) => transitions.add(`${node.id}||${i}`));
  }
  return { states: new Set(nodes.filter((n) => n !== sessionMachine.root).map((n) => n.id)), transitions };
}

function transitionKey(t: { source: AnyStateNode; eventType: string }): string {
  const list = t.eventType === '' ? (t.source.always ?? []) : (t.source.transitions.get(t.eventType) ?? []);
  return `${t.source.id}|${t.eventType}|${list.indexOf(t as never)}`;
}

export interface Coverage {
  states: Set<string>;
  transitions: Set<string>;
}

export function createCoverage(): Coverage {
  return { states: new Set(), transitions: new Set() };
}

export interface LiveHarnessOptions {
  config?: SessionConfigInput;
  coverage?: Coverage;
  /**
   * An observer attached to the chart before it starts (e.g. a session recorder), made with the harness's bus and
   * clock.
   */
  attach?: (world: { bus: MessageBus; clock: ManualClock }) => NonNullable<StartSessionOptions['attach']>;
}

export async function createLiveHarness(options: LiveHarnessOptions = {}) {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const llm = createControlledLlm();
  const stt = createControlledStt();
  const ttsEngines: ControlledTts[] = [createControlledTts({ name: 'tts-a' }), createControlledTts({ name: 'tts-b' })];
  const device = createPacedSink({ clock, sampleRateHz: SAMPLE_RATE_HZ, frameMs: FRAME_MS });
  const ledger: SinkLedger = {
    written: new Map(),
    dropped: new Map(),
    cancelled: new Set(),
    framesAfterCancel: [],
    lastTurn: undefined,
  };
  const sink: AudioSink = {
    sampleRateHz: SAMPLE_RATE_HZ,
    write(frame, meta) {
      if (ledger.cancelled.has(meta.turnId)) ledger.framesAfterCancel.push(meta.turnId);
      ledger.written.set(meta.turnId, (ledger.written.get(meta.turnId) ?? 0) + 1);
      ledger.lastTurn = meta.turnId;
      device.write(frame, meta);
    },
    clear() {
      const dropped = device.clear();
      // The device only ever buffers the turn that wrote last.
      if (ledger.lastTurn !== undefined)
        ledger.dropped.set(ledger.lastTurn, (ledger.dropped.get(ledger.lastTurn) ?? 0) + dropped);
      return dropped;
    },
    bufferedMs: () => device.bufferedMs(),
  };
  const messages: BusMessage[] = [];
  // The first report of a turn is the playback actor's; tests may inject stale copies later.
  const reports = new Map<string, PlaybackReport>();
  bus.subscribe(`${bus.prefix}.>`, (m) => {
    if (m.type === 'audio.frame' || m.type === 'vad.audio' || m.type === 'tts.chunk') return;
    messages.push(m);
    if ((m.type === 'playback.stopped' || m.type === 'playback.finished') && !reports.has(m.turnId))
      reports.set(m.turnId, m);
  });

  const coverage = options.coverage;
  let microsteps = 0;
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return;
    microsteps++;
    if (!coverage) return;
    const micro = event as InspectionEvent & {
      _transitions?: Array<{ source: AnyStateNode; eventType: string }>;
      snapshot: { _nodes?: AnyStateNode[] };
    };
    // A transition's source was active, even a transient one left in the same step (an initial router).
    for (const t of micro._transitions ?? []) {
      coverage.transitions.add(transitionKey(t));
      if (t.source.id !== 'session') coverage.states.add(t.source.id);
    }
    for (const node of micro.snapshot._nodes ?? []) if (node.id !== 'session') coverage.states.add(node.id);
  };

  const session: SessionHandle = startSession({
    sessionId: 'live',
    bus,
    clock,
    engines: {
      vad: createFakeVad({ sampleRateHz: SAMPLE_RATE_HZ, frameMs: FRAME_MS }),
      stt,
      llm,
      tts: ttsEngines,
      sink,
      turnCompletion: grammarCompletion([COMPLETE_COMMAND]),
    },
    config: options.config ?? {},
    inspect,
    ...(options.attach ? { attach: options.attach({ bus, clock }) } : {}),
  });
  session.actor.on('notice', (e) => {
    if (e.notice.code === 'reply_cancelled') ledger.cancelled.add(e.turnId);
  });
  if (coverage)
    for (const node of (session.actor.getSnapshot() as unknown as { _nodes: AnyStateNode[] })._nodes)
      if (node.id !== 'session') coverage.states.add(node.id);
  await settle();

  // The VAD's own utterance, tracked by turn id so an injected late `vad.speech_end` cannot fool the drivers.
  let vadSpeaking = false;
  let vadPaused = false;
  let vadTurn = '';
  bus.subscribe(bus.subjects.forStage('live', 'vad'), (m) => {
    if (m.type === 'vad.speech_start') [vadSpeaking, vadPaused, vadTurn] = [true, false, m.turnId];
    if (m.turnId !== vadTurn) return;
    if (m.type === 'vad.speech_end') [vadSpeaking, vadPaused] = [false, false];
    if (m.type === 'vad.pause') vadPaused = true;
    if (m.type === 'vad.resume') vadPaused = false;
  });

  const speech = makeSpeechFrame(SAMPLE_RATE_HZ, FRAME_MS, 1);
  const silence = makeSilenceFrame(SAMPLE_RATE_HZ, FRAME_MS);
  // Frames go in batches (enough for the segmenter to decide) so a driver costs a few settles, not dozens.
  const pushUntil = async (frame: Uint8Array, batch: number, done: () => boolean, what: string) => {
    for (let i = 0; i < 10 && !done(); i++) {
      for (let f = 0; f < batch; f++) session.pushAudio(frame, SAMPLE_RATE_HZ);
      await settle();
    }
    if (!done()) throw new Error(`VAD never reported ${what}`);
  };
  const activeTts = () => ttsEngines.flatMap((e) => e.activeRequests());

  const h = {
    clock,
    bus,
    session,
    llm,
    stt,
    ttsEngines,
    device,
    ledger,
    reports,
    messages,
    state: () => session.state(),
    matches: session.matches,
    context: () => session.actor.getSnapshot().context,
    settle,
    // ---- user
    async speechStart() {
      if (vadSpeaking) await pushUntil(silence, SILENCE_BATCH, () => !vadSpeaking, 'speech end');
      await pushUntil(speech, SPEECH_BATCH, () => vadSpeaking, 'speech start');
    },
    async speechEnd() {
      if (vadSpeaking) await pushUntil(silence, SILENCE_BATCH, () => !vadSpeaking, 'speech end');
    },
    /** A short silence inside the utterance: the VAD reports a pause, not yet its end. */
    async pause() {
      if (vadSpeaking && !vadPaused) await pushUntil(silence, 1, () => vadPaused, 'a pause');
    },
    async resume() {
      if (vadSpeaking && vadPaused) await pushUntil(speech, 1, () => !vadPaused, 'voice after the pause');
    },
    async text(text: string) {
      session.sendText(text);
      await settle();
    },
    async say(text: string, uninterruptible = false) {
      session.say(text, { uninterruptible });
      await settle();
    },
    async stop() {
      session.stopSpeaking();
      await settle();
    },
    async end() {
      await session.stop();
      await settle();
    },
    /** Publishes a message as another process would (a client's configure or truncate). */
    async publish<T extends MessageType>(message: Omit<MessageOf<T>, 'atMs'> & { type: T }) {
      bus.publish(message as never);
      await settle();
    },
    /** The LLM of the reply being prepared calls a tool. */
    async llmToolCall(name: string, args: Record<string, unknown> | string, callId = `call-${name}`) {
      llm.emitToolCall({ id: callId, name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });
      await settle();
    },
    // ---- STT
    /** A partial of the open utterance; with the engine's confidence so far (0..1) when given. */
    async sttPartial(text: string, confidence?: number) {
      stt.open()?.partial(text, confidence);
      await settle();
    },
    /** The final of the utterance being finalized; with a confidence (0..1) when given. */
    async sttFinal(text: string, confidence?: number, language?: string) {
      const s = [...stt.streams].reverse().find((x) => !x.settled && !x.options.signal.aborted && x.finishing);
      s?.final(text, confidence, language);
      await settle();
    },
    async sttFail() {
      const s = [...stt.streams].reverse().find((x) => !x.settled && !x.options.signal.aborted && x.finishing);
      s?.fail('controlled STT failure');
      await settle();
    },
    // ---- LLM
    async llmToken(token: string) {
      llm.emit(token);
      await settle();
    },
    async llmFinish() {
      llm.finish();
      await settle();
    },
    async llmFail() {
      llm.fail('controlled LLM failure');
      await settle();
    },
    // ---- TTS
    /** Pushes `ms` of audio to the oldest open TTS request; `final` ends that request. */
    async ttsAudio(ms: number, final: boolean) {
      const r = activeTts()[0];
      if (!r) return false;
      if (ms > 0) r.channel.push(toneBytes(ms));
      if (final) r.channel.close();
      await settle();
      return true;
    },
    async ttsFail() {
      const r = activeTts()[0];
      r?.channel.fail(new Error('controlled TTS failure'));
      await settle();
      return r !== undefined;
    },
    activeTts,
    // ---- time
    async advance(ms: number) {
      await clock.advance(ms);
    },
    /** Runs timers one by one until the chart takes a transition (re-entering counts) or `maxMs` has passed. */
    async advanceUntilChange(maxMs: number) {
      const before = microsteps;
      const limit = clock.now() + maxMs;
      while (microsteps === before) {
        const next = clock.nextDueMs();
        if (next === undefined || next > limit) break;
        await clock.advanceTo(next);
      }
      return microsteps !== before;
    },
    checkInvariants: (): void => checkInvariants(h),
  };
  return h;
}

export type LiveHarness = Awaited<ReturnType<typeof createLiveHarness>>;

function toneBytes(ms: number): Uint8Array {
  const bytes = new Uint8Array(Math.round(ms * BYTES_PER_MS));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < bytes.length / 2; i++) view.setInt16(i * 2, Math.round(6000 * Math.sin(i / 7)), true);
  return bytes;
}

import { checkInvariants } from './invariants.js';
export { checkInvariants, type InvariantView } from './invariants.js';
