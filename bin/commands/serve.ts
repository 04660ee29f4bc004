/**
 * `voice-agent serve [--host H] [--port P] [--nats URL] [--sessions a,b] [--config FILE]`: the server —
 * Realtime WebSocket, SSE chat, metrics — with sessions made on demand (see server/serve.ts). Ctrl-C or
 * SIGTERM drains it: no new sessions, running turns finish, clients are closed with a reason.
 */
import { loadConfig } from '../../server/config.js';
import { serve } from '../../server/serve.js';
import { flag, UsageError } from './flags.js';

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function runServeCommand(args: string[]): Promise<void> {
  const sessionIds = (flag(args, 'sessions') ?? '').split(',').filter(Boolean);
  const bad = sessionIds.find((id) => !SESSION_ID.test(id));
  if (bad !== undefined) throw new UsageError(`session id "${bad}" is invalid: use 1-64 of A-Z a-z 0-9 _ -`);
  const port = flag(args, 'port');
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UsageError(`--port ${port} is not a port number`);
  const overrides = {
    server: { ...(flag(args, 'host') ? { host: flag(args, 'host') } : {}), ...(port !== undefined ? { port: Number(port) } : {}) },
    ...(flag(args, 'prefix') ? { nats: { prefix: flag(args, 'prefix') } } : {}),
  };
  const config = loadConfig({ env: process.env, overrides, ...(flag(args, 'config') ? { file: flag(args, 'config')! } : {}) });
  const nats = flag(args, 'nats');
  const server = await serve({ config, sessionIds, ...(nats ? { nats } : {}) });
  // For people (the logs are JSON lines on stderr): where to connect.
  console.log(`voice-agent serving on ${server.http.url} (Realtime WebSocket: ${server.http.url.replace(/^http/, 'ws')}/v1/realtime)`);
  await new Promise<void>((resolve) => {
    const stop = () => void server.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
