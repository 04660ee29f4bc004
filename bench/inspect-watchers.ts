/**
 * The inspector's watchers for `--scenario server --inspect`, in their own process (so parsing what they
 * receive is not counted as the server's CPU): one `/inspect/ws?session=<id>&feed=<feed>` socket per live session
 * the server lists, opened as sessions appear, each message counted and dropped.
 *
 * Parent → child: `{ url, feed }` to start, `'count'` to report. Child → parent: `{ type: 'ready' }` after
 * its first look at the session list, `{ type: 'count', watching, messages, bytes }` when asked.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

export type WatcherMessage = { type: 'count'; watching: number; messages: number; bytes: number } | { type: 'ready' };

const SELF = fileURLToPath(import.meta.url);

/**
 * The parent's side: forks the watchers' process on `url` (one socket per live session, `feed`), with
 * `ready` after its first look at the session list, `count()` for the messages since the last count, and
 * `stop()` resolving when the process is gone.
 */
export function startWatchers(url: string, feed: 'full' | 'chart') {
  const child = fork(SELF, ['--watchers-child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.send({ url, feed });
  const ready = new Promise<void>((resolve) => child.once('message', () => resolve()));
  const count = () =>
    new Promise<WatcherMessage & { type: 'count' }>((resolve) => {
      const onMessage = (m: WatcherMessage) => {
        if (m.type !== 'count') return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.send('count');
    });
  const stop = () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill()));
  return { ready, count, stop };
}

/** Why 100 ms: watchers must be on every session well before the measured window (≥ 2 s after settling). */
const POLL_MS = 100;

function runWatchers(url: string, feed: 'full' | 'chart') {
  const sockets = new Map<string, WebSocket>();
  let messages = 0;
  let bytes = 0;
  const send = (m: WatcherMessage) => process.send?.(m);
  const poll = async () => {
    const list = (await (await fetch(`${url}/inspect/api/sessions`)).json()) as { live: Array<{ id: string }> };
    for (const { id } of list.live) {
      if (sockets.has(id)) continue;
      const ws = new WebSocket(
        `${url.replace(/^http/, 'ws')}/inspect/ws?session=${encodeURIComponent(id)}&feed=${feed}`,
      );
      ws.on('message', (data: Buffer) => {
        messages++;
        bytes += data.byteLength;
      });
      ws.on('error', () => undefined);
      // Closed (the session ended, or the server dropped it): the next poll opens it again if it still runs.
      ws.on('close', () => sockets.get(id) === ws && sockets.delete(id));
      sockets.set(id, ws);
    }
  };
  // One poll at a time; a failed one (the server busy, or stopping) is tried again at the next tick.
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ready = false;
  const loop = () =>
    void poll()
      .then(() => {
        if (!ready) send({ type: 'ready' });
        ready = true;
      })
      .catch(() => undefined)
      .finally(() => (timer = setTimeout(loop, POLL_MS)));
  loop();
  process.on('message', (m) => {
    if (m === 'count') {
      send({
        type: 'count',
        watching: [...sockets.values()].filter((s) => s.readyState === s.OPEN).length,
        messages,
        bytes,
      });
      messages = 0;
      bytes = 0;
    }
  });
  process.on('disconnect', () => {
    clearInterval(timer);
    for (const ws of sockets.values()) ws.terminate();
    process.exit(0);
  });
}

if (process.argv.includes('--watchers-child')) {
  process.once('message', (m: { url: string; feed: 'full' | 'chart' }) => runWatchers(m.url, m.feed));
}
