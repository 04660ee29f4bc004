/**
 * API-key authentication for HTTP requests and WebSocket upgrades: `Authorization: Bearer <key>`, or —
 * for browsers, which cannot set headers on a WebSocket — the `openai-insecure-api-key.<key>` subprotocol
 * (what OpenAI's browser clients send). Keys are compared in constant time; a session's owner is the key's
 * short fingerprint, never the key itself, so logs and metrics do not leak keys.
 *
 * @example
 * ```ts
 * const auth = createAuthenticator(['a-key-of-at-least-16-chars']);
 * auth.check(req); // { ok: true, owner: 'key-3f2a…' } or { ok: false, reason: '…' }
 * ```
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const KEY_SUBPROTOCOL_PREFIX = 'openai-insecure-api-key.';

export type AuthResult = { ok: true; owner: string | undefined } | { ok: false; reason: string };

export interface Authenticator {
  /** True when keys are configured (otherwise every request is let in, owner undefined). */
  readonly required: boolean;
  check(request: IncomingMessage): AuthResult;
}

const digest = (key: string) => createHash('sha256').update(key).digest();
const fingerprint = (key: string) => `key-${digest(key).toString('hex').slice(0, 8)}`;

/** The key a request presents, from the Authorization header or the WebSocket subprotocols. */
export function presentedKey(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols) {
    for (const p of protocols.split(',').map((s) => s.trim()))
      if (p.startsWith(KEY_SUBPROTOCOL_PREFIX)) return p.slice(KEY_SUBPROTOCOL_PREFIX.length);
  }
  return undefined;
}

export function createAuthenticator(keys: readonly string[]): Authenticator {
  // Hashes of equal length make every comparison take the same time, whatever the presented key's length.
  const known = keys.map((key) => ({ hash: digest(key), owner: fingerprint(key) }));
  return {
    required: known.length > 0,
    check(request) {
      if (known.length === 0) return { ok: true, owner: undefined };
      const key = presentedKey(request);
      if (!key)
        return {
          ok: false,
          reason:
            'missing API key: send "Authorization: Bearer <key>" (browsers: the openai-insecure-api-key.<key> ' +
            'WebSocket subprotocol)',
        };
      const hash = digest(key);
      const match = known.find((k) => timingSafeEqual(k.hash, hash));
      return match ? { ok: true, owner: match.owner } : { ok: false, reason: 'unknown API key' };
    },
  };
}
