// @ts-check
/**
 * The browser page of `voice-agent serve`, served at `/`: talk to the agent with the microphone (or
 * type), hear it answer, and watch the conversation — the transcript of both sides, the session chart's
 * state, each reply's latency, and a mouth moving with the audio. It speaks the same OpenAI-Realtime-
 * compatible protocol as any other client (docs/server.md) on the server that served it.
 *
 * Barge-in (flush, drop, truncate with what was played) is `barge-in.js`.
 *
 * Test hook: `window.voiceAgentPage` (shape in web/page-hook.d.ts) holds what the page shows and does,
 * for the browser tests and the page benchmark.
 */
import { BargeIn } from './barge-in.js';
import { Conversation } from './conversation.js';
import { wireEstop } from './estop.js';
import { Microphone, MicrophoneError } from './microphone.js';
import { Mouth } from './mouth.js';
import { createMouthSync } from './mouth-sync.js';
import { wirePushToTalk } from './push-to-talk.js';
import { leftSessionMessage, noteLeftSession } from './reload-note.js';
import { ConnectError, explainClose, explainFailure, RealtimeSocket, realtimeUrl } from './realtime-client.js';
import { Speaker } from './speaker.js';
import { View } from './view.js';

/** @typedef {import('./page-hook.js').PageHook} PageHook */
/** @typedef {import('./page-hook.js').PageMessage} PageMessage */
/** @typedef {import('./page-hook.js').ConnectionStatus} ConnectionStatus */
/** @typedef {import('./realtime-client.js').ServerEvent} ServerEvent */
/** @typedef {import('./speaker.js').Mouth} MouthData */
/**
 * One connection and its audio.
 * @typedef {object} Call
 * @property {AudioContext} context
 * @property {RealtimeSocket | null} socket
 * @property {Speaker | null} speaker
 * @property {BargeIn | null} bargeIn
 * @property {Microphone | null} microphone
 * @property {MouthData | null} nextMouth lip-sync data for the audio delta that follows
 */

/** Why these caps: the hook's logs must stay small for a page left open for hours. */
const MAX_EVENTS = 500;
const MAX_FLUSHES = 100;
const MAX_ONSETS = 100;
const MAX_REPLIES = 50;
const PROTOCOL_FORMAT = { type: 'audio/pcm', rate: 24_000 };

const view = new View(document);
const conversation = new Conversation();
const mouth = new Mouth(
  /** @type {SVGEllipseElement} */ (document.querySelector('#mouth-opening')),
  /** @type {HTMLElement} */ (document.querySelector('#viseme')),
);

/** @type {PageHook} */
const hook = {
  status: 'disconnected',
  message: null,
  events: [],
  state: null,
  states: conversation.states,
  transcript: conversation.transcript,
  turns: conversation.turns,
  estops: [],
  playback: {
    playing: false,
    sampleRateHz: 0,
    outputLatencyMs: 0,
    framesQueued: 0,
    framesPlayed: 0,
    framesFlushed: 0,
    flushes: [],
    replies: [],
  },
  microphone: { active: false, sampleRateHz: 0, level: 0, chunksSent: 0, onsetsAtMs: [] },
  mouth: { level: 0, viseme: null, updates: 0 },
};
window.voiceAgentPage = hook;

/** @type {Call | null} */
let call = null;
/** Only what the user typed into the key prompt, for this page's lifetime; the page never holds a key of its own. */
/** @type {string | null} */
let apiKey = null;
let typedMessages = 0;
/** The server's id of this connection's session (for the note a reload leaves). */
/** @type {string | null} */
let sessionId = null;
/** Bumped by a flush, so mouth movements still waiting for the output latency are dropped with the audio. */
let mouthEpoch = 0;
const sync = {
  mouth,
  hook,
  isCurrent: (/** @type {unknown} */ c, /** @type {number} */ at) => call === c && at === mouthEpoch,
  epoch: () => mouthEpoch,
};
const { showMouth, closeMouth, atSpeaker, outputLatencyMs } = createMouthSync(sync);

/**
 * @template T
 * @param {T[]} list
 * @param {T} item
 * @param {number} max
 */
const pushCapped = (list, item, max) => {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
};

/** @param {ConnectionStatus} status */
function setStatus(status) {
  hook.status = status;
  view.status(status);
}

