// @ts-check
/**
 * The conversation as the page shows it: the transcript of both sides (an interrupted reply keeps what
 * was heard), the session chart's state, and each turn's latency: from the end of the user's speech — the
 * last voiced sound, which the server names as a position in the audio sent (`audio_end_ms`) and the
 * microphone turns into a time on the page's clock — to the reply's first audio played by the page, with
 * the server's own figures for the stages between (`voice_agent.turn.latency`, the numbers the inspector
 * and `/metrics` show). Plain data, no DOM and no clock: callers pass the time.
 *
 * @example
 * const c = new Conversation();
 * c.userSpeechEnded('item_u1', 1600, 1000); // speech_stopped received at 1600; the voice ended at 1000
 * c.responseStarted('resp_u1');
 * c.firstAudioPlayed('resp_u1', 1650); // c.turns[0].firstAudioMs === 650
 */

import { applyAction, SHOWN_NOTICES } from './page-actions.js';

/** @typedef {import('./page-hook.js').TranscriptEntry} TranscriptEntry */
/** @typedef {import('./page-hook.js').TurnTiming} TurnTiming */
/** @typedef {import('./page-hook.js').StateRecord} StateRecord */
/** @typedef {import('./page-actions.js').ActionEvent} ActionEvent */

/** Why these caps: a page left open for hours must not grow without bound; nobody scrolls further back. */
const MAX_ENTRIES = 200;
const MAX_TURNS = 100;
const MAX_STATES = 200;

/**
 * @template T
 * @param {T[]} list
 * @param {T} item
 * @param {number} max
 */
