import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildCsp, LOOPBACK_RELAY_SOURCES, relayCspSource } from '../../main/csp';
import { RelaySources } from '../../main/relay-sources';
import { BROWSER_MODE_CSP } from '../../signaling/static-files';

const directives = (csp: string) => new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)] as const));

describe('relayCspSource', () => {
  it('turns a relay WebSocket URL into its origin', () => {
    expect(relayCspSource('wss://relay.clinic.example:8443/ws')).toBe('wss://relay.clinic.example:8443');
    expect(relayCspSource('ws://192.168.1.20:8787/ws')).toBe('ws://192.168.1.20:8787');
    expect(relayCspSource('ws://[fd00::1]:8787/ws')).toBe('ws://[fd00::1]:8787');
  });
  it('keeps only the origin of a URL, so text after it cannot reach the header', () => {
    expect(relayCspSource("ws://a.example:1/ws; script-src 'unsafe-inline'")).toBe('ws://a.example:1');
  });
  it.each(['https://relay.example/', 'javascript:alert(1)', 'not a url', 'ws://a b.example:1/ws', ''])('refuses %s', (url) =>
    expect(relayCspSource(url)).toBeNull(),
  );
});

describe('buildCsp', () => {
  it('lets the page connect to its configured relays and loopback only', () => {
    const csp = directives(buildCsp(['wss://relay.clinic.example:8443/ws', 'ws://192.168.1.20:8787/ws']));
    expect(csp.get('connect-src')).toEqual([
      "'self'",
      'wss://relay.clinic.example:8443',
      'ws://192.168.1.20:8787',
      ...LOOPBACK_RELAY_SOURCES,
    ]);
  });
  it('loads scripts and styles only from the app, nothing inline, no plugins, no framing', () => {
    const csp = directives(buildCsp([]));
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('media-src')).toEqual(["'self'", 'blob:', 'mediastream:']);
  });
  it('drops a relay value that would inject directives', () => {
    const csp = buildCsp(["ws://a.example:1/ws; script-src 'unsafe-inline'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp.split('; ').filter((d) => d.startsWith('script-src'))).toEqual(["script-src 'self'"]);
  });
  it('is the same policy as the relay sends in browser mode, but for where the page may connect', () => {
    const app = directives(buildCsp(['wss://relay.clinic.example:8443/ws']));
    const browser = directives(BROWSER_MODE_CSP);
    app.delete('connect-src');
    browser.delete('connect-src');
    expect(app).toEqual(browser);
  });
  it('lists a relay once however often it is configured', () => {
    const connect = directives(buildCsp(['ws://a.example:1/ws', 'ws://a.example:1/other'])).get('connect-src') ?? [];
    expect(connect.filter((s) => s === 'ws://a.example:1')).toHaveLength(1);
  });

  it('passes the same CSP evaluator electronegativity uses: no HIGH, SYNTAX or MEDIUM findings', () => {
    // electronegativity cannot see a header set from protocol.handle, so its CSP check is replayed here on
    // the real policy, with its own evaluator (a dependency of @doyensec/electronegativity).
    interface Finding {
      severity: number;
      directive: string;
      description: string;
    }
    interface Evaluator {
      CspParser: new (csp: string) => { csp: unknown };
      CspEvaluator: new (csp: unknown, version: unknown) => { evaluate(): Finding[] };
      Version: { CSP3: unknown };
      severities: Record<'HIGH' | 'SYNTAX' | 'MEDIUM' | 'MEDIUM_MAYBE', number>;
    }
    const engPackage = createRequire(import.meta.url).resolve('@doyensec/electronegativity/package.json');
    const csp = createRequire(engPackage)('@doyensec/csp-evaluator') as Evaluator;
    const policy = buildCsp(['wss://relay.clinic.example:8443/ws']);
    const findings = new csp.CspEvaluator(new csp.CspParser(policy).csp, csp.Version.CSP3).evaluate();
    const serious = findings.filter((f) => [csp.severities.HIGH, csp.severities.SYNTAX, csp.severities.MEDIUM].includes(f.severity));
    expect(serious).toEqual([]);
    // The one remaining note: 'self' scripts are only as safe as the files the app ships (no JSONP, no uploads here).
    expect(findings.map((f) => [f.directive, f.severity])).toEqual([['script-src', csp.severities.MEDIUM_MAYBE]]);
  });
});

describe('RelaySources', () => {
  it('reports a change when a link brings a relay the served page was not allowed to reach', () => {
    const sources = new RelaySources(() => ['ws://127.0.0.1:8787/ws']);
    expect(sources.changed()).toBe(false); // nothing served yet: nothing to reload
    const served = sources.serve();
    sources.addFromLink('ws://127.0.0.1:8787/ws');
    expect(sources.changed()).toBe(false); // already allowed
    sources.addFromLink('wss://relay.other.example:8443/ws');
    expect(sources.changed()).toBe(true);
    expect(sources.current()).toContain('wss://relay.other.example:8443');
    expect(served).not.toContain('relay.other.example');
    sources.serve();
    expect(sources.changed()).toBe(false);
  });
  it('follows the configured relays of the moment', () => {
    let configured = ['ws://10.0.0.2:8787/ws'];
    const sources = new RelaySources(() => configured);
    sources.serve();
    configured = ['ws://10.0.0.3:8787/ws'];
    expect(sources.changed()).toBe(true);
  });
});