/** @param {PageMessage | null} message */
function setMessage(message) {
  hook.message = message;
  view.message(message);
}

let renderScheduled = false;
function render() {
  if (renderScheduled) return;
  renderScheduled = true;
  requestAnimationFrame(() => {
    renderScheduled = false;
    view.conversation(conversation);
  });
}

/** Opens a call: its speaker, then its connection and the session's audio formats, then its microphone. */
async function connect() {
  if (call) return;
  setStatus('connecting');
  setMessage(null);
  view.keyPrompt(false);
  // Made in the click handler: a context made here may play sound (browsers' autoplay rule).
  /** @type {Call} */
  const c = {
    context: new AudioContext(),
    socket: null,
    speaker: null,
    bargeIn: null,
    microphone: null,
    nextMouth: null,
  };
  call = c;
  void c.context.resume();
  try {
    await openSpeaker(c);
    c.socket = await RealtimeSocket.connect({
      url: realtimeUrl(location),
      apiKey,
      onEvent: (event) => onEvent(c, event),
      onClose: (close) => void onDropped(c, close),
    });
  } catch (error) {
    return connectFailed(c, error);
  }
  if (call !== c) return c.socket.close();
  c.socket.send({
    type: 'session.update',
    session: {
      type: 'realtime',
      audio: { input: { format: PROTOCOL_FORMAT }, output: { format: PROTOCOL_FORMAT } },
      voice_agent: { lip_sync: true },
    },
  });
  setStatus('connected');
  await openMicrophone(c);
}

/**
 * The call's speaker (each frame counted and its mouth shown as it starts playing) and its barge-in.
 * @param {Call} c
 */
async function openSpeaker(c) {
  if (!c.context.audioWorklet)
    throw new Error('this browser has no AudioWorklet here (it needs an https:// or http://localhost page)');
  c.speaker = await Speaker.open(c.context, {
    onFrameStarted: (frame) => {
      const atMs = performance.now();
      hook.playback.framesPlayed++;
      hook.playback.playing = true;
      countPlayed(frame.responseId, atMs);
      conversation.firstAudioPlayed(frame.responseId, atMs);
      const data = frame.mouth;
      if (data) atSpeaker(c, () => showMouth(data));
      render();
    },
    onDrained: () => {
      hook.playback.playing = false;
      atSpeaker(c, closeMouth);
    },
  });
  c.bargeIn = new BargeIn(
    c.speaker,
    (event) => c.socket?.send(event),
    (flush) => onFlushed(flush),
  );
  hook.playback.sampleRateHz = c.context.sampleRate;
  hook.playback.outputLatencyMs = Math.round(outputLatencyMs(c.context));
}

/**
 * A call that did not open: hung up, and unless the user cancelled it meanwhile, the failure explained (the
 * server or its key first, then the audio).
 * @param {Call} c
 * @param {unknown} error
 */
async function connectFailed(c, error) {
  const cancelled = call !== c;
  await hangUp(c);
  if (cancelled) return;
  const why = await explainFailure(location.origin, apiKey);
  // The worklets load from the server too: with the server gone, that is the message, not the audio.
  if (!(error instanceof ConnectError) && why.code !== 'unreachable') {
    return fail({
      kind: 'error',
      code: 'audio_unavailable',
      text: `Audio cannot play in this browser: ${error instanceof Error ? error.message : String(error)}.`,
    });
  }
  fail({ kind: 'error', ...why });
  if (why.code === 'api_key_required' || why.code === 'api_key_refused') view.keyPrompt(true);
}

/** @param {Call} c */
async function openMicrophone(c) {
  try {
    const microphone = await Microphone.open(c.context, {
      onChunk: (base64) => {
        c.socket?.send({ type: 'input_audio_buffer.append', audio: base64 });
        hook.microphone.chunksSent++;
      },
      onLevel: (rms) => {
        hook.microphone.level = rms;
        view.microphone(rms, true);
      },
      onOnset: (atMs) => pushCapped(hook.microphone.onsetsAtMs, atMs, MAX_ONSETS),
    });
    if (call !== c) return microphone.close();
    c.microphone = microphone;
    hook.microphone.active = true;
    hook.microphone.sampleRateHz = microphone.sampleRateHz;
  } catch (error) {
    if (call !== c) return;
    const code = error instanceof MicrophoneError ? error.code : 'microphone_unavailable';
    setMessage({ kind: 'warning', code, text: error instanceof Error ? error.message : String(error) });
  }
}

