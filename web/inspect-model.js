// @ts-check
/**
 * The inspector's model: pure functions over the `@statelyai/inspect` messages of one session — the
 * steps (one per event the chart processed), the active states of a state value, the per-turn latency
 * waterfall and what of each reply was heard. No DOM here.
 */

/** @typedef {import('./inspect-hook.js').StatelyMessage} StatelyMessage */
/** @typedef {import('./inspect-hook.js').StateValue} StateValue */
/** @typedef {import('./inspect-hook.js').Step} Step */
/** @typedef {import('./inspect-hook.js').TurnTimes} TurnTimes */
/** @typedef {import('./inspect-hook.js').HistoryEntry} HistoryEntry */

/**
 * The step a message is, when it is the chart's own snapshot (its root), else null.
 * @param {StatelyMessage} message
 * @returns {Step | null}
 */
export function toStep(message) {
  if (message.type !== '@xstate.snapshot' || message.sessionId !== message.rootId || !message.snapshot || !message.event) return null;
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
 * `speaking.reply.playing+user.silent` (parallel regions joined by `+`), as the server logs it.
 * @param {StateValue} value
 * @returns {string}
 */
export function flatten(value) {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([key, child]) => {
      const inner = flatten(child);
      return inner ? `${key}.${inner}` : key;
    })
    .join('+');
}

/** `after minInterruption` for `xstate.after.minInterruption.<state>`, `start` for `xstate.init`. */
/** @param {string} type */
export function eventLabel(type) {
  if (type === 'xstate.init') return 'start';
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  return after ? `after ${after[1]}` : type;
}

/** `listening.hearing → speaking` for one taken transition (ids without the `session.` root). */
/** @param {import('./inspect-hook.js').TakenTransition} t */
export function describeTransition(t) {
  const short = (/** @type {string} */ id) => id.replace(/^session\./, '');
  return t.targets.length ? `${short(t.source)} → ${t.targets.map(short).join(', ')}` : `${short(t.source)}: actions only`;
}

/**
 * The per-turn waterfall from the chart's events up to a step: speech end → transcript → first token
 * → first clause → first audio → end, with the outcome (interrupted when the reply was stopped).
 * @param {Step[]} steps
 * @returns {TurnTimes[]}
 */
export function turnTimes(steps) {
  /** @type {Map<string, TurnTimes>} */
  const turns = new Map();
  /** A typed message or a SAY carries no turn id (the chart mints it): its reply's turn starts there. */
  /** @type {number | undefined} */
  let requestAtMs;
  /** @param {string} turnId @param {number} atMs */
  const get = (turnId, atMs) => {
    let t = turns.get(turnId);
    if (!t) {
      turns.set(turnId, (t = { turnId, originAtMs: turnId.startsWith('u') ? atMs : requestAtMs ?? atMs, clauses: [] }));
      if (!turnId.startsWith('u')) requestAtMs = undefined;
    }
    return t;
  };
  for (const { event, atMs } of steps) {
    const turnId = event.turnId;
    if (event.type === 'user.text' || event.type === 'control.say') requestAtMs = atMs;
    if (!turnId || turnId === '-') continue;
    switch (event.type) {
      case 'vad.speech_end': {
        const t = get(turnId, atMs);
        t.speechEndAtMs ??= atMs;
        t.originAtMs = t.speechEndAtMs;
        break;
      }
      case 'stt.final':
        get(turnId, atMs).transcriptAtMs ??= atMs;
        break;
      case 'llm.started':
        get(turnId, atMs).firstTokenAtMs ??= atMs;
        break;
      // The first clause reached TTS (the chart sees clauses only through the TTS actor).
      case 'tts.requested':
        if (event.kind !== 'filler') get(turnId, atMs).firstClauseAtMs ??= atMs;
        break;
      // The stopped TTS actor's report: the reply's text as it was to be spoken.
      case 'tts.stopped':
        if (Array.isArray(event.texts)) get(turnId, atMs).clauses = event.texts.filter((text) => typeof text === 'string');
        break;
      case 'playback.started':
        if (event.kind !== 'filler') get(turnId, atMs).firstAudioAtMs ??= atMs;
        break;
      case 'playback.finished': {
        const t = get(turnId, atMs);
        t.endedAtMs = atMs;
        t.outcome = 'finished';
        break;
      }
      case 'playback.stopped': {
        const t = get(turnId, atMs);
        t.endedAtMs = atMs;
        t.outcome = 'interrupted';
        break;
      }
    }
  }
  return [...turns.values()].filter((t) => t.firstTokenAtMs !== undefined || t.firstAudioAtMs !== undefined || t.transcriptAtMs !== undefined);
}

/**
 * History entries with, for a reply cut short, the part the user never heard (from the reply's clauses).
 * @param {HistoryEntry[]} history
 * @param {TurnTimes[]} turns
 * @returns {Array<HistoryEntry & { unheard: string }>}
 */
export function heardHistory(history, turns) {
  return history.map((entry) => {
    if (entry.role !== 'assistant' || !entry.interrupted) return { ...entry, unheard: '' };
    const full = turns.find((t) => t.turnId === entry.turnId)?.clauses.join(' ') ?? '';
    const unheard = full.startsWith(entry.text) ? full.slice(entry.text.length).trim() : '';
    return { ...entry, unheard };
  });
}
