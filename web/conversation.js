// @ts-check
/**
 * The conversation as the page shows it: the transcript of both sides (an interrupted reply keeps what
 * was heard), the session chart's state, and each reply's latency from the end of the user's speech to
 * its first audio played. Plain data, no DOM and no clock: callers pass the time.
 *
 * @example
 * const c = new Conversation();
 * c.userSpeechEnded('item_u1', 1000);
 * c.responseStarted('resp_u1');
 * c.firstAudioPlayed('resp_u1', 1650); // c.turns[0].firstAudioMs === 650
 */

/** @typedef {import('./page-hook.js').TranscriptEntry} TranscriptEntry */
/** @typedef {import('./page-hook.js').TurnTiming} TurnTiming */
/** @typedef {import('./page-hook.js').StateRecord} StateRecord */

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
    /** @type {{startedBy: 'speech' | 'text', atMs: number} | null} */
    this.pendingStart = null;
    /** Bumped on every change, so the view redraws only when needed. */
    this.version = 0;
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
   * @param {number} atMs
   */
  userSpeechEnded(itemId, atMs) {
    this.entry(itemId, 'user');
    this.pendingStart = { startedBy: 'speech', atMs };
  }

  /**
   * @param {string} itemId
   * @param {string} text
   */
  userTranscript(itemId, text) {
    const entry = this.entry(itemId, 'user');
    entry.text = text;
    entry.status = 'done';
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
    this.pendingStart = { startedBy: 'text', atMs };
  }

  /**
   * @param {string} responseId
   */
  responseStarted(responseId) {
    this.entry(responseId, 'agent');
    if (this.pendingStart) {
      pushCapped(this.turns, { responseId, startedBy: this.pendingStart.startedBy, startAtMs: this.pendingStart.atMs, firstAudioAtMs: null, firstAudioMs: null }, MAX_TURNS);
      this.pendingStart = null;
    }
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
   * @param {'user' | 'agent'} role
   */
  entry(id, role) {
    this.version++;
    const found = this.find(id);
    if (found) return found;
    /** @type {TranscriptEntry} */
    const entry = { id, role, text: '', status: 'pending', heard: null, intents: [] };
    pushCapped(this.transcript, entry, MAX_ENTRIES);
    return entry;
  }
}
