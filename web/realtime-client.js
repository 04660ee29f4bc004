// @ts-check
/**
 * The page's connection to `voice-agent serve`: the OpenAI-Realtime-compatible WebSocket at
 * `/v1/realtime` (an API key, when the server needs one, goes as the `openai-insecure-api-key.<key>`
 * subprotocol — browsers cannot set headers on a WebSocket), and the explanations the page shows when it
 * fails: a browser hides why a WebSocket handshake was refused, so the page asks over plain HTTP.
 *
 * @example
 * const socket = await RealtimeSocket.connect({ url: realtimeUrl(location), apiKey: null, onEvent, onClose });
 * socket.send({ type: 'session.update', session: { type: 'realtime' } });
 */
import { parseServerEvent } from './realtime-events.js';

/** @typedef {import('./realtime-events.js').ServerEvent} ServerEvent */
/** @typedef {import('./page-hook.js').MessageCode} MessageCode */
/** @typedef {{code: MessageCode, text: string}} Explanation */
/**
 * @typedef {object} SocketOptions
 * @property {string} url
 * @property {string | null} apiKey
 * @property {(event: ServerEvent) => void} onEvent
 * @property {(close: {code: number, reason: string}) => void} onClose after the socket was open
 */

const KEY_SUBPROTOCOL_PREFIX = 'openai-insecure-api-key.';

/** @param {Location} location the page's: the server that served it */
export function realtimeUrl(location) {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/v1/realtime`;
}

/** The socket closed before it opened (the handshake failed or the server could not be reached). */
export class ConnectError extends Error {
  constructor(/** @type {string} */ message) {
    super(message);
    this.name = 'ConnectError';
  }
}

export class RealtimeSocket {
  /**
   * @param {SocketOptions} options
   * @returns {Promise<RealtimeSocket>}
   */
  static connect(options) {
    const protocols = ['realtime', ...(options.apiKey ? [KEY_SUBPROTOCOL_PREFIX + options.apiKey] : [])];
    const ws = new WebSocket(options.url, protocols);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new RealtimeSocket(ws, options));
      ws.onclose = (event) => reject(new ConnectError(`the WebSocket closed before it opened (code ${event.code})`));
    });
  }

  /**
   * @param {WebSocket} ws
   * @param {SocketOptions} options
   */
  constructor(ws, options) {
    this.ws = ws;
    this.closedByPage = false;
    /** Messages that were not events of the shape their type promises. */
    this.malformed = 0;
    ws.onmessage = (message) => {
      const event = parseServerEvent(message.data);
      if (event) options.onEvent(event);
      else this.malformed++;
    };
    ws.onclose = (event) => {
      if (!this.closedByPage) options.onClose({ code: event.code, reason: event.reason });
    };
  }

  get open() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** @param {{type: string} & Record<string, unknown>} event */
  send(event) {
    if (this.open) this.ws.send(JSON.stringify(event));
  }

  close() {
    this.closedByPage = true;
    this.ws.close(1000, 'page disconnected');
  }
}

/**
 * Why a connection could not be made: the server is unreachable, not ready, wants a key (or another
 * one), or refused for another reason (session limits), found out with two plain HTTP requests.
 * @param {string} origin the server's http(s) origin
 * @param {string | null} apiKey
 * @returns {Promise<Explanation>}
 */
export async function explainFailure(origin, apiKey) {
  let ready;
  try {
    ready = await fetch(`${origin}/readyz`, { cache: 'no-store' });
  } catch {
    return {
      code: 'unreachable',
      text:
        `Cannot reach the voice-agent server at ${origin}: is it running (npm start, or voice-agent serve)? ` +
        `Connect again once it is.`,
    };
  }
  if (ready.status === 503) {
    const body = await ready.json().catch(() => ({}));
    return body.status === 'draining'
      ? { code: 'server_not_ready', text: 'The server is shutting down: connect again in a moment.' }
      : { code: 'server_not_ready', text: 'The server is still loading its engines: connect again in a few seconds.' };
  }
  // A plain GET of the WebSocket's path is checked for the key like the upgrade is: 401 means the key.
  const probe = await fetch(`${origin}/v1/realtime`, {
    cache: 'no-store',
    headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
  }).catch(() => null);
  if (probe?.status === 401) {
    return apiKey
      ? { code: 'api_key_refused', text: 'The server refused this API key: check it and connect again.' }
      : {
          code: 'api_key_required',
          text: 'This server needs an API key: enter one of its keys (server.apiKeys) to connect.',
        };
  }
  return {
    code: 'refused',
    text:
      'The server refused the connection (it may be hosting its maximum of sessions): see its log, and connect ' +
      'again later.',
  };
}

/**
 * What to tell the user when an open connection closes without the page asking; `null`: ask the network
 * (the connection dropped without a close frame).
 * @param {number} code
 * @param {string} reason
 * @returns {Explanation | null}
 */
export function explainClose(code, reason) {
  const why = reason ? ` (${reason})` : '';
  switch (code) {
    case 1000:
      return { code: 'server_closed', text: `The session ended${why}: connect again to start a new one.` };
    case 1001:
      return { code: 'server_closed', text: `The server is going away${why}: connect again in a moment.` };
    case 4000:
      return { code: 'server_closed', text: 'The session ended after a long silence: connect again to go on.' };
    case 1008:
      return {
        code: 'server_closed',
        text: `The server closed the connection${why}: this page fell behind (a slow network?). Connect again.`,
      };
    case 1011:
      return {
        code: 'server_error',
        text: `The session failed on the server${why}: see the server's log, and connect again.`,
      };
    case 1006:
      return null;
    default:
      return { code: 'connection_lost', text: `The connection closed (code ${code})${why}: connect again.` };
  }
}
