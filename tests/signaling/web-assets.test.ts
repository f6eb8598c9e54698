import { describe, expect, it } from 'vitest';
import { contentTypeOf, pageCsp } from '../../signaling/web-assets';

describe('contentTypeOf', () => {
  it('types what the renderer build contains; scripts as JavaScript (module scripts need it)', () => {
    expect(contentTypeOf('/dist/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('/dist/assets/index-abc.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('/dist/assets/index-abc.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('/dist/assets/ring.wav')).toBe('audio/wav');
  });
  it('ignores the case of the extension', () => {
    expect(contentTypeOf('/dist/INDEX.HTML')).toBe('text/html; charset=utf-8');
  });
  it('serves anything else as plain bytes, never as something a browser would run', () => {
    for (const path of ['/dist/x.exe', '/dist/README', '/dist/x.html.bak', '/dist/.js']) {
      expect(contentTypeOf(path)).toBe('application/octet-stream');
    }
  });
});

describe('pageCsp', () => {
  it('puts the host’s sources in connect-src and nowhere else', () => {
    const csp = pageCsp(["'self'", 'wss://relay.example:8443']);
    expect(csp.split('; ').filter((d) => d.includes('relay.example'))).toEqual(["connect-src 'self' wss://relay.example:8443"]);
  });
  it('denies by default and allows no inline code, plugins, frames or form posts', () => {
    const csp = pageCsp(["'self'"]).split('; ');
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "object-src 'none'",
      "frame-src 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp.join('; ')).not.toContain('unsafe');
  });
});
