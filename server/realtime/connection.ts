/**
 * One OpenAI-Realtime-compatible client connection, bound to its own session: client events become bus
 * messages of that session (audio frames, text turns, `control.*`), the session's bus messages become
 * server events (speech started/stopped, transcripts, responses with audio and transcript deltas). Any
 * malformed or unknown event gets an `error` event naming it and the client's `event_id`; the connection
 * and the session stay up. A connection can only ever address its own session.
 *
 * @example
 * ```ts
 * const connection = await openRealtimeConnection({ manager, bus, clock, send: (e) => ws.send(JSON.stringify(e)), close: (c, r) => ws.close(c, r), limits });
 * ws.on('message', (data, isBinary) => connection.receive(isBinary ? null : String(data)));
 * ws.on('close', () => void connection.close());
 * ```
 */
import { createDeviceSink, type DeviceSink } from '../../adapters/audio/device-sink.js';
import { decodeG711, encodeG711 } from '../../adapters/audio/g711.js';
import { mouthLevel } from '../../adapters/audio/mouth.js';
import type { Clock } from '../../adapters/clock.js';
import type { MessageBus } from '../../bus/message-bus.js';
import type { BusMessage, MessageOf, TurnDetection } from '../../bus/messages.js';
import type { Subscription } from '../../bus/transport.js';
import { silentLogger, type Logger } from '../logger.js';
import type { EndReason, ManagedSession, SessionManager } from '../session-manager.js';
import type { SessionTimelines } from '../session-timelines.js';
import { createNoiseReduction } from './noise-reduction.js';
import { decodeBase64Strict, parseClientEvent, type AudioFormat, type ClientEvent, type ProtocolError } from './protocol.js';
import { createResponseTracker, type ResponseEnd, type ServerEvent } from './responses.js';
import { latencyEvent } from './turn-latency-event.js';

export interface RealtimeLimits {
  maxEventBytes: number;
  /** Audio a client may append per second of wall time, sustained (a 10 s burst is allowed). */
  maxAudioSecondsPerSecond: number;
}

export interface RealtimeConnectionOptions {
  manager: SessionManager;
  bus: MessageBus;
  clock: Clock;
  owner?: string;
  limits: RealtimeLimits;
  send(event: ServerEvent): void;
  close(code: number, reason: string): void;
  log?: Logger;
  /** Called for every error event sent (metrics). */
  onClientError?(code: string): void;
  /** The server's turn figures: each change is sent as `voice_agent.turn.latency`. */
  timelines?: SessionTimelines;
}

export interface RealtimeConnection {
  readonly session: ManagedSession;
  /**
   * One WebSocket message: its text, or `null` for a binary frame (not part of the protocol). `byteLength`
   * is the message's size on the wire when the caller has it (the socket's buffer), which spares measuring
   * the text again.
   */
  receive(text: string | null, byteLength?: number): void;
  /** The client went away: the session ends. */
  close(): Promise<void>;
}

/** Why 32: messages waiting for response.create are per-connection memory; a real client sends one or two. */
const MAX_PENDING_TEXTS = 32;
/**
 * Why 30 s: a client reconnecting may send its buffered audio at once, and a server stalled under
 * overload reads a client's queued appends at once too (the 500-client bench stalls for over 10 s):
 * the burst must cover that, or a client keeping real time is blamed for the server's lag. Past it, the
 * client is flooding.
 */
const AUDIO_BURST_SECONDS = 30;

const rateOf = (format: AudioFormat) => (format.type === 'audio/pcm' ? 24_000 : 8_000);
const toTurnDetection = (td: { threshold?: number; prefix_padding_ms?: number; silence_duration_ms?: number } | null): TurnDetection =>
  td === null
    ? { mode: 'manual' }
    : {
        mode: 'server_vad',
        ...(td.threshold !== undefined ? { threshold: td.threshold } : {}),
        ...(td.prefix_padding_ms !== undefined ? { prefixPaddingMs: td.prefix_padding_ms } : {}),
        ...(td.silence_duration_ms !== undefined ? { hangoverMs: td.silence_duration_ms } : {}),
      };

