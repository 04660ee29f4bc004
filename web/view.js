// @ts-check
/**
 * The page's DOM: draws the connection status, the message, the transcript, the chart's state and the
 * latencies from plain data. Server text is only ever set as text (never as HTML).
 *
 * @example
 * const view = new View(document);
 * view.status('connected');
 * view.conversation(conversation); // transcript, state, latency
 */

/** @typedef {import('./page-hook.js').ConnectionStatus} ConnectionStatus */
/** @typedef {import('./page-hook.js').PageMessage} PageMessage */
/** @typedef {import('./page-hook.js').TranscriptEntry} TranscriptEntry */
/** @typedef {import('./conversation.js').Conversation} Conversation */

/**
 * The chart's top-level dialog states, drawn as chips; then one for the actions region while an action is under way.
 */
const TOP_STATES = ['idle', 'listening', 'processing', 'speaking'];
const ACTION_CHIP = 'acting';
/** An action's status, as an icon before its name. */
const ACTION_ICON = { requested: '⚙', running: '▶', succeeded: '✓', failed: '✗', rejected: '✗', cancelled: '■' };
/** Why these counts: what fits beside the transcript without scrolling. */
const SHOWN_STATES = 8;
const SHOWN_TURNS = 6;
const SHOWN_EVENTS = 60;
/** Why -60 dB: the meter's floor; a quiet room sits near it and speech fills the upper half. */
const METER_FLOOR_DB = -60;

/**
 * @template {Element} T
 * @param {Document} doc
 * @param {string} id
 * @param {new (...args: never[]) => T} type
 * @returns {T}
 */
function element(doc, id, type) {
  const found = doc.getElementById(id);
  if (!(found instanceof type))
    throw new Error(`the page has no #${id} (${type.name}): web/index.html and web/view.js disagree`);
  return found;
}

/**
 * @param {Document} doc
 * @param {string} tag
 * @param {string} className
 * @param {string} [text]
 */
