// @ts-check
/**
 * The inspector's model: pure functions over the messages of one session — the steps (one per event the
 * chart processed), the active states of a state value, the turns' latency figures (the server's own, from
 * `@voice-agent.turn`: the numbers the page and `/metrics` show too) as they stood at a step, and what of
 * each reply was heard. No DOM here.
 */

/** @typedef {import('./inspect-hook.js').StatelyMessage} StatelyMessage */
/** @typedef {import('./inspect-hook.js').StateValue} StateValue */
/** @typedef {import('./inspect-hook.js').Step} Step */
/** @typedef {import('./inspect-hook.js').TurnFigures} TurnFigures */
/** @typedef {import('./inspect-hook.js').HistoryEntry} HistoryEntry */
/** @typedef {import('./inspect-hook.js').ShownEntry} ShownEntry */

/**
 * The step a message is, when it is the chart's own snapshot (its root), else null.
 * @param {StatelyMessage} message
 * @returns {Step | null}
 */
export function toStep(message) {
  if (
    message.type !== '@xstate.snapshot' ||
    message.sessionId !== message.rootId ||
    !message.snapshot ||
    !message.event
  )
    return null;
  return {
    atMs: Number(message.createdAt),
    event: message.event,
    value: message.snapshot.value ?? '',
    status: message.snapshot.status,
    transitions: message.transitions ?? [],
    history: message.snapshot.context?.history ?? [],
  };
}

/**
 * Every state node id active in a state value: `session.speaking`, `session.speaking.reply`, ….
 * @param {StateValue} value
 * @param {string} [root]
 * @returns {string[]}
 */
export function activeIds(value, root = 'session') {
  /** @type {string[]} */
  const out = [];
  /** @param {StateValue} v @param {string} path */
  const walk = (v, path) => {
    if (typeof v === 'string') {
      if (v) out.push(`${path}.${v}`);
      return;
    }
    for (const [key, child] of Object.entries(v)) {
      out.push(`${path}.${key}`);
      walk(child, `${path}.${key}`);
    }
  };
  walk(value, root);
  return out;
}

/**
 * `speaking.reply.playing+user.silent` (parallel regions joined by `+`), as the server logs it: the
 * dialog's state bare, `+actions.<state>` after it while an action is under way, `+activation.<state>`
 * while a wake or push gate is in use (runtime/state-value.ts).
 * @param {StateValue} value
 * @returns {string}
 */
export function flatten(value) {
  if (typeof value === 'object' && 'dialog' in value && 'actions' in value) {
    const actions = flattenRegions(value['actions'] ?? '');
    const activation = flattenRegions(value['activation'] ?? 'ungated');
    return [
      flattenRegions(value['dialog'] ?? ''),
      actions === 'idle' || actions === 'ended' ? '' : `+actions.${actions}`,
      ['routing', 'ungated', 'ended'].includes(activation) ? '' : `+activation.${activation}`,
    ].join('');
  }
  return flattenRegions(value);
}

/** @param {StateValue} value @returns {string} */
function flattenRegions(value) {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([key, child]) => {
      const inner = flattenRegions(child);
      return inner ? `${key}.${inner}` : key;
    })
    .join('+');
}

/** `after minInterruption` for `xstate.after.minInterruption.<state>`, `start` for `xstate.init`. */
/** @param {string} type */
export function eventLabel(type) {
  if (type === 'xstate.init') return 'start';
  // The state the chart was in when this watcher joined (no event of its own).
  if (type === '') return 'joined';
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  return after ? `after ${after[1]}` : type;
}

/** `listening.hearing → speaking` for one taken transition (ids without the root's name, nor the dialog's). */
/** @param {import('./inspect-hook.js').TakenTransition} t */
export function describeTransition(t) {
  // The dialog's states bare (`listening.hearing`), the actions region's named (`actions.running`).
  const short = (/** @type {string} */ id) =>
    id.includes('.') ? id.replace(/^[^.]+\./, '').replace(/^dialog\./, '') : id;
  return t.targets.length
    ? `${short(t.source)} → ${t.targets.map(short).join(', ')}`
    : `${short(t.source)}: actions only`;
}

