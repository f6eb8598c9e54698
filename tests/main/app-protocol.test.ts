import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppRequestHandler } from '../../main/app-protocol';
import { resolveAppAssetPath } from '../../main/path-guard';

const ROOT = join(sep, 'srv', 'renderer', 'dist');

describe('resolveAppAssetPath', () => {
  it('maps the root to index.html and asset paths inside the folder', () => {
    expect(resolveAppAssetPath(ROOT, '/')).toBe(join(ROOT, 'index.html'));
    expect(resolveAppAssetPath(ROOT, '')).toBe(join(ROOT, 'index.html'));
    expect(resolveAppAssetPath(ROOT, '/assets/index-abc.js')).toBe(join(ROOT, 'assets', 'index-abc.js'));
    expect(resolveAppAssetPath(ROOT, '/assets/a%20b.css')).toBe(join(ROOT, 'assets', 'a b.css'));
  });
  it('keeps a harmless .. that stays inside the folder', () => {
    expect(resolveAppAssetPath(ROOT, '/assets/../index.html')).toBe(join(ROOT, 'index.html'));
  });
  it.each([
    '/../secret.txt',
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/assets/%2e%2e%2f%2e%2e%2f..%2fetc/passwd',
    '/..%5c..%5cwindows%5cwin.ini',
    '/assets\\..\\..\\x',
    '/index.html%00.png',
    '/%E0%A4%A', // malformed percent-encoding
    '/..',
    '/../dist-evil/index.html', // a sibling whose name starts like the root
  ])('refuses %s', (path) => {
    expect(resolveAppAssetPath(ROOT, path)).toBeNull();
  });
});

describe('createAppRequestHandler', () => {
  let root: string;
  const csp = "default-src 'none'; connect-src 'self' wss://relay.example:8443";
  let handle: (request: Request) => Promise<Response>;

  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), 'clinic-app-'));
    root = join(base, 'dist');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>Clinic Consult</title>');
    await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(base, 'secret.txt'), 'do not serve');
    handle = createAppRequestHandler({ root, contentSecurityPolicy: () => csp });
  });
  afterAll(async () => {
    await rm(join(root, '..'), { recursive: true, force: true });
  });

  it('serves the page with the CSP header and safe defaults', async () => {
    const response = await handle(new Request('app://clinic/index.html'));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Clinic Consult</title>');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(csp);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('permissions-policy')).toContain('display-capture=(self)'); // screen share, the app's own page only
  });

  it('serves scripts with a JavaScript type (module scripts need it)', async () => {
    const response = await handle(new Request('app://clinic/assets/app.js'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('answers HEAD without a body', async () => {
    const response = await handle(new Request('app://clinic/index.html', { method: 'HEAD' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('refuses an encoded step outside the folder (400) and never returns the file', async () => {
    const response = await handle(new Request('app://clinic/..%2fsecret.txt'));
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('do not serve');
  });

  it('never serves a file above the folder whatever the URL parser makes of dot segments', async () => {
    for (const url of ['app://clinic/%2e%2e/secret.txt', 'app://clinic/../secret.txt', 'app://clinic/assets/../../secret.txt']) {
      const response = await handle(new Request(url));
      expect(response.status).not.toBe(200);
      expect(await response.text()).not.toContain('do not serve');
    }
  });

  it('answers 404 for a missing file and for another host of the scheme', async () => {
    expect((await handle(new Request('app://clinic/nope.js'))).status).toBe(404);
    expect((await handle(new Request('app://other/index.html'))).status).toBe(404);
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    expect((await handle(new Request('app://clinic/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});
