/**
 * Serves the built UI from one directory: no directory listings, no path outside it, a
 * small content-type table, and index.html for every other path (the app routes itself).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** Writes the file `urlPath` names under `root` (index.html when it names none). */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    rel = '/';
  }
  const file = normalize(join(root, rel));
  let target = join(root, 'index.html');
  if (file.startsWith(root + sep) && !rel.includes('\0')) {
    const st = await stat(file).catch(() => undefined);
    if (st?.isFile()) target = file;
  }
  const body = await readFile(target).catch(() => undefined);
  if (!body) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('the web UI is not built; run podlab up again (it builds web/dist) or `npx vite build`\n');
    return;
  }
  const hashed = /-[A-Za-z0-9_-]{8,}\.(js|css)$/.test(target);
  res.writeHead(200, {
    'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}
