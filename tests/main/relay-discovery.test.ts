/**
 * LAN discovery of relays: what an announcement may turn into (pure), and a real relay announcement over
 * real mDNS found by the desktop side's browser.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RelayDiscovery, relayFromService } from '../../main/relay-discovery';
import { type Announcer, announcementTxt, announceRelay } from '../../signaling/announce';

const TLS_TXT = { v: '1', path: '/ws', tls: '1' };

describe('relayFromService', () => {
  it('offers a TLS relay at its public address, or else at its first IPv4 address', () => {
    const txt = announcementTxt({ name: 'x', port: 8787, tls: true, publicUrl: 'https://relay-01.clinic.example:8787/' });
    expect(txt).toEqual({ ...TLS_TXT, url: 'wss://relay-01.clinic.example:8787/ws' });
    expect(relayFromService({ name: 'Clinic Consult relay on relay-01', port: 8787, addresses: ['10.0.0.20'], txt })).toEqual({
      name: 'Clinic Consult relay on relay-01',
      url: 'wss://relay-01.clinic.example:8787/ws',
    });
    expect(relayFromService({ name: 'relay-02', port: 9443, addresses: ['fe80::1', '10.0.0.21'], txt: TLS_TXT })).toEqual({
      name: 'relay-02',
      url: 'wss://10.0.0.21:9443/ws',
    });
  });

  it('offers nothing it could not use or should not show', () => {
    const plain = announcementTxt({ name: 'x', port: 8787, tls: false, publicUrl: null });
    expect(relayFromService({ name: 'no tls', port: 8787, addresses: ['10.0.0.20'], txt: plain })).toBeNull(); // mixed content in the app
    expect(relayFromService({ name: 'future', port: 8787, addresses: ['10.0.0.20'], txt: { ...TLS_TXT, v: '2' } })).toBeNull();
    expect(relayFromService({ name: 'no txt', port: 8787, addresses: ['10.0.0.20'] })).toBeNull();
    expect(relayFromService({ name: 'bad port', port: 70000, addresses: ['10.0.0.20'], txt: TLS_TXT })).toBeNull();
    expect(relayFromService({ name: 'v6 only', port: 8787, addresses: ['fe80::1'], txt: TLS_TXT })).toBeNull();
    expect(relayFromService({ name: '\u0007\u200b', port: 8787, addresses: ['10.0.0.20'], txt: TLS_TXT })).toBeNull();
    // A url that is not a wss relay address is ignored, not trusted: the address is used instead.
    for (const url of [
      'ws://10.0.0.9:8787/ws',
      'wss://user:pw@evil.example/ws',
      'https://evil.example/ws',
      'wss://evil.example/other',
      'javascript:alert(1)',
    ]) {
      expect(relayFromService({ name: 'r', port: 8787, addresses: ['10.0.0.20'], txt: { ...TLS_TXT, url } })?.url).toBe(
        'wss://10.0.0.20:8787/ws',
      );
    }
    expect(relayFromService({ name: `long ${'x'.repeat(200)}`, port: 8787, addresses: ['10.0.0.20'], txt: TLS_TXT })?.name).toHaveLength(
      80,
    );
  });
});

describe('announce and discover over mDNS', () => {
  let announcers: Announcer[] = [];
  let discovery: RelayDiscovery | null = null;
  afterEach(async () => {
    discovery?.stop();
    await Promise.all(announcers.map((a) => a.stop()));
    announcers = [];
  });

  it('finds a TLS relay IT announces, skips a plain one, and drops a relay that stops announcing', async () => {
    const name = `Clinic Consult relay test ${process.pid}-${Date.now()}`;
    const tls = announceRelay({ name, port: 48443, tls: true, publicUrl: 'https://relay-test.clinic.example:48443' });
    announcers.push(tls, announceRelay({ name: `${name} plain`, port: 48080, tls: false, publicUrl: null }));
    const warnings: string[] = [];
    discovery = new RelayDiscovery((message) => warnings.push(message));
    await expect
      .poll(async () => (await discovery?.discover())?.filter((relay) => relay.name.startsWith(name)), { timeout: 10_000 })
      .toEqual([{ name, url: 'wss://relay-test.clinic.example:48443/ws' }]);
    await tls.stop();
    announcers = announcers.filter((a) => a !== tls);
    await expect.poll(async () => (await discovery?.discover())?.some((relay) => relay.name === name), { timeout: 10_000 }).toBe(false);
    expect(warnings).toEqual([]);
  });
});