/** The figures of a turn, in the order they happen: each bar of the waterfall runs from the one before. */
export const MILESTONES = /** @type {const} */ ([
  ['endOfTurnMs', 'end of turn', 'voice end → end of turn decided'],
  ['transcriptMs', 'stt', '→ transcript'],
  ['firstTokenMs', 'llm', '→ first token'],
  ['firstClauseMs', 'clause', '→ first clause'],
  ['firstAudioMs', 'tts', '→ first audio'],
]);

/**
 * The turns as they stood at `atMs` (Unix ms; a recording stepped back): turns not begun yet left out,
 * figures not reached yet dropped. Live, pass Infinity.
 * @param {TurnFigures[]} turns
 * @param {number} atMs
 * @returns {TurnFigures[]}
 */
export function turnsAt(turns, atMs) {
  /** @type {TurnFigures[]} */
  const out = [];
  for (const t of turns) {
    if (t.originWallMs > atMs) continue;
    const reached = (/** @type {number | undefined} */ ms) => ms !== undefined && t.originWallMs + ms <= atMs;
    /** @type {TurnFigures} */
    const shown = { ...t };
    for (const [key] of MILESTONES) if (!reached(t[key])) delete shown[key];
    if (!reached(t.endMs)) {
      delete shown.endMs;
      delete shown.outcome;
      delete shown.reason;
      delete shown.heard;
    }
    out.push(shown);
  }
  return out;
}

/**
 * The texts of the replies cut short, from their TTS actors' `tts.stopped` reports: what was to be said.
 * @param {Step[]} steps
 * @returns {Map<string, string>}
 */
export function replyTexts(steps) {
  /** @type {Map<string, string>} */
  const out = new Map();
  for (const { event } of steps) {
    if (event.type !== 'tts.stopped' || !event.turnId || !Array.isArray(event['texts'])) continue;
    out.set(
      event.turnId,
      /** @type {unknown[]} */ (event['texts']).filter((text) => typeof text === 'string').join(' '),
    );
  }
  return out;
}

/**
 * Whether the session's story is over, so that a reply still waiting for what was heard is told as cut by
 * the end. A recording holds every report from the start: its chart's final state is the end. Live, only
 * the feed's close is: the chart is final the moment the session ends, and what was heard of the reply it
 * cut comes after (the playback actor reports it as the end stops it), just before the server closes the
 * feed; a page that took the final chart for the end would say "nothing was heard" until those words came.
 * @param {{ live: boolean, chartStatus: string | undefined, feedClosed: boolean }} at
 * @returns {boolean}
 * @example
 * storyEnded({ live: true, chartStatus: 'done', feedClosed: false }) // false: the last report may be on its way
 */
export function storyEnded({ live, chartStatus, feedClosed }) {
  return live ? feedClosed : chartStatus === 'done';
}

/**
 * History entries as shown: for a reply cut short, the part never heard (from its full text); a reply still
 * waiting for what was heard when the session ended is told as such — with the words heard when the
 * playback report came after the chart stopped (the turn's figures carry them), or as unknown.
 * @param {HistoryEntry[]} history
 * @param {{ texts: Map<string, string>, turns: TurnFigures[], ended: boolean }} context
 * @returns {ShownEntry[]}
 */
export function heardHistory(history, { texts, turns, ended }) {
  return history.map((entry) => {
    if (entry.role !== 'assistant' || !entry.interrupted) return { ...entry, unheard: '', badge: '' };
    const full = texts.get(entry.turnId) ?? '';
    if (entry.pending && ended) {
      const heard = turns.find((t) => t.turnId === entry.turnId)?.heard ?? '';
      const unheard = full.startsWith(heard) ? full.slice(heard.length).trim() : '';
      return {
        ...entry,
        text: heard,
        unheard,
        badge: heard
          ? 'disconnected: cut when the session ' + 'ended — heard / not heard'
          : 'disconnected: cut when the session ended — nothing was heard',
      };
    }
    if (entry.pending) return { ...entry, unheard: '', badge: 'interrupted — waiting for what was heard' };
    const unheard = full.startsWith(entry.text) ? full.slice(entry.text.length).trim() : '';
    return { ...entry, unheard, badge: 'interrupted: heard / not heard' };
  });
}
