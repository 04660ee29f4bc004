// @ts-check
/**
 * The inspector's list of sessions: the live ones of this server and the recorded ones, refreshed every
 * 2 s. When the server stops answering, the list says so (the live sessions are gone with it) and asks
 * less often — 2, 4, 8 … up to 30 s — so a page left open does not fill the console with refused
 * connections; the first answer brings it back.
 *
 * @example
 * const list = new SessionList({ api, hook, open, onUnreachable: (s) => {}, onReachable: () => {} });
 * await list.refresh(true);
 * list.poll();
 */

/** @typedef {import('./inspect-hook.js').InspectorHook} InspectorHook */
/**
 * @typedef {object} SessionListOptions
 * @property {(path: string) => Promise<any>} api
 * @property {InspectorHook} hook
 * @property {(mode: 'live' | 'recorded', target: string) => void} open
 * @property {(retryInS: number) => void} onUnreachable
 * @property {() => void} onReachable
 */

/** Why 2 s: the list is for people picking a session; faster polling would only cost the server. */
const LIST_EVERY_MS = 2000;
const LIST_BACKOFF_MAX_MS = 30_000;

const $ = (/** @type {string} */ selector) => /** @type {HTMLElement} */ (document.querySelector(selector));

export class SessionList {
  /** @param {SessionListOptions} options */
  constructor(options) {
    this.options = options;
    this.failures = 0;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
  }

  /** Refreshes the list now; with `rethrow`, a failure is the caller's to handle (the first load). */
  async refresh(rethrow = false) {
    const { api, hook } = this.options;
    /**
     * @type {{ live: Array<{ id: string, state: string, watchers: number }>, recorded: Array<{ id: string, sessionId:
     * string, startedWallMs: number, endedAtMs: number | null, endReason: string | null, events: number, turns: number,
     * live: boolean }>, recording: boolean }}
     */
    let list;
    try {
      list = await api('/inspect/api/sessions');
    } catch (error) {
      if (rethrow) throw error;
      this.failures++;
      hook.live = [];
      $('#live-sessions').replaceChildren(hint('server unreachable'));
      this.options.onUnreachable(Math.round(this.delayMs() / 1000));
      return;
    }
    if (this.failures > 0) this.options.onReachable();
    this.failures = 0;
    hook.live = list.live.map((s) => s.id);
    const recorded = list.recorded.filter((r) => !r.live);
    hook.recorded = recorded.map((r) => r.id);
    const selected = (/** @type {'live' | 'recorded'} */ mode, /** @type {string} */ id) =>
      hook.mode === mode && hook.target === id;
    $('#live-sessions').replaceChildren(
      ...(list.live.length
        ? list.live.map((s) => item(s.id, s.state, () => this.options.open('live', s.id), selected('live', s.id)))
        : [hint('none')]),
    );
    $('#recorded-sessions').replaceChildren(
      ...(recorded.length
        ? recorded.map((r) =>
            item(
              r.sessionId,
              `${new Date(r.startedWallMs).toLocaleTimeString()} · ${r.turns} ` +
                `turns${r.endReason ? ` · ${r.endReason}` : ''}`,
              () => this.options.open('recorded', r.id),
              selected('recorded', r.id),
              r.id,
            ),
          )
        : [hint(list.recording ? 'none' : 'not recording (serve --db FILE)')]),
    );
  }

  /** Refreshes on a timer: every 2 s, backing off while the server does not answer. */
  poll() {
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      await this.refresh().catch(() => undefined);
      this.poll();
    }, this.delayMs());
  }

  delayMs() {
    return Math.min(LIST_BACKOFF_MAX_MS, LIST_EVERY_MS * 2 ** Math.max(0, this.failures - 1));
  }
}

/** @param {string} text */
function hint(text) {
  const li = document.createElement('li');
  li.className = 'hint';
  li.textContent = text;
  return li;
}

/**
 * @param {string} name
 * @param {string} detail
 * @param {() => void} onClick
 * @param {boolean} selected
 * @param {string} [id]
 */
function item(name, detail, onClick, selected, id = name) {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `session${selected ? ' selected' : ''}`;
  button.dataset['id'] = id;
  const strong = document.createElement('strong');
  strong.textContent = name;
  const small = document.createElement('small');
  small.textContent = detail;
  button.append(strong, small);
  button.title = `${name}: ${detail}`;
  button.addEventListener('click', onClick);
  li.appendChild(button);
  return li;
}
