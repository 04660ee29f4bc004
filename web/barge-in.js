// @ts-check
/**
 * Barge-in on the page's side, as OpenAI's own clients do it: when the user starts talking over a reply
 * (`input_audio_buffer.speech_started`) — or the server cancels it (`response.done` `cancelled`) — the
 * speaker is flushed at once, the rest of that reply's audio is dropped, and
 * `conversation.item.truncate` tells the server how much of it was actually played. The truncate is
 * sent once the response is done: before that the server's chart has no playback report of the reply to
 * cut. A reply the server completed after the page cut it (the user's sound was too short to count as a
 * barge-in there) is truncated all the same, so the server's history holds what the user heard.
 *
 * @example
 * const bargeIn = new BargeIn(speaker, (event) => socket.send(event), (flush) => log(flush));
 * bargeIn.speechStarted(performance.now());
 * if (bargeIn.isCut(delta.item_id)) return; // dropped
 * const interrupted = bargeIn.responseDone(done.response.id, done.response.status, performance.now());
 */

/** @typedef {import('./page-hook.js').FlushRecord} FlushRecord */
/**
 * The part of the speaker a barge-in needs.
 * @typedef {object} FlushableSpeaker
 * @property {boolean} active
 * @property {{responseId: string, itemId: string} | null} currentItem
 * @property {() => Promise<{playedMs: number, framesFlushed: number} | null>} flush
 */

/** Why 16: a done reply can still be playing its last frames in the page (and so be cut); older ones cannot. */
const REMEMBERED_DONE = 16;

export class BargeIn {
  /**
   * @param {FlushableSpeaker} speaker
   * @param {(event: {type: string} & Record<string, unknown>) => void} send
   * @param {(flush: FlushRecord & {framesFlushed: number}) => void} onFlushed
   */
  constructor(speaker, send, onFlushed) {
    this.speaker = speaker;
    this.send = send;
    this.onFlushed = onFlushed;
    /** @type {Map<string, {responseId: string, playedMs: number | null}>} items the page cut, until truncated */
    this.cuts = new Map();
    /** @type {Set<string>} responses the server has finished */
    this.done = new Set();
  }

  /** @param {string} itemId */
  isCut(itemId) {
    return this.cuts.has(itemId);
  }

  /** The user started talking: silence whatever reply is audible. */
  speechStarted(/** @type {number} */ atMs) {
    if (this.speaker.active) void this.cut('speech_started', atMs);
  }

  /**
   * @param {string} responseId
   * @param {string} status
   * @param {number} atMs
   * @returns {boolean} the reply was interrupted (cancelled by the server, or cut by the page)
   */
  responseDone(responseId, status, atMs) {
    this.done.add(responseId);
    if (this.done.size > REMEMBERED_DONE) this.done.delete(/** @type {string} */ (this.done.values().next().value));
    if (status === 'cancelled' && this.speaker.currentItem?.responseId === responseId) void this.cut('cancelled', atMs);
    let cut = false;
    for (const [itemId, entry] of this.cuts) {
      if (entry.responseId !== responseId) continue;
      cut = true;
      this.truncate(itemId);
    }
    return cut || status === 'cancelled';
  }

  /**
   * Silences the reply audible now (at once: the flush never waits for the server), and truncates it to
   * what was played once the server says the response is done.
   * @param {'speech_started' | 'cancelled' | 'estop'} reason
   * @param {number} requestedAtMs
   */
  async cut(reason, requestedAtMs) {
    const item = this.speaker.currentItem;
    if (!item || this.cuts.has(item.itemId)) return;
    const entry = { responseId: item.responseId, playedMs: /** @type {number | null} */ (null) };
    this.cuts.set(item.itemId, entry);
    const result = await this.speaker.flush();
    const silentAtMs = performance.now();
    entry.playedMs = result?.playedMs ?? 0;
    this.onFlushed({
      reason,
      responseId: item.responseId,
      itemId: item.itemId,
      requestedAtMs,
      silentAtMs,
      playedMs: entry.playedMs,
      framesFlushed: result?.framesFlushed ?? 0,
    });
    this.truncate(item.itemId);
  }

  /**
   * Sends the truncate once both are known: what was played (the flush answered) and that the response is done.
   * @param {string} itemId
   */
  truncate(itemId) {
    const entry = this.cuts.get(itemId);
    if (!entry || entry.playedMs === null || !this.done.has(entry.responseId)) return;
    this.send({
      type: 'conversation.item.truncate',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: Math.floor(entry.playedMs),
    });
    // The response is done: no more audio of it will come, so the item need not be remembered.
    this.cuts.delete(itemId);
  }
}