function disconnect() {
  if (!call) return;
  void hangUp(call);
  setStatus('disconnected');
  setMessage(null);
}

/** @param {PageMessage} message */
function fail(message) {
  setStatus('failed');
  setMessage(message);
}

/**
 * The server closed an open connection, or it dropped.
 * @param {Call} c
 * @param {{code: number, reason: string}} close
 */
async function onDropped(c, close) {
  if (call !== c) return;
  await hangUp(c);
  const explained = explainClose(close.code, close.reason);
  if (explained) return fail({ kind: 'error', ...explained });
  const why = await explainFailure(location.origin, apiKey);
  fail({
    kind: 'error',
    code: 'connection_lost',
    text:
      why.code === 'unreachable'
        ? `The connection was lost and the server cannot be reached: is it still running? Connect again once it is.`
        : `The connection was lost: ${why.text}`,
  });
}

/** @param {Call} c */
async function hangUp(c) {
  if (call === c) call = null;
  c.microphone?.close();
  c.speaker?.close();
  if (c.socket?.open) c.socket.close();
  closeMouth();
  hook.playback.playing = false;
  hook.microphone.active = false;
  hook.microphone.level = 0;
  view.microphone(0, false);
  await c.context.close().catch(() => undefined);
}

/**
 * One server event: logged, then shown in the conversation and played.
 * @param {Call} c
 * @param {ServerEvent} event
 */
function onEvent(c, event) {
  if (call !== c || !c.speaker || !c.bargeIn) return;
  const atMs = performance.now();
  const { speaker, bargeIn } = c;
  if (event.type !== 'response.output_audio.delta' && event.type !== 'voice_agent.output_audio.mouth') {
    const type = event.type === 'other' ? event.name : event.type;
    pushCapped(hook.events, { atMs, type }, MAX_EVENTS);
    view.event(type);
  }
  // Robot actions as they happen, on the reply that asked; the e-stop and the actions' notices in the conversation.
  if (event.type === 'voice_agent.action') conversation.action(event);
  else if (event.type === 'voice_agent.notice') conversation.notice(event.code, event.detail);
  onUserEvent(c, bargeIn, event, atMs);
  onReplyEvent(bargeIn, event, atMs);
  onAudioEvent(c, speaker, bargeIn, event);
  onSessionEvent(event, atMs);
  render();
}

/**
 * The user's side: speech started (a barge-in, if a reply plays) and stopped, and its transcript.
 * @param {Call} c
 * @param {BargeIn} bargeIn
 * @param {ServerEvent} event
 * @param {number} atMs
 */
function onUserEvent(c, bargeIn, event, atMs) {
  switch (event.type) {
    case 'input_audio_buffer.speech_started':
      conversation.userSpeaking(event.item_id);
      bargeIn.speechStarted(atMs);
      break;
    case 'input_audio_buffer.speech_stopped':
      // The server says where in the audio sent the voice stopped; the microphone knows when that was captured.
      conversation.userSpeechEnded(event.item_id, atMs, c.microphone?.capturedAt(event.audio_end_ms) ?? null);
      break;
    case 'conversation.item.input_audio_transcription.completed':
      conversation.userTranscript(event.item_id, event.transcript);
      break;
  }
}

/**
 * The agent's side: each response's start, words, intents, end and the words heard of a cut one.
 * @param {BargeIn} bargeIn
 * @param {ServerEvent} event
 * @param {number} atMs
 */
function onReplyEvent(bargeIn, event, atMs) {
  switch (event.type) {
    case 'response.created':
      conversation.responseStarted(event.response.id);
      break;
    case 'response.output_audio_transcript.delta':
      conversation.agentText(event.response_id, event.delta);
      break;
    case 'voice_agent.action':
      // Every action the session asks for (a robot controller's, a handler's or this page's), on the reply that asked.
      if (event.status === 'requested' && event.turn_id !== '-')
        conversation.agentIntent(`resp_${event.turn_id}`, event.name, JSON.stringify(event.detail));
      break;
    case 'response.done':
      conversation.responseEnded(
        event.response.id,
        bargeIn.responseDone(event.response.id, event.response.status, atMs),
      );
      break;
    case 'voice_agent.conversation.item.heard':
      conversation.heard(event.response_id, event.transcript);
      break;
  }
}

