/**
 * Serves the built renderer on app://clinic/ (registered with `protocol.handle`). Takes a WHATWG Request,
 * returns a Response: no Electron import, so the handler is tested as it runs.
 */
import { readFile as readFileFromDisk } from 'node:fs/promises';
import { contentTypeOf } from '../signaling/web-assets';
import { APP_HOST, APP_SCHEME } from './app-origin';
import { resolveAppAssetPath } from './path-guard';

export interface AppProtocolOptions {
  /** The renderer's build folder (renderer/dist). */
  root: string;
  /** Called per response, so the header follows the relay settings of the moment. */
  contentSecurityPolicy: () => string;
  readFile?: (path: string) => Promise<Uint8Array>;
}

export function createAppRequestHandler(options: AppProtocolOptions): (request: Request) => Promise<Response> {
  const read = options.readFile ?? readFileFromDisk;
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return plain(400, 'bad request');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host.toLowerCase() !== APP_HOST) return plain(404, 'not found');
    const file = resolveAppAssetPath(options.root, url.pathname);
    if (!file) return plain(400, 'bad path');
    let body: Uint8Array;
    try {
      body = await read(file);
    } catch {
      return plain(404, 'not found');
    }
    const headers = new Headers({
      'content-type': contentTypeOf(file),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
      'content-security-policy': options.contentSecurityPolicy(),
      'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=()',
      'referrer-policy': 'no-referrer',
    });
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' } });
}
