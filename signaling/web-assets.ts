/**
 * What the renderer's files are served with, by both of their hosts: the relay in browser mode
 * (static-files.ts) and the desktop app's app:// protocol (main/app-protocol.ts, main/csp.ts). One content
 * type table and one Content-Security-Policy, so the two cannot drift apart. Pure.
 */
import { extname } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
};

/** The content type of a file by its extension (any case); unknown ones are plain bytes. */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The page's Content-Security-Policy: its own scripts, styles, images, media and fonts only, nothing inline,
 * no plugins, frames or form posts. `connectSources` is what differs between hosts: where the page may open
 * its relay's WebSocket.
 */
export function pageCsp(connectSources: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    `connect-src ${connectSources.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
