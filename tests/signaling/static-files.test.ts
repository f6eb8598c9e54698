import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_MODE_CSP, resolveStaticPath, serveStatic } from '../../signaling/static-files';

const HAS_PROC_MEM = existsSync('/proc/self/mem');
const INDEX_HTML = '<!doctype html><title>Clinic Consult</title>';
const APP_JS = 'console.log("app");';

let parent: string;
let root: string;
let server: Server;
let port: number;

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'clinic-static-'));
  root = join(parent, 'dist');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), INDEX_HTML);
  writeFileSync(join(root, 'assets', 'app-1234.js'), APP_JS);
  // Files just outside the root that a traversal would reach.
  writeFileSync(join(parent, 'secret.txt'), 'secret');
  mkdirSync(join(parent, 'dist-evil'));
  writeFileSync(join(parent, 'dist-evil', 'x.txt'), 'evil');
  // A "file" that stats as a regular file but fails on read (EIO at offset 0): stands in for a file that a
  // rebuild removed between stat and open, or one the relay may not read.
  if (HAS_PROC_MEM) symlinkSync('/proc/self/mem', join(root, 'assets', 'unreadable.js'));

  server = createServer((req, res) => {
    serveStatic(root, req, res).catch(() => {
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(parent, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A raw request: unlike fetch, the path is sent exactly as written (no `..` normalisation). */
function get(path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(2_000, () => req.destroy(new Error(`no answer for ${path}`)));
    req.end();
  });
}

describe('resolveStaticPath', () => {
  it('maps / to index.html and plain paths into the root', () => {
    expect(resolveStaticPath(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveStaticPath(root, '')).toBe(join(root, 'index.html'));
    expect(resolveStaticPath(root, '/assets/app-1234.js')).toBe(join(root, 'assets', 'app-1234.js'));
    expect(resolveStaticPath(root, '/assets/app-1234.js?v=2')).toBe(join(root, 'assets', 'app-1234.js'));
    expect(resolveStaticPath(root, '/assets/my%20file.js')).toBe(join(root, 'assets', 'my file.js'));
  });

  it('allows .. that stays inside the root', () => {
    expect(resolveStaticPath(root, '/assets/../index.html')).toBe(join(root, 'index.html'));
  });

  it.each([
    ['plain ..', '/../secret.txt'],
    ['nested ..', '/assets/../../secret.txt'],
    ['encoded dots', '/%2e%2e/secret.txt'],
    ['upper-case encoded dots', '/%2E%2E/secret.txt'],
    ['encoded slash', '/..%2fsecret.txt'],
    ['encoded dots and slash', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt'],
    ['a sibling folder sharing the prefix', '/../dist-evil/x.txt'],
    ['only ..', '/..'],
  ])('rejects %s', (_label, urlPath) => {
    expect(resolveStaticPath(root, urlPath)).toBeNull();
  });

  it.each([
    ['a NUL byte', '/index.html%00.js'],
    ['a raw NUL byte', '/index.html\0'],
    ['a truncated escape', '/assets/%E0%A4%A'],
    ['a lone percent', '/%'],
    ['an invalid escape', '/%zz'],
  ])('rejects %s', (_label, urlPath) => {
    expect(resolveStaticPath(root, urlPath)).toBeNull();
  });
});

describe('serveStatic', () => {
  it('serves index.html with the browser-mode CSP and no caching', async () => {
    const reply = await get('/');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(INDEX_HTML);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['content-security-policy']).toBe(BROWSER_MODE_CSP);
    expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(reply.headers['cache-control']).toBe('no-cache');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves an asset with its type, long caching and no CSP', async () => {
    const reply = await get('/assets/app-1234.js');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(APP_JS);
    expect(reply.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(reply.headers['cache-control']).toContain('immutable');
    expect(reply.headers['content-security-policy']).toBeUndefined();
  });

  it.each(['/consult', '/join/ABCD-2345', '/assets'])('falls back to index.html for the extension-less path %s', async (path) => {
    const reply = await get(path);
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(INDEX_HTML);
    expect(reply.headers['content-security-policy']).toBe(BROWSER_MODE_CSP);
  });

  it('answers 404 for a missing asset', async () => {
    const reply = await get('/assets/missing-5678.js');
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain(INDEX_HTML);
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%E0%A4%A'])(
    'answers 400 and never the file for %s',
    async (path) => {
      const reply = await get(path);
      expect(reply.status).toBe(400);
      expect(reply.body).not.toContain('secret');
    },
  );

  it('answers HEAD with headers and no body', async () => {
    const reply = await get('/', 'HEAD');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe(String(Buffer.byteLength(INDEX_HTML)));
    expect(reply.body).toBe('');
  });

  it.runIf(HAS_PROC_MEM)('survives a file that fails while it is being read, and keeps serving', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };
    process.on('uncaughtException', onUncaught);
    try {
      await get('/assets/unreadable.js').catch(() => null); // the response is cut off; the client may see an error
      await delay(100);
      expect(uncaught).toEqual([]);
      expect((await get('/')).status).toBe(200);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
