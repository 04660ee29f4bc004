// @ts-check
/**
 * What a reload does to a session, told: the connection ends with the page, and so does its session. Before
 * the page goes (`pagehide`), it leaves itself a note in `sessionStorage` — the session id, its state, and
 * whether a reply was playing; never a key — and the page that loads next tells what happened, once.
 *
 * @example
 * noteLeftSession(() => ({ sessionId: 's-1', state: 'speaking.reply.playing+user.silent', replying: true }));
 * const message = leftSessionMessage(); // { kind: 'info', code: 'reloaded', text: 'The page was reloaded, …' } or null
 */

/** @typedef {import('./page-hook.js').PageMessage} PageMessage */
/** @typedef {{sessionId: string, state: string, replying: boolean}} LeftSession */

const KEY = 'voice-agent.left-session';

/**
 * Leaves the note when the page goes, if `current` says a session is connected.
 * @param {() => LeftSession | null} current
 */
export function noteLeftSession(current) {
  window.addEventListener('pagehide', () => {
    const left = current();
    if (left) sessionStorage.setItem(KEY, JSON.stringify({ ...left, atWallMs: Date.now() }));
  });
}

/**
 * The message for the note the last page of this tab left, if any (read once, then forgotten).
 * @returns {PageMessage | null}
 */
export function leftSessionMessage() {
  const raw = sessionStorage.getItem(KEY);
  sessionStorage.removeItem(KEY);
  if (!raw) return null;
  try {
    const left = JSON.parse(raw);
    if (typeof left?.sessionId !== 'string') return null;
    const cut = left.replying ? ', in the middle of a reply: the reply was cut where you stopped hearing it' : '';
    return {
      kind: 'info',
      code: 'reloaded',
      text:
        `The page was reloaded, and session ${left.sessionId} ended with it${cut}. Its recording (when the server ` +
        `keeps them) is in the inspector: /inspect?recording=${left.sessionId}. Connect to start a new session.`,
    };
  } catch {
    // A note this page cannot read is no note.
    return null;
  }
}
