/**
 * The browser page's assets, served from the package's `web/` folder (no CDN: everything the page needs ships with the
 * server). `/` is `web/index.html`, `/inspect` the inspector `web/inspect.html`; `/web/<file>` any file directly in
 * `web/`. Names are checked against the folder's listing, so no path can leave it.
 *
 * @example
 * ```ts
 * const assets = createStaticFiles();
 * if (assets.serve(req, res)) return; // handled (or 404 for an unknown asset)
 * ```
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** `web/` beside `server/` (from source) or two levels up (from the build in dist/). */
const WEB_DIR = [new URL('../../web/', import.meta.url), new URL('../../../web/', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((dir) => existsSync(dir));

/** The pages served at their own paths. */
const PAGES: Record<string, string> = { '/': 'index.html', '/inspect': 'inspect.html' };

export interface StaticFiles {
  /** True when the request was for the page or an asset (and has been answered). */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
}

export function createStaticFiles(dir = WEB_DIR): StaticFiles {
  const files = new Map<string, string>();
  if (dir) for (const name of readdirSync(dir)) if (TYPES[extname(name)]) files.set(name, join(dir, name));
  return {
    serve(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const path = (req.url ?? '/').split('?')[0]!;
      const name = PAGES[path] ?? (path.startsWith('/web/') ? decodeURIComponent(path.slice(5)) : undefined);
      if (name === undefined) return false;
      const file = files.get(name);
      if (!file) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(dir ? `no asset ${name}` : 'the web/ folder is missing from this installation');
        return true;
      }
      // Why no-cache: the page and the server are one version; a stale script would speak an old protocol.
      res.writeHead(200, { 'content-type': TYPES[extname(name)]!, 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
      return true;
    },
  };
}
