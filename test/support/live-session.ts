/**
 * A live session on controlled fakes: the real session host, chart, stage actors and in-process bus,
 * on a ManualClock, with drivers that make each stage produce its next message on purpose. Used by the
 * model-based walk and the randomized interleavings; it records coverage and checks the invariants.
 */
import type { AnyStateNode, InspectionEvent } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import type { AudioSink } from '../../adapters/audio/sink.js';
import { createPacedSink } from '../../adapters/audio/testing/paced-sink.js';
import { createControlledLlm, type ControlledLlm } from '../../adapters/llm/testing/controlled-llm.js';
import { createControlledStt } from '../../adapters/stt/testing/controlled-stt.js';
import { createControlledTts, type ControlledTts, type ControlledTtsRequest } from '../../adapters/tts/testing/controlled-tts.js';
import { ManualClock, settle } from '../../adapters/testing/manual-clock.js';
import { grammarCompletion } from '../../adapters/turn/turn-completion.js';
import { createFakeVad, makeSilenceFrame, makeSpeechFrame } from '../../adapters/vad/testing/fake-vad.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage, MessageOf, MessageType } from '../../bus/messages.js';
import { checkCall } from '../../adapters/actions/catalog.js';
import type { SessionConfigInput } from '../../machines/config.js';
import { capPlayed, heardText } from '../../machines/history.js';
import { joinText } from '../../machines/resume.js';
import { sessionMachine } from '../../machines/session.machine.js';
import type { SessionContext } from '../../machines/session.setup.js';
import { startSession, type SessionHandle, type StartSessionOptions } from '../../server/session-host.js';

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
    for (const [eventType, list] of node.transitions) list.forEach((_, i) => transitions.add(`${node.id}|${eventType}|${i}`));
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
  /** An observer attached to the chart before it starts (e.g. a session recorder), made with the harness's bus and clock. */
  attach?: (world: { bus: MessageBus; clock: ManualClock }) => NonNullable<StartSessionOptions['attach']>;
}

