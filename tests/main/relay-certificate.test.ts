import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CertificatePins,
  formatEndpoint,
  normalizeFingerprint,
  normalizeHost,
  relayEndpoint,
  VERIFY_DEFAULT,
  VERIFY_TRUST,
} from '../../main/certificate-pins';
import { loadOrCreateRelayCertificate } from '../../main/relay-certificate';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clinic-cert-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('loadOrCreateRelayCertificate', () => {
  it('makes a certificate once and keeps it, so its fingerprint is stable across restarts', async () => {
    const first = await loadOrCreateRelayCertificate(dir);
    const again = await loadOrCreateRelayCertificate(dir);
    expect(again).toEqual(first);
    expect(new X509Certificate(first.cert).fingerprint256).toBe(first.fingerprint);
    expect(statSync(join(dir, 'relay-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('replaces a corrupt or expired certificate instead of failing', async () => {
    const first = await loadOrCreateRelayCertificate(dir);
    writeFileSync(join(dir, 'relay-cert.pem'), 'not a certificate');
    const replaced = await loadOrCreateRelayCertificate(dir);
    expect(replaced.fingerprint).not.toBe(first.fingerprint);
    const later = new Date(Date.now() + 11 * 365 * 24 * 3600 * 1000);
    expect((await loadOrCreateRelayCertificate(dir, later)).fingerprint).not.toBe(replaced.fingerprint);
    expect(readFileSync(join(dir, 'relay-cert.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});

describe('CertificatePins', () => {
  it('normalizes fingerprints written either way and refuses anything else', () => {
    const hex = 'ab'.repeat(32);
    expect(normalizeFingerprint(hex)).toBe(Array(32).fill('AB').join(':'));
    expect(normalizeFingerprint(Array(32).fill('ab').join(':'))).toBe(Array(32).fill('AB').join(':'));
    expect(normalizeFingerprint('ab'.repeat(31))).toBeNull();
    expect(normalizeFingerprint(`${'ab'.repeat(31)}zz`)).toBeNull();
  });

  it('trusts a certificate pinned for a host on that host, and leaves every other one to Chromium', async () => {
    const pinned = await loadOrCreateRelayCertificate(dir);
    const otherDir = mkdtempSync(join(tmpdir(), 'clinic-cert-other-'));
    try {
      const other = await loadOrCreateRelayCertificate(otherDir);
      const pins = new CertificatePins();
      expect(pins.verify('192.168.1.5', pinned.cert)).toBe(VERIFY_DEFAULT);
      expect(pins.pin({ host: '192.168.1.5', port: 8787 }, pinned.fingerprint.replace(/:/g, '').toLowerCase())).toBe(true); // as in a link
      expect(pins.verify('192.168.1.5', pinned.cert)).toBe(VERIFY_TRUST);
      expect(pins.verify('192.168.1.5', other.cert)).toBe(VERIFY_DEFAULT);
      expect(pins.verify('192.168.1.5', 'garbage')).toBe(VERIFY_DEFAULT);
      expect(pins.pin({ host: '192.168.1.5', port: 8787 }, 'not a fingerprint')).toBe(false);
      expect(pins.pin({ host: 'not a host/', port: 8787 }, pinned.fingerprint)).toBe(false);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('the attack: a certificate pinned for host A (a link) is refused when host B presents it', async () => {
    const attacker = await loadOrCreateRelayCertificate(dir);
    const pins = new CertificatePins();
    pins.pin({ host: 'relay.evil.example', port: 8787 }, attacker.fingerprint);
    expect(pins.verify('relay.evil.example', attacker.cert)).toBe(VERIFY_TRUST);
    for (const victim of ['bank.example', 'relay.clinic.example', '192.168.1.5', 'evil.example', 'relay.evil.example.bank.example']) {
      expect(pins.verify(victim, attacker.cert)).toBe(VERIFY_DEFAULT);
      expect(pins.trusts(victim, attacker.fingerprint)).toBe(false);
    }
  });

  it('binds to the host name, not the port: the verify proc is never told the port', async () => {
    const certificate = await loadOrCreateRelayCertificate(dir);
    const pins = new CertificatePins();
    pins.pin({ host: '10.0.0.9', port: 8787 }, certificate.fingerprint);
    expect(pins.trusts('10.0.0.9', certificate.fingerprint)).toBe(true);
    expect(pins.verify('10.0.0.9', certificate.cert)).toBe(VERIFY_TRUST); // whichever port the socket was on
  });

  it("trusts this app's own relay certificate for the hosts the relay answers on, asked at each check", async () => {
    const own = await loadOrCreateRelayCertificate(dir);
    let hosts = ['127.0.0.1', '192.168.50.9'];
    const pins = new CertificatePins();
    expect(pins.pinOwnRelay(own.fingerprint, () => hosts)).toBe(true);
    expect(pins.verify('127.0.0.1', own.cert)).toBe(VERIFY_TRUST);
    expect(pins.verify('192.168.50.9', own.cert)).toBe(VERIFY_TRUST);
    expect(pins.verify('relay.evil.example', own.cert)).toBe(VERIFY_DEFAULT);
    expect(pins.has('127.0.0.1', own.fingerprint)).toBe(false); // not a link's pin: nothing to remember
    hosts = ['127.0.0.1', '10.1.1.4']; // the LAN address changed
    expect(pins.verify('192.168.50.9', own.cert)).toBe(VERIFY_DEFAULT);
    expect(pins.verify('10.1.1.4', own.cert)).toBe(VERIFY_TRUST);
  });
});

describe('host normalisation', () => {
  it('writes one spelling per host: lowercase, canonical IPv4, IPv6 in brackets', () => {
    expect(normalizeHost('Relay.Clinic.EXAMPLE')).toBe('relay.clinic.example');
    expect(normalizeHost('::1')).toBe('[::1]'); // as Chromium hands IPv6 hosts to the verify proc
    expect(normalizeHost('[::1]')).toBe('[::1]');
    expect(normalizeHost('[0:0:0:0:0:0:0:1]')).toBe('[::1]');
    expect(normalizeHost('FE80::A')).toBe('[fe80::a]');
    expect(normalizeHost('192.168.001.005')).toBe('192.168.1.5');
    for (const bad of ['', ' ', 'a b', 'host:8787', 'host/path', 'user@host', '[::g]', '[::1']) expect(normalizeHost(bad)).toBeNull();
  });

  it('reads host and port from a relay address, with the scheme default port', () => {
    expect(relayEndpoint('wss://Relay.Clinic.example:8443/ws')).toEqual({ host: 'relay.clinic.example', port: 8443 });
    expect(relayEndpoint('wss://relay.clinic.example/ws')).toEqual({ host: 'relay.clinic.example', port: 443 });
    expect(relayEndpoint('wss://relay.clinic.example:443')).toEqual({ host: 'relay.clinic.example', port: 443 });
    expect(relayEndpoint('ws://10.0.0.5/ws')).toEqual({ host: '10.0.0.5', port: 80 });
    expect(relayEndpoint('wss://[2001:DB8::1]:8787/ws')).toEqual({ host: '[2001:db8::1]', port: 8787 });
    expect(relayEndpoint('https://relay.clinic.example/')).toBeNull();
    expect(relayEndpoint('not a url')).toBeNull();
    expect(formatEndpoint({ host: '[2001:db8::1]', port: 8787 })).toBe('[2001:db8::1]:8787');
  });

  it('pins and checks hosts in any spelling as the same host', async () => {
    const certificate = await loadOrCreateRelayCertificate(dir);
    const pins = new CertificatePins();
    pins.pin({ host: '[::1]', port: 8787 }, certificate.fingerprint);
    pins.pin({ host: 'Relay.Clinic.Example', port: 443 }, certificate.fingerprint);
    expect(pins.verify('::1', certificate.cert)).toBe(VERIFY_TRUST);
    expect(pins.verify('relay.clinic.example', certificate.cert)).toBe(VERIFY_TRUST);
    expect(pins.verify('RELAY.clinic.example', certificate.cert)).toBe(VERIFY_TRUST);
    expect(pins.verify('::2', certificate.cert)).toBe(VERIFY_DEFAULT);
  });
});
