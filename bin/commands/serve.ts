/**
 * `voice-agent serve [--sessions robot-1,robot-2] [--nats URL] [--prefix va] [--config FILE]`: hosts
 * sessions on NATS for devices in other processes (see server/serve.ts for the subjects). Stop with
 * Ctrl-C: every session ends and the connection drains.
 */
import { loadConfig } from '../../server/config.js';
import { serveSessions } from '../../server/serve.js';
import { flag, UsageError } from './flags.js';

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function runServeCommand(args: string[]): Promise<void> {
  const sessionIds = (flag(args, 'sessions') ?? 'robot-1').split(',').filter(Boolean);
  const bad = sessionIds.find((id) => !SESSION_ID.test(id));
  if (bad !== undefined || sessionIds.length === 0) throw new UsageError(`session id "${bad ?? ''}" is invalid: use 1-64 of A-Z a-z 0-9 _ -`);
  const config = loadConfig({ env: process.env, ...(flag(args, 'config') ? { file: flag(args, 'config')! } : {}) });
  const server = await serveSessions({
    config,
    nats: flag(args, 'nats') ?? config.nats.servers,
    sessionIds,
    ...(flag(args, 'prefix') ? { prefix: flag(args, 'prefix')! } : {}),
  });
  await new Promise<void>((resolve) => {
    const stop = () => void server.stop().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
