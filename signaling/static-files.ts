/** Serves the built renderer (browser mode) from a folder, never outside it. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { contentTypeOf, pageCsp } from './web-assets';

/** The page may talk only to its own origin: the relay that served it, its WebSocket included. */
export const BROWSER_MODE_CSP = pageCsp(["'self'", 'ws:', 'wss:']);

/**
 * Maps a URL path to a file inside `root`, or null when it would escape it.
 * Decoding happens once, before the check, so `%2e%2e/` cannot slip through.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const base = resolve(root);
  const full = resolve(base, relative);
  if (full !== base && !full.startsWith(base + sep)) return null;
  return full;
}

/** Pages with a name of their own: the invite page (a patient's first stop) besides the app. */
const PAGES: Record<string, string> = { '/invite': '/invite.html' };

/** Answers GET/HEAD for files under `root`; unknown paths without an extension get index.html (the app). */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const urlPath = (req.url ?? '/').split('?')[0] ?? '/';
  const path = resolveStaticPath(root, PAGES[urlPath] ?? req.url ?? '/');
  if (!path) return sendPlain(res, 400, 'bad path');
  let file = path;
  let info = await stat(file).catch(() => null);
  if ((!info || info.isDirectory()) && extname(file) === '') {
    file = resolve(root, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return sendPlain(res, 404, 'not found');
  const isHtml = extname(file) === '.html';
  res.writeHead(200, {
    'content-type': contentTypeOf(file),
    'content-length': info.size,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Hashed asset names can be cached forever; the page itself must not be, so updates show at once.
    'cache-control': isHtml ? 'no-cache' : 'public, max-age=31536000, immutable',
    ...(isHtml ? { 'content-security-policy': BROWSER_MODE_CSP, 'permissions-policy': 'camera=(self), microphone=(self)' } : {}),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // pipeline, not pipe: a read error (file replaced by a rebuild after stat, EACCES, EIO) must end this
  // response, not throw an unhandled 'error' that takes the relay down; an aborted download closes the file.
  pipeline(createReadStream(file), res, () => {});
}

export function sendPlain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text);
}
