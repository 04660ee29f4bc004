/**
 * `voice-agent serve [--host H] [--port P] [--nats URL] [--sessions a,b] [--db FILE] [--foxglove PORT] [--record-mcap
 * DIR] [--config FILE]`: the server — Realtime WebSocket, SSE chat, metrics — with sessions made on demand (see
 * server/serve.ts), on NATS when `--nats` or `nats.servers` names a server, else on an in-process bus, each recorded
 * into `--db` (default `./voice-agent.db`; `record.enabled` false turns it off). `--foxglove PORT` (`server.foxglove`)
 * adds a live view in Foxglove on 127.0.0.1 (server/records/foxglove-live.ts); `--record-mcap DIR` (`record.mcapDir`)
 * writes each session as an MCAP file there as it runs. Ctrl-C or SIGTERM drains it: no new sessions, running turns
 * finish, clients are closed with a reason.
 */
import { loadConfig } from '../../runtime/config.js';
import { serve } from '../../server/serve.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Where sessions are recorded unless `--db` says otherwise: the working directory, where people look. */
export const DEFAULT_DB_FILE = './voice-agent.db';

export async function runServeCommand(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(args, {
    host: { type: 'string' },
    port: { type: 'string' },
    nats: { type: 'string' },
    sessions: { type: 'string' },
    prefix: { type: 'string' },
    db: { type: 'string' },
    foxglove: { type: 'string' },
    'record-mcap': { type: 'string' },
    ...CONFIG_OPTION,
  });
  const sessionIds = (values.sessions ?? '').split(',').filter(Boolean);
  const bad = sessionIds.find((id) => !SESSION_ID.test(id));
  if (bad !== undefined) throw new UsageError(`session id "${bad}" is invalid: use 1-64 of A-Z a-z 0-9 _ -`);
  const port = values.port;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UsageError(`--port ${port} is not a port number`);
  const foxglove = values.foxglove;
  if (foxglove !== undefined && !/^\d{1,5}$/.test(foxglove))
    throw new UsageError(`--foxglove ${foxglove} is not a port number (Foxglove's default is 8765)`);
  // Flags are the highest layer of the configuration, so what serves is what the configuration says.
  const overrides = {
    server: {
      ...(values.host ? { host: values.host } : {}),
      ...(port !== undefined ? { port: Number(port) } : {}),
      ...(foxglove !== undefined ? { foxglove: { port: Number(foxglove) } } : {}),
    },
    nats: { ...(values.nats ? { servers: values.nats } : {}), ...(values.prefix ? { prefix: values.prefix } : {}) },
    ...(values['record-mcap'] ? { record: { mcapDir: values['record-mcap'] } } : {}),
  };
  const config = loadConfig({ env: process.env, overrides, ...(values.config ? { file: values.config } : {}) });
  const server = await serve({ config, sessionIds, db: values.db ?? DEFAULT_DB_FILE });
  // The signal handlers first: whoever reads the line below may stop the server at once, and a SIGTERM
  // that came before a handler existed would kill the process instead of draining it.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => void server.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // For people (the logs are JSON lines on stderr): where to connect.
  const { url } = server.http;
  console.log(
    `voice-agent serving on ${url}\n  talk to it in a browser:   ${url}/\n  inspect its sessions:      ` +
      `${url}/inspect\n  Realtime WebSocket:        ${url.replace(/^http/, 'ws')}/v1/realtime\n  ` +
      `metrics:                   ${url}/metrics` +
      (server.foxglove ? `\n  Foxglove live view:        ${server.foxglove.url}` : '') +
      (server.mcap ? `\n  sessions as MCAP in:       ${server.mcap.dir}` : ''),
  );
  await stopped;
}