export async function createLiveHarness(options: LiveHarnessOptions = {}) {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const llm = createControlledLlm();
  const stt = createControlledStt();
  const ttsEngines: ControlledTts[] = [createControlledTts({ name: 'tts-a' }), createControlledTts({ name: 'tts-b' })];
  const device = createPacedSink({ clock, sampleRateHz: SAMPLE_RATE_HZ, frameMs: FRAME_MS });
  const ledger: SinkLedger = { written: new Map(), dropped: new Map(), cancelled: new Set(), framesAfterCancel: [], lastTurn: undefined };
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
      if (ledger.lastTurn !== undefined) ledger.dropped.set(ledger.lastTurn, (ledger.dropped.get(ledger.lastTurn) ?? 0) + dropped);
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
    if ((m.type === 'playback.stopped' || m.type === 'playback.finished') && !reports.has(m.turnId)) reports.set(m.turnId, m);
  });

  const coverage = options.coverage;
  let microsteps = 0;
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return;
    microsteps++;
    if (!coverage) return;
    const micro = event as InspectionEvent & { _transitions?: Array<{ source: AnyStateNode; eventType: string }>; snapshot: { _nodes?: AnyStateNode[] } };
    for (const t of micro._transitions ?? []) coverage.transitions.add(transitionKey(t));
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
    if (e.code === 'reply_cancelled') ledger.cancelled.add(e.turnId);
  });
  if (coverage)
    for (const node of (session.actor.getSnapshot() as unknown as { _nodes: AnyStateNode[] })._nodes) if (node.id !== 'session') coverage.states.add(node.id);
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
    async sttPartial(text: string) {
      stt.open()?.partial(text);
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

/** The three invariants, checked after every step; throws with a readable reason. */
export interface InvariantView {
  session: SessionHandle;
  device: { bufferedMs(): number };
  ledger: SinkLedger;
  reports: Map<string, PlaybackReport>;
  messages: BusMessage[];
  llm: ControlledLlm;
  activeTts(): ControlledTtsRequest[];
  context(): SessionContext;
  state(): string;
}

export function checkInvariants(h: InvariantView): void {
  const snapshot = h.session.actor.getSnapshot();
  const state = h.state();
  const inReply = state.startsWith('processing') || state.startsWith('speaking');
  const ctx = h.context();
  // A guessed reply (adaptive end of turn) runs while the user may still be talking, silent until committed.
  const guess = ctx.speculation !== null && !ctx.speculation.committed && state.startsWith('listening') ? ctx.speculation.turnId : null;
  // 1. No child actor of a finished or cancelled turn is alive.
  for (const id of ['llm', 'tts', 'playback'] as const) {
    const child = (snapshot.children as Record<string, { getSnapshot(): { input?: { turnId?: string } } } | undefined>)[id];
    if (!child) continue;
    const turnId = child.getSnapshot().input?.turnId;
    if (guess !== null && turnId === guess) continue;
    if (!inReply) throw new Error(`invariant: child ${id} alive in ${state}`);
    if (turnId !== ctx.replyTurnId) throw new Error(`invariant: child ${id} of turn ${turnId} alive during reply ${ctx.replyTurnId}`);
  }
  if (!inReply && guess === null && h.llm.active()) throw new Error(`invariant: LLM still generating in ${state}`);
  if (!inReply && guess === null && h.activeTts().length > 0) throw new Error(`invariant: TTS still synthesizing in ${state}`);
  // A guess is never heard before it is committed, and a discarded one never.
  if (guess !== null && (h.ledger.written.get(guess) ?? 0) > 0) throw new Error(`invariant: guessed reply ${guess} heard before it was committed`);
  for (const m of h.messages) {
    if (m.type === 'session.notice' && m.code === 'speculation_discarded' && (h.ledger.written.get(m.turnId) ?? 0) > 0) {
      throw new Error(`invariant: discarded guess ${m.turnId} was heard`);
    }
  }
  // 4. Nothing undeclared or invalid leaves the agent: every action asked for passes the catalog's check.
  const catalog = { declared: ctx.config.declaredActions, clientTools: ctx.clientTools };
  for (const m of h.messages) {
    if (m.type !== 'action.request') continue;
    const check = checkCall(catalog, { name: m.name, arguments: JSON.stringify(m.arguments) });
    if (!check.ok) throw new Error(`invariant: ${m.actionId} ${m.name} left the agent but ${check.detail}`);
  }
  // 2. No audio frame of a cancelled turn after its cancel ...
  if (h.ledger.framesAfterCancel.length > 0) throw new Error(`invariant: frame of cancelled turn ${h.ledger.framesAfterCancel[0]} after its cancel`);
  // ... and outside a reply the device is silent: a cancel cleared what it had buffered.
  if (!inReply && h.device.bufferedMs() > 0) throw new Error(`invariant: device still playing ${h.device.bufferedMs()} ms in ${state}`);
  // 3. History holds what was played: every playback report agrees with the sink, and the text with the report.
  const reports = h.reports;
  for (const [turnId, report] of reports) {
    const playedFrames = (h.ledger.written.get(turnId) ?? 0) - (h.ledger.dropped.get(turnId) ?? 0);
    const reportedMs = report.segments.reduce((sum, s) => sum + s.playedMs, 0);
    // Reported ms count real audio; frames may carry up to one frame of padding per segment.
    if (reportedMs > playedFrames * FRAME_MS + 1e-6 || reportedMs < playedFrames * FRAME_MS - report.segments.length * FRAME_MS - 1e-6) {
      throw new Error(`invariant: ${turnId} reported ${reportedMs} ms played but the sink played ${playedFrames * FRAME_MS} ms`);
    }
    if (report.type === 'playback.finished' && report.segments.some((s) => !s.complete || s.playedMs < s.durationMs)) {
      throw new Error(`invariant: ${turnId} finished with a segment not played to its end`);
    }
  }
  for (const entry of ctx.history) {
    if (entry.role !== 'assistant' || entry.pending) continue;
    const report = reports.get(entry.turnId);
    if (!report) throw new Error(`invariant: assistant entry for ${entry.turnId} without a playback report`);
    // A resumed reply's entry starts with what was heard in full of the reply it resumes.
    const prefix = resumedPrefix(h, entry.turnId);
    // A client's truncate (it heard only audioEndMs of the reply) can only shorten what the report says.
    const truncations = h.messages.filter((m): m is MessageOf<'control.truncate'> => m.type === 'control.truncate' && m.turnId === entry.turnId);
    const heard = joinText(prefix, heardText(report.segments));
    const expected = truncations
      .map((t) => joinText(prefix, heardText(capPlayed(report.segments, t.audioEndMs))))
      .reduce((a, b) => (b.length < a.length ? b : a), heard);
    if (entry.text !== expected) throw new Error(`invariant: history "${entry.text}" but the report (and truncates) say "${expected}" was heard`);
    const interrupted = report.type === 'playback.stopped' || expected.length < heard.length;
    if (entry.interrupted !== interrupted) throw new Error(`invariant: ${entry.turnId} interrupted flag disagrees with its report`);
  }
}

/**
 * What was heard in full before a resumed reply (`r<n>`), from the sink's own reports: the leading
 * segments of the reply it resumes (named by its `reply_resumed` notice) that were played to their end,
 * after that reply's own prefix. '' for a reply that is not a resume.
 */
function resumedPrefix(h: InvariantView, turnId: string): string {
  const notice = h.messages.find((m): m is MessageOf<'session.notice'> => m.type === 'session.notice' && m.code === 'reply_resumed' && m.turnId === turnId);
  if (!notice) return '';
  const resumed = notice.detail.split(' ')[0]!;
  const report = h.reports.get(resumed);
  if (!report) throw new Error(`invariant: ${turnId} resumes ${resumed}, which has no playback report`);
  const heard: string[] = [];
  for (const s of [...report.segments].sort((a, b) => a.segmentIndex - b.segmentIndex)) {
    if (s.kind === 'filler') continue;
    if (!s.complete || s.playedMs < s.durationMs) break;
    heard.push(s.text);
  }
  return joinText(resumedPrefix(h, resumed), heard.join(' '));
}
