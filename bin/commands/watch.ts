/**
 * `voice-agent watch --session ID [--url URL] [--key KEY] [--relay ws://localhost:8081]`: follows a live
 * session's chart from a terminal, one line per event that moved it (`+1834 ms  vad.speech_start u1
 * idle.waiting → listening.hearing`), from the server's inspection feed (`/inspect/ws`). With `--relay`,
 * every `@statelyai/inspect` message is also sent on to that WebSocket — e.g. Stately's inspector server
 * (`createInspectorServer` from `@statelyai/inspect/server`), which shows the session in Stately's
 * inspector. Exits 0 when the session ends, 1 when the server refuses or drops the feed.
 *
 * @example
 * ```sh
 * voice-agent watch --session robot-1 --url http://127.0.0.1:8080 --key "$KEY"
 * ```
 */
import { WebSocket } from 'ws';
import { INSPECT_SUBPROTOCOL } from '../../server/inspect/routes.js';
import type { StatelyMessage } from '../../server/inspect/stately-events.js';
import { describeEvent, stateValueToString } from '../../runtime/state-value.js';
import { parseCommandArgs, UsageError } from './flags.js';

export async function runWatchCommand(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseCommandArgs(args, {
    session: { type: 'string' },
    url: { type: 'string' },
    key: { type: 'string' },
    relay: { type: 'string' },
  });
  if (!values.session) throw new UsageError('--session is required (the live sessions are listed at <url>/inspect)');
  const base = (values.url ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
  if (!/^https?:\/\//.test(base)) throw new UsageError(`--url ${base}: give the server's http:// or https:// address`);
  const key = values.key ?? process.env['VA_API_KEY'];
  const relay = values.relay ? await openRelay(values.relay) : undefined;
  const ws = new WebSocket(
    `${base.replace(/^http/, 'ws')}/inspect/ws?session=${encodeURIComponent(values.session)}`,
    key ? [INSPECT_SUBPROTOCOL, `openai-insecure-api-key.${key}`] : [INSPECT_SUBPROTOCOL],
  );
  let originMs: number | undefined;
  let last = '';
  ws.on('message', (data) => {
    const text = String(data);
    relay?.send(text);
    const m = JSON.parse(text) as StatelyMessage;
    if (m.type !== '@xstate.snapshot' || m.sessionId !== m.rootId) return;
    const atMs = Number(m.createdAt);
    originMs ??= atMs;
    const state = stateValueToString(m.snapshot.value as never);
    if (state === last) return;
    // The first snapshot is where the session is as the watch begins (no event caused it).
    const cause = m.event.type ? describeEvent(m.event) : 'now';
    out(
      `+${String(Math.round(atMs - originMs)).padStart(6)} ms  ${cause.padEnd(28)} ` +
        `${last ? `${last} → ` : ''}${state}`,
    );
    last = state;
  });
  return new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      out(
        `voice-agent watch: the server answered ` +
          `${res.statusCode}${res.statusCode === 401 ? ': pass one of its API keys with --key (or VA_API_KEY)' : ''}`,
      );
      resolve(1);
    });
    ws.on('error', (error) => {
      out(`voice-agent watch: cannot reach ${base}: ${error.message}`);
      resolve(1);
    });
    ws.on('close', (code, reason) => {
      relay?.close();
      const why = String(reason);
      if (code === 1000) out(`— ${why || 'closed'}`);
      else out(`voice-agent watch: the feed closed (${code}${why ? ` ${why}` : ''})`);
      resolve(code === 1000 ? 0 : 1);
    });
  });
}

function openRelay(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', (error) =>
      reject(new UsageError(`--relay ${url}: ${error.message} (start Stately's inspector server first)`)),
    );
  });
}