function pushCapped(list, item, max) {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** `resp_u3` → `u3`: the server names a reply after the turn it answers. */
const turnIdOf = (/** @type {string} */ responseId) => responseId.replace(/^resp_/, '');

export class Conversation {
  constructor() {
    /** @type {TranscriptEntry[]} */
    this.transcript = [];
    /** @type {TurnTiming[]} */
    this.turns = [];
    /** @type {StateRecord[]} */
    this.states = [];
    /** @type {StateRecord | null} */
    this.state = null;
    /** The user's turn waiting for its reply: what the next response's latency counts from. */
    /** @type {{startedBy: 'speech' | 'text', itemId: string, atMs: number, voiceEnd: boolean} | null} */
    this.pendingStart = null;
    /** Bumped on every change, so the view redraws only when needed. */
    this.version = 0;
    /** Notices shown so far (their entries' ids). */
    this.notices = 0;
  }

  /** @param {string} itemId */
  userSpeaking(itemId) {
    // Speech that was never transcribed (too short, not understood) leaves no empty line behind.
    const last = this.transcript[this.transcript.length - 1];
    if (last && last.role === 'user' && last.status === 'pending' && !last.text) this.transcript.pop();
    this.entry(itemId, 'user');
  }

  /**
   * @param {string} itemId
   * @param {number} receivedAtMs `speech_stopped` arrived
   * @param {number | null} voiceEndAtMs the user's voice ended (null when the page cannot tell)
   */
  userSpeechEnded(itemId, receivedAtMs, voiceEndAtMs) {
    this.entry(itemId, 'user');
    this.pendingStart = {
      startedBy: 'speech',
      itemId,
      atMs: voiceEndAtMs ?? receivedAtMs,
      voiceEnd: voiceEndAtMs !== null,
    };
  }

  /**
   * @param {string} itemId
   * @param {string} text
   */
  userTranscript(itemId, text) {
    const entry = this.entry(itemId, 'user');
    entry.text = text;
    entry.status = 'done';
    for (const t of this.turns) if (t.itemId === itemId && !t.words) t.words = text;
  }

  /**
   * @param {string} itemId
   * @param {string} text
   * @param {number} atMs
   */
  userTyped(itemId, text, atMs) {
    const entry = this.entry(itemId, 'user');
    entry.text = text;
    entry.status = 'done';
    this.pendingStart = { startedBy: 'text', itemId, atMs, voiceEnd: false };
  }

  /**
   * @param {string} responseId
   */
  responseStarted(responseId) {
    this.entry(responseId, 'agent');
    if (this.pendingStart) {
      const { startedBy, itemId, atMs, voiceEnd } = this.pendingStart;
      const words = this.find(itemId)?.text || null;
      pushCapped(
        this.turns,
        {
          turnId: turnIdOf(responseId),
          itemId,
          responseId,
          words,
          startedBy,
          fromVoiceEnd: voiceEnd,
          startAtMs: atMs,
          firstAudioAtMs: null,
          firstAudioMs: null,
          outcome: null,
          server: null,
        },
        MAX_TURNS,
      );
      this.pendingStart = null;
    }
  }

  /**
   * The server's figures of a turn (`voice_agent.turn.latency`).
   * @param {import('./realtime-events.js').TurnLatencyEvent} figures
   */
  turnLatency(figures) {
    const turn = this.turns.find((t) => t.responseId === figures.response_id || t.itemId === figures.item_id);
    if (!turn) return;
    turn.server = figures;
    if (figures.words) turn.words = figures.words;
    if (figures.outcome) turn.outcome = figures.outcome;
    this.version++;
  }

  /**
   * @param {string} responseId
   * @param {string} delta
   */
  agentText(responseId, delta) {
    this.entry(responseId, 'agent').text += delta;
  }

  /**
   * @param {string} responseId
   * @param {string} name
   * @param {string} args JSON
   */
  agentIntent(responseId, name, args) {
    this.entry(responseId, 'agent').intents.push(`${name}(${args})`);
  }

  /**
   * An action's lifecycle step (`voice_agent.action`), on the reply that asked for it (`resp_<turn id>`).
   * @param {ActionEvent & { turn_id: string }} event
   */
  action(event) {
    // An action no reply asked for (the `stop` an emergency stop sends) goes with the latest notice.
    const notice = event.turn_id === '-' && this.notices > 0 ? this.find(`notice_${this.notices}`) : undefined;
    applyAction((notice ?? this.entry(`resp_${event.turn_id}`, 'agent')).actions, event);
    this.version++;
  }

  /**
   * A session notice (`voice_agent.notice`): the emergency stop and the actions' questions and refusals get
   * a line of their own; the others are only in the event log.
   * @param {string} code
   * @param {string} detail
   */
  notice(code, detail) {
    const text = SHOWN_NOTICES[code];
    if (!text) return;
    const entry = this.entry(`notice_${++this.notices}`, 'notice');
    entry.text = detail ? `${text} (${detail})` : text;
    entry.status = 'done';
    entry.code = code;
  }

  /**
   * @param {string} responseId
   * @param {number} atMs
   */
  firstAudioPlayed(responseId, atMs) {
    const turn = this.turns.find((t) => t.responseId === responseId);
    if (!turn || turn.firstAudioAtMs !== null) return;
    turn.firstAudioAtMs = atMs;
    turn.firstAudioMs = Math.round(atMs - turn.startAtMs);
    this.version++;
  }

  /**
   * @param {string} responseId
   * @param {boolean} interrupted cancelled by the server, or cut short by the page's own flush
   */
  responseEnded(responseId, interrupted) {
    const turn = this.turns.find((t) => t.responseId === responseId);
    if (turn && (interrupted || turn.outcome === null)) turn.outcome = interrupted ? 'interrupted' : 'finished';
    const entry = this.find(responseId);
    if (!entry) return;
    entry.status = interrupted ? 'interrupted' : 'done';
    this.version++;
  }

  /**
   * @param {string} responseId
   * @param {string} transcript the words the user heard
   */
  heard(responseId, transcript) {
    const entry = this.find(responseId);
    if (!entry) return;
    entry.heard = transcript;
    entry.status = 'interrupted';
    this.version++;
  }

  /**
   * @param {string} value
   * @param {string} cause
   * @param {string} turnId
   * @param {number} atMs
   */
  sessionState(value, cause, turnId, atMs) {
    this.state = { atMs, value, cause, turnId };
    pushCapped(this.states, this.state, MAX_STATES);
    this.version++;
  }

  /** @param {string} id */
  find(id) {
    for (let i = this.transcript.length - 1; i >= 0; i--) if (this.transcript[i]?.id === id) return this.transcript[i];
    return undefined;
  }

  /**
   * The entry with this id, added (pending) when new.
   * @param {string} id
   * @param {TranscriptEntry['role']} role
   */
  entry(id, role) {
    this.version++;
    const found = this.find(id);
    if (found) return found;
    /** @type {TranscriptEntry} */
    const entry = { id, role, text: '', status: 'pending', heard: null, intents: [], actions: [] };
    pushCapped(this.transcript, entry, MAX_ENTRIES);
    return entry;
  }
}