export async function openRealtimeConnection(options: RealtimeConnectionOptions): Promise<RealtimeConnection> {
  const { manager, bus, clock } = options;
  const log = options.log ?? silentLogger;
  let eventCounter = 0;
  /**
   * Output frames written in one burst, sent as one delta at the end of the tick. Playback writes in
   * batches (ten frames at a reply's start, then five each time the client's buffer is down to 100 ms:
   * `pipeline.refillBelowMs`), so one WebSocket message instead of five is a fifth of the messages and
   * system calls; a frame still leaves in the tick it was written. Any other event flushes them first, so
   * nothing (`response.done` above all) overtakes audio.
   */
  let heldAudio: { turnId: string; frames: Uint8Array[] } | undefined;
  const flushAudio = () => {
    const held = heldAudio;
    if (!held) return;
    heldAudio = undefined;
    const bytes = held.frames.length === 1 ? held.frames[0]! : Buffer.concat(held.frames);
    responses.onAudio(held.turnId, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'));
  };
  const holdAudio = (turnId: string, frame: Uint8Array) => {
    if (heldAudio && heldAudio.turnId !== turnId) flushAudio();
    if (!heldAudio) {
      heldAudio = { turnId, frames: [] };
      queueMicrotask(flushAudio);
    }
    heldAudio.frames.push(frame);
  };
  const send = (event: ServerEvent) => {
    if (heldAudio) flushAudio();
    options.send({ event_id: `evt_${++eventCounter}`, ...event });
  };

  let inputFormat: AudioFormat = { type: 'audio/pcm', rate: 24_000 };
  let outputFormat: AudioFormat = { type: 'audio/pcm', rate: 24_000 };
  let turnDetection: Record<string, unknown> | null = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 200, silence_duration_ms: 600, create_response: true, interrupt_response: true };
  let instructions: string | undefined;
  let voice = 'default';
  let lipSync = false;
  let appendedSinceCommit = 0;
  /** Input audio appended since the connection opened, ms: where in it the user's speech ended (`audio_end_ms`). */
  let appendedMs = 0;
  let audioBudgetSeconds = AUDIO_BURST_SECONDS;
  let budgetAtMs = clock.now();
  let rateLimitedReported = false;
  let lastUserItemId: string | null = null;
  const pendingTexts: Array<{ id: string; text: string }> = [];
  let textItems = 0;
  let emptyResponses = 0;
  /** Voice turns committed whose reply has not started yet (response.create is then a no-op). */
  const awaitingReply = new Set<string>();

  const responses = createResponseTracker(send);
  let sink!: DeviceSink;
  const noiseReduction = createNoiseReduction();
  const session = await manager.create({
    ...(options.owner !== undefined ? { owner: options.owner } : {}),
    inputSwitches: noiseReduction.switches,
    sink: () =>
      (sink = createDeviceSink({
        clock,
        sampleRateHz: rateOf(outputFormat),
        send: (frame, meta) => {
          const encoded = outputFormat.type === 'audio/pcm' ? frame : encodeG711(outputFormat.type === 'audio/pcmu' ? 'pcmu' : 'pcma', frame);
          // With lip sync every frame carries its own mouth event, so frames go out one by one.
          if (!lipSync) return holdAudio(meta.turnId, encoded);
          responses.onAudio(meta.turnId, Buffer.from(encoded).toString('base64'), { level: mouthLevel(frame), ...(meta.viseme ? { viseme: meta.viseme } : {}) });
        },
        // The client flushes its own buffer on speech_started / response.done; frames of this tick not
        // sent yet are simply dropped.
        clear: () => {
          heldAudio = undefined;
        },
      })),
  });
  const { handle } = session;
  const sessionId = session.id;
  const connectedAtMs = clock.now();

  const sessionObject = () => ({
    type: 'realtime',
    object: 'realtime.session',
    id: sessionId,
    model: 'voice-agent',
    output_modalities: ['audio'],
    instructions: instructions ?? '',
    audio: { input: { format: inputFormat, turn_detection: turnDetection, transcription: null, noise_reduction: noiseReduction.value() }, output: { format: outputFormat, voice, speed: 1 } },
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    voice_agent: { lip_sync: lipSync },
  });

  const fail = (error: ProtocolError, type = 'invalid_request_error') => {
    options.onClientError?.(error.code);
    send({ type: 'error', error: { type, code: error.code, message: error.message, param: error.param, event_id: error.event_id } });
  };
  const failFor = (event: ClientEvent, code: string, message: string, param: string | null = null) => fail({ code, message, event_id: event.event_id ?? null, param });
  const publish = (message: Omit<MessageOf<'control.configure'>, 'atMs'> | Omit<MessageOf<'control.truncate'>, 'atMs'> | Omit<MessageOf<'audio.commit'>, 'atMs'> | Omit<MessageOf<'audio.discard'>, 'atMs'>) =>
    bus.publish(message as Omit<MessageOf<'audio.commit'>, 'atMs'>);

  /** Token bucket: refills at the allowed rate, up to the burst. */
  const takeAudio = (seconds: number) => {
    const now = clock.now();
    audioBudgetSeconds = Math.min(AUDIO_BURST_SECONDS, audioBudgetSeconds + ((now - budgetAtMs) / 1000) * options.limits.maxAudioSecondsPerSecond);
    budgetAtMs = now;
    if (audioBudgetSeconds < seconds) return false;
    audioBudgetSeconds -= seconds;
    rateLimitedReported = false;
    return true;
  };

  const handlers: { [T in ClientEvent['type']]: (event: Extract<ClientEvent, { type: T }>) => void } = {
    'session.update': (event) => {
      const update = event.session;
      if (update.audio?.input?.format) inputFormat = update.audio.input.format;
      if (update.audio?.output?.format) {
        outputFormat = update.audio.output.format;
        sink.setSampleRate(rateOf(outputFormat));
      }
      const configure: Omit<MessageOf<'control.configure'>, 'atMs'> = { type: 'control.configure', sessionId, turnId: '-' };
      if (update.audio?.input?.turn_detection !== undefined) {
        const td = update.audio.input.turn_detection;
        turnDetection = td === null ? null : { ...turnDetection, ...td };
        configure.turnDetection = toTurnDetection(td);
      }
      noiseReduction.apply(update);
      if (update.instructions !== undefined) configure.systemPrompt = instructions = update.instructions;
      if (update.voice_agent?.lip_sync !== undefined) lipSync = update.voice_agent.lip_sync;
      if (update.audio?.output?.voice !== undefined) configure.voice = voice = update.audio.output.voice;
      if (configure.turnDetection || configure.systemPrompt || configure.voice) publish(configure);
      send({ type: 'session.updated', session: sessionObject() });
    },
    'input_audio_buffer.append': (event) => {
      const bytes = decodeBase64Strict(event.audio);
      if (!bytes) return failFor(event, 'invalid_audio', 'audio must be base64', 'audio');
      if (bytes.byteLength === 0) return;
      const pcm16 = inputFormat.type === 'audio/pcm';
      if (pcm16 && bytes.byteLength % 2 !== 0) return failFor(event, 'invalid_audio', 'audio/pcm must be 16-bit samples (an even number of bytes)', 'audio');
      const rate = rateOf(inputFormat);
      const seconds = (pcm16 ? bytes.byteLength / 2 : bytes.byteLength) / rate;
      if (!takeAudio(seconds)) {
        if (rateLimitedReported) return;
        rateLimitedReported = true;
        return failFor(event, 'rate_limited', `audio arrives faster than ${options.limits.maxAudioSecondsPerSecond}× real time: this audio was dropped; send at the pace it is recorded`);
      }
      appendedSinceCommit += bytes.byteLength;
      appendedMs += seconds * 1000;
      handle.pushAudio(pcm16 ? bytes : decodeG711(inputFormat.type === 'audio/pcmu' ? 'pcmu' : 'pcma', bytes), rate);
    },
    'input_audio_buffer.commit': (event) => {
      if (turnDetection === null && appendedSinceCommit === 0) return failFor(event, 'input_audio_buffer_commit_empty', 'the input audio buffer is empty: append audio before committing');
      appendedSinceCommit = 0;
      publish({ type: 'audio.commit', sessionId, turnId: '-' });
    },
    'input_audio_buffer.clear': () => {
      appendedSinceCommit = 0;
      publish({ type: 'audio.discard', sessionId, turnId: '-' });
      send({ type: 'input_audio_buffer.cleared' });
    },
    'conversation.item.create': (event) => {
      if (event.item.type === 'function_call_output') {
        // The robot ran the intent; the dialog policy has no use for the result, so it is acknowledged only.
        const item = { id: event.item.id ?? `item_c${++textItems}`, object: 'realtime.item', type: 'function_call_output', status: 'completed', call_id: event.item.call_id, output: event.item.output };
        send({ type: 'conversation.item.added', previous_item_id: null, item });
        send({ type: 'conversation.item.done', previous_item_id: null, item });
        return;
      }
      const text = event.item.content.flatMap((c) => (c.type === 'input_text' ? [c.text] : [])).join('\n');
      if (!text) return failFor(event, 'invalid_item', 'only user messages with input_text content can be created: speak through input_audio_buffer.append', 'item.content');
      if (pendingTexts.length >= MAX_PENDING_TEXTS) {
        return failFor(event, 'too_many_pending_items', `${MAX_PENDING_TEXTS} user messages wait for a response.create already: send response.create (or fewer messages)`);
      }
      const id = event.item.id ?? `item_c${++textItems}`;
      pendingTexts.push({ id, text });
      const item = { id, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text }] };
      send({ type: 'conversation.item.added', previous_item_id: lastUserItemId, item });
      send({ type: 'conversation.item.done', previous_item_id: lastUserItemId, item });
      lastUserItemId = id;
    },
    'response.create': (event) => {
      if (pendingTexts.length > 0) {
        handle.sendText(pendingTexts.splice(0).map((p) => p.text).join('\n'));
        return;
      }
      if (awaitingReply.size > 0) return; // the committed utterance is answered as soon as it is transcribed
      if (responses.active()) return failFor(event, 'conversation_already_has_active_response', 'a response is in progress: cancel it first or wait for response.done');
      // Nothing new from the user (e.g. after a function call's output): an empty, completed response,
      // so a client waiting for response.done is answered.
      responses.empty(`r${++emptyResponses}`);
    },
    'response.cancel': (event) => {
      if (!responses.active()) return failFor(event, 'response_cancel_not_active', 'there is no response in progress to cancel');
      handle.stopSpeaking();
    },
    'conversation.item.truncate': (event) => {
      const turnId = responses.turnOfItem(event.item_id);
      if (turnId === undefined) return failFor(event, 'item_truncate_invalid_item_id', `no assistant audio item "${event.item_id.slice(0, 64)}" in this conversation`, 'item_id');
      publish({ type: 'control.truncate', sessionId, turnId, audioEndMs: event.audio_end_ms });
      send({ type: 'conversation.item.truncated', item_id: event.item_id, content_index: event.content_index, audio_end_ms: event.audio_end_ms });
    },
  };

  // ---- the session's messages → server events
  const userItem = (turnId: string) => `item_${turnId}`;
  /** Tokens of guessed replies not yet committed, by turn. */
  const guessed = new Map<string, string[]>();
  const onMessage = (m: BusMessage) => {
    switch (m.type) {
      case 'vad.speech_start':
        if (turnDetection !== null) send({ type: 'input_audio_buffer.speech_started', audio_start_ms: Math.round(m.atMs - connectedAtMs), item_id: userItem(m.turnId) });
        break;
      case 'vad.speech_end': {
        // Where the voice stopped in the audio appended (the VAD ran on all of it before the next append was read).
        if (turnDetection !== null) send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: Math.round(Math.max(0, appendedMs - (m.silenceMs ?? 0))), item_id: userItem(m.turnId) });
        const item = { id: userItem(m.turnId), object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }] };
        send({ type: 'input_audio_buffer.committed', previous_item_id: lastUserItemId, item_id: item.id });
        send({ type: 'conversation.item.added', previous_item_id: lastUserItemId, item });
        lastUserItemId = item.id;
        awaitingReply.add(m.turnId);
        break;
      }
      case 'stt.final': {
        send({ type: 'conversation.item.input_audio_transcription.completed', item_id: userItem(m.turnId), content_index: 0, transcript: m.text });
        const item = { id: userItem(m.turnId), object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: m.text }] };
        send({ type: 'conversation.item.done', previous_item_id: null, item });
        break;
      }
      case 'session.history':
        if (m.role === 'user') {
          awaitingReply.delete(m.turnId);
          const replyTurnId = m.replyTurnId ?? m.turnId;
          responses.start(replyTurnId);
          // A guessed reply's words, held until the guess was committed (this entry is its commit).
          for (const text of guessed.get(replyTurnId) ?? []) responses.onToken(replyTurnId, text);
          guessed.delete(replyTurnId);
        } else if (m.interrupted) {
          // Not in the OpenAI protocol: the words of a cut reply that were heard (after a truncate, again, shorter).
          send({ type: 'voice_agent.conversation.item.heard', ...responses.idsOfTurn(m.turnId), transcript: m.text });
        }
        break;
      case 'tts.requested':
        if (m.kind === 'say') responses.start(m.turnId);
        break;
      case 'llm.token':
        if (!m.text) break;
        // A guessed reply (adaptive end of turn) is not shown until committed: it may yet be discarded.
        if (guessed.has(m.turnId)) guessed.get(m.turnId)!.push(m.text);
        else responses.onToken(m.turnId, m.text);
        break;
      case 'llm.tool_call':
        responses.onToolCall(m.turnId, m);
        break;
      case 'playback.finished':
        responses.finish(m.turnId, { status: 'completed' });
        break;
      case 'session.notice':
        if (m.code === 'reply_cancelled') responses.finish(m.turnId, endOf(m.detail));
        if (m.code === 'utterance_dropped') awaitingReply.delete(m.turnId);
        if (m.code === 'speculation_started') guessed.set(m.turnId, []);
        if (m.code === 'speculation_discarded') guessed.delete(m.turnId);
        break;
      case 'session.error':
        fail({ code: m.code, message: m.message, event_id: null, param: null }, 'server_error');
        break;
      case 'session.state':
        // Not in the OpenAI protocol (clients ignore unknown types): the chart's state, for pages and inspectors.
        send({ type: 'voice_agent.session.state', value: m.value, cause: m.event, turn_id: m.turnId });
        break;
    }
  };
  const types = ['vad.speech_start', 'vad.speech_end', 'stt.final', 'session.history', 'tts.requested', 'llm.token', 'llm.tool_call', 'playback.finished', 'session.notice', 'session.error', 'session.state'] as const;
  const subs: Subscription[] = types.map((type) => bus.subscribe(bus.subjects.forEvent(sessionId, type), onMessage));
  await bus.flush();

  const unwatchTurns = options.timelines?.watch(sessionId, (latency) => send(latencyEvent(latency, responses.idsOfTurn(latency.turnId).response_id)));
  let closed = false;
  void session.ended.then((reason) => {
    unwatchTurns?.();
    for (const s of subs) s.unsubscribe();
    if (!closed) options.close(...CLOSE_FOR[reason]);
    closed = true;
  });

  send({ type: 'session.created', session: sessionObject() });
  // Where the chart stands now (a page shows it before anything happens), then every change.
  send({ type: 'voice_agent.session.state', value: handle.state(), cause: 'connected', turn_id: '-' });
  log.info('realtime client connected', { sessionId });

  return {
    session,
    receive(text, byteLength) {
      if (closed) return;
      session.touch();
      if (text === null) return fail({ code: 'binary_not_supported', message: 'send events as JSON text messages, not binary frames', event_id: null, param: null });
      if ((byteLength ?? Buffer.byteLength(text)) > options.limits.maxEventBytes) {
        return fail({ code: 'event_too_large', message: `the event is larger than ${options.limits.maxEventBytes} bytes: split audio into smaller appends`, event_id: null, param: null });
      }
      const parsed = parseClientEvent(text);
      if (!parsed.ok) return fail(parsed.error);
      try {
        (handlers[parsed.event.type] as (e: ClientEvent) => void)(parsed.event);
      } catch (error) {
        // A bug here must not take the connection (or another session) down: report it on this one.
        log.error('realtime event failed', { sessionId, type: parsed.event.type, error });
        fail({ code: 'server_error', message: `the server failed to handle ${parsed.event.type}`, event_id: parsed.event.event_id ?? null, param: null }, 'server_error');
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await manager.end(sessionId, 'client_closed');
    },
  };
}

/** The WebSocket close code and reason a client gets when its session ends on the server's side. */
const CLOSE_FOR: Record<EndReason, [number, string]> = {
  end: [1000, 'session ended'],
  client_closed: [1000, 'session ended'],
  idle_timeout: [4000, 'session idle for too long'],
  // 1001 "going away": the client should reconnect, to another instance if there is one.
  draining: [1001, 'server shutting down'],
  error: [1011, 'session failed'],
};

/** How a cancelled reply's response ends: barge-in and STOP are cancellations, anything else a failure. */
function endOf(reason: string): ResponseEnd {
  if (reason === 'barge_in') return { status: 'cancelled', reason: 'turn_detected' };
  if (reason === 'stop' || reason === 'new_text' || reason === 'say' || reason === 'end') return { status: 'cancelled', reason: 'client_cancelled' };
  return { status: 'failed', reason };
}