function make(doc, tag, className, text) {
  const node = doc.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class View {
  /** @param {Document} doc */
  constructor(doc) {
    this.doc = doc;
    this.statusText = element(doc, 'status', HTMLElement);
    this.connectButton = element(doc, 'connect', HTMLButtonElement);
    this.estopButton = element(doc, 'estop', HTMLButtonElement);
    this.messageBox = element(doc, 'message', HTMLElement);
    this.keyForm = element(doc, 'key-form', HTMLFormElement);
    this.keyInput = element(doc, 'api-key', HTMLInputElement);
    this.micBar = element(doc, 'mic-level', HTMLElement);
    this.micState = element(doc, 'mic-state', HTMLElement);
    this.stateChips = element(doc, 'state-chips', HTMLElement);
    this.stateDetail = element(doc, 'state-detail', HTMLElement);
    this.stateList = element(doc, 'states', HTMLElement);
    this.latencyList = element(doc, 'latency', HTMLElement);
    this.transcriptList = element(doc, 'transcript', HTMLElement);
    this.textForm = element(doc, 'text-form', HTMLFormElement);
    this.textInput = element(doc, 'text-input', HTMLInputElement);
    this.eventList = element(doc, 'events', HTMLElement);
    this.drawnVersion = -1;
    for (const name of [...TOP_STATES, ACTION_CHIP])
      this.stateChips.append(make(doc, 'span', name === ACTION_CHIP ? 'chip acting' : 'chip', name));
  }

  /** @param {ConnectionStatus} status */
  status(status) {
    this.statusText.textContent = status;
    this.statusText.dataset['status'] = status;
    this.connectButton.textContent = status === 'connected' || status === 'connecting' ? 'Disconnect' : 'Connect';
    this.connectButton.disabled = status === 'connecting';
    this.textInput.disabled = status !== 'connected';
    this.estopButton.disabled = status !== 'connected';
    if (status !== 'connected')
      this.stateDetail.textContent = status === 'connecting' ? 'connecting…' : 'not connected';
  }

  /** @param {PageMessage | null} message */
  message(message) {
    this.messageBox.hidden = message === null;
    this.messageBox.textContent = message?.text ?? '';
    this.messageBox.dataset['kind'] = message?.kind ?? '';
    this.messageBox.dataset['code'] = message?.code ?? '';
  }

  /** @param {boolean} shown */
  keyPrompt(shown) {
    this.keyForm.hidden = !shown;
    if (shown) this.keyInput.focus();
  }

  /**
   * @param {number} rms 0–1
   * @param {boolean} active
   */
  microphone(rms, active) {
    const db = rms > 0 ? 20 * Math.log10(rms) : METER_FLOOR_DB;
    this.micBar.style.width = `${Math.round(Math.max(0, Math.min(1, 1 - db / METER_FLOOR_DB)) * 100)}%`;
    this.micState.textContent = active ? 'microphone on' : 'microphone off';
  }

  /** @param {string} type */
  event(type) {
    const item = make(this.doc, 'li', '', `${(performance.now() / 1000).toFixed(2)} s  ${type}`);
    this.eventList.prepend(item);
    while (this.eventList.children.length > SHOWN_EVENTS) this.eventList.lastElementChild?.remove();
  }

  /** @param {Conversation} conversation */
  conversation(conversation) {
    if (conversation.version === this.drawnVersion) return;
    this.drawnVersion = conversation.version;
    this.drawState(conversation);
    this.drawLatency(conversation);
    this.drawTranscript(conversation.transcript);
  }

  /** @param {Conversation} conversation */
  drawState(conversation) {
    const value = conversation.state?.value ?? '';
    const top = value.split('.')[0] ?? '';
    // `idle.waiting+actions.running`: the dialog's state, and an action under way beside it.
    const acting = value.includes('+actions.');
    for (const chip of this.stateChips.children)
      chip.classList.toggle('active', chip.textContent === top || (acting && chip.textContent === ACTION_CHIP));
    const connected = this.statusText.dataset['status'] === 'connected';
    this.stateDetail.replaceChildren(
      conversation.state
        ? this.breakable(`${conversation.state.value}  ←  ${conversation.state.cause}`)
        : connected
          ? 'waiting for the session…'
          : 'not connected',
    );
    this.stateList.replaceChildren(
      ...conversation.states
        .slice(-SHOWN_STATES)
        .reverse()
        .map((s) => {
          const item = make(this.doc, 'li', '');
          item.append(this.breakable(`${s.value}  ←  ${s.cause}`));
          return item;
        }),
    );
  }

  /**
   * A state value that wraps between its parts (after `.` and `+`), never inside a word.
   * @param {string} text
   */
  breakable(text) {
    const fragment = this.doc.createDocumentFragment();
    for (const part of text.split(/(?<=[.+])/)) fragment.append(part, this.doc.createElement('wbr'));
    return fragment;
  }

  /**
   * Newest first, each turn by its id and words: the wait until the reply was heard here, and the server's
   * stages (the figures the inspector and `/metrics` show), an interrupted reply marked.
   * @param {Conversation} conversation
   */
  drawLatency(conversation) {
    this.latencyList.replaceChildren(
      ...conversation.turns
        .slice(-SHOWN_TURNS)
        .reverse()
        .map((t) => {
          const item = make(
            this.doc,
            'li',
            `latency-turn${t.outcome && t.outcome !== 'finished' ? ` ${t.outcome}` : ''}`,
          );
          item.dataset['turn'] = t.turnId;
          const head = make(this.doc, 'div', 'latency-head');
          head.append(
            make(this.doc, 'span', 'turn-id', t.turnId),
            make(this.doc, 'span', 'words', t.words ? `“${t.words}”` : t.startedBy === 'text' ? '(typed)' : '…'),
          );
          const played = t.firstAudioMs === null ? '…' : `${t.firstAudioMs} ms`;
          head.append(make(this.doc, 'span', 'played', played));
          item.append(head);
          const s = t.server;
          /** @type {string[]} */
          const stages = [];
          if (s) {
            for (const [label, ms] of /** @type {const} */ ([
              ['transcript', s.transcript_ms],
              ['token', s.first_token_ms],
              ['clause', s.first_clause_ms],
              ['audio sent', s.first_audio_ms],
            ]))
              if (ms !== null) stages.push(`${label} ${ms}`);
          }
          if (t.outcome === 'interrupted') stages.push(`interrupted${s?.reason ? ` (${s.reason})` : ''}`);
          else if (t.outcome === 'failed') stages.push(`failed${s?.reason ? ` (${s.reason})` : ''}`);
          if (stages.length) item.append(make(this.doc, 'div', 'stages', stages.join(' · ')));
          return item;
        }),
    );
  }

  /** @param {TranscriptEntry[]} entries */
  drawTranscript(entries) {
    const list = this.transcriptList;
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
    list.replaceChildren(...entries.map((entry) => this.transcriptItem(entry)));
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  /** @param {TranscriptEntry} entry */
  transcriptItem(entry) {
    const doc = this.doc;
    const item = make(doc, 'li', `turn ${entry.role} ${entry.status}${entry.code ? ` ${entry.code}` : ''}`);
    item.dataset['id'] = entry.id;
    item.append(make(doc, 'span', 'who', entry.role === 'user' ? 'You' : entry.role === 'notice' ? 'Robot' : 'Agent'));
    const text = make(doc, 'span', 'text');
    if (entry.status === 'interrupted' && entry.heard !== null && entry.text.startsWith(entry.heard)) {
      text.append(
        make(doc, 'span', 'heard', entry.heard),
        make(doc, 'span', 'unheard', entry.text.slice(entry.heard.length)),
      );
    } else {
      text.textContent = entry.text || (entry.status === 'pending' ? '…' : '');
    }
    item.append(text);
    if (entry.status === 'interrupted') {
      const heard =
        entry.heard === null
          ? 'interrupted'
          : entry.heard
            ? `interrupted — heard: “${entry.heard}”`
            : 'interrupted — none of it was heard';
      item.append(make(doc, 'span', 'badge', heard));
    }
    // The actions it asked for, as they happen; the calls themselves only when no lifecycle came.
    if (entry.actions.length === 0)
      for (const intent of entry.intents) item.append(make(doc, 'code', 'intent', intent));
    for (const a of entry.actions) {
      const chip = make(
        doc,
        'span',
        `action ${a.status}`,
        `${ACTION_ICON[a.status]} ${a.name}(${a.arguments}) ` +
          `${a.status}${a.feedback ? ` · ${a.feedback} feedback` : ''}${a.detail ? `: ${a.detail}` : ''}`,
      );
      chip.dataset['action'] = a.actionId;
      item.append(chip);
    }
    return item;
  }
}