/**
 * The reply's audio: queued with the mouth data that came before it, unless a barge-in cut its item.
 * @param {Call} c
 * @param {Speaker} speaker
 * @param {BargeIn} bargeIn
 * @param {ServerEvent} event
 */
function onAudioEvent(c, speaker, bargeIn, event) {
  switch (event.type) {
    case 'voice_agent.output_audio.mouth':
      c.nextMouth = { level: event.level, viseme: event.viseme };
      break;
    case 'response.output_audio.delta': {
      const frameMouth = c.nextMouth;
      c.nextMouth = null;
      // Flushed for a barge-in: the rest of that reply is not played.
      if (bargeIn.isCut(event.item_id)) break;
      if (speaker.enqueue(event.delta, { responseId: event.response_id, itemId: event.item_id, mouth: frameMouth }))
        hook.playback.framesQueued++;
      break;
    }
    case 'response.output_audio.done':
      if (!bargeIn.isCut(event.item_id)) speaker.endItem(event.item_id);
      break;
  }
}

/**
 * The session's side: its id, the chart's state, each turn's latency, and the errors it reports.
 * @param {ServerEvent} event
 * @param {number} atMs
 */
function onSessionEvent(event, atMs) {
  switch (event.type) {
    case 'session.created':
      sessionId = event.session.id;
      break;
    case 'voice_agent.session.state':
      conversation.sessionState(event.value, event.cause, event.turn_id, atMs);
      hook.state = conversation.state;
      break;
    case 'voice_agent.turn.latency':
      conversation.turnLatency(event);
      break;
    case 'error':
      view.event(`error ${event.error.code ?? ''}: ${event.error.message}`);
      if (event.error.code === 'server_error' || event.error.code === 'session_failed')
        setMessage({ kind: 'warning', code: 'server_error', text: `The server reported: ${event.error.message}` });
      break;
  }
}

/** @param {import('./page-hook.js').FlushRecord & {framesFlushed: number}} flush */
function onFlushed({ framesFlushed, ...record }) {
  mouthEpoch++;
  closeMouth();
  hook.playback.playing = false;
  hook.playback.framesFlushed += framesFlushed;
  pushCapped(hook.playback.flushes, record, MAX_FLUSHES);
  conversation.responseEnded(record.responseId, true);
  render();
}

/**
 * @param {string} responseId
 * @param {number} atMs
 */
function countPlayed(responseId, atMs) {
  const replies = hook.playback.replies;
  const last = replies[replies.length - 1];
  if (last?.responseId === responseId) {
    last.frames++;
    last.lastAtMs = atMs;
  } else pushCapped(replies, { responseId, frames: 1, firstAtMs: atMs, lastAtMs: atMs }, MAX_REPLIES);
}

view.connectButton.addEventListener('click', () => (call ? disconnect() : void connect()));
wireEstop(document, view.estopButton, (via) => {
  const c = call;
  if (!c?.socket?.open) return;
  c.socket.send({ type: 'voice_agent.estop' });
  const atMs = performance.now();
  pushCapped(hook.estops, { atMs, via }, MAX_FLUSHES);
  void c.bargeIn?.cut('estop', atMs);
});
view.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  apiKey = view.keyInput.value.trim() || null;
  view.keyInput.value = '';
  void connect();
});
view.textForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = view.textInput.value.trim();
  if (!text || !call?.socket?.open) return;
  view.textInput.value = '';
  const id = `item_page${++typedMessages}`;
  call.socket.send({
    type: 'conversation.item.create',
    item: { id, type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
  });
  call.socket.send({ type: 'response.create' });
  conversation.userTyped(id, text, performance.now());
  render();
});
wirePushToTalk(document, window, (open) => {
  if (!call?.socket?.open) return false;
  call.socket.send({ type: 'voice_agent.input_audio.listen', open });
  return true;
});
setStatus('disconnected');
view.microphone(0, false);
// A reload (or a closed tab) ends the session with the connection: the page notes it, and says so next time.
noteLeftSession(() => {
  if (!call || !sessionId) return null;
  const state = conversation.state?.value ?? '';
  return {
    sessionId,
    state,
    replying: hook.playback.playing || state.startsWith('processing') || state.startsWith('speaking'),
  };
});
const left = leftSessionMessage();
if (left) setMessage(left);
