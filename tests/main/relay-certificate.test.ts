import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CertificatePins, normalizeFingerprint, VERIFY_DEFAULT, VERIFY_TRUST } from '../../main/certificate-pins';
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

  it('trusts a pinned certificate and leaves every other one to Chromium', async () => {
    const pinned = await loadOrCreateRelayCertificate(dir);
    const otherDir = mkdtempSync(join(tmpdir(), 'clinic-cert-other-'));
    try {
      const other = await loadOrCreateRelayCertificate(otherDir);
      const pins = new CertificatePins();
      expect(pins.verify(pinned.cert)).toBe(VERIFY_DEFAULT);
      pins.pin(pinned.fingerprint.replace(/:/g, '').toLowerCase()); // as it arrives in a link
      expect(pins.verify(pinned.cert)).toBe(VERIFY_TRUST);
      expect(pins.verify(other.cert)).toBe(VERIFY_DEFAULT);
      expect(pins.verify('garbage')).toBe(VERIFY_DEFAULT);
      expect(pins.pin('not a fingerprint')).toBe(false);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
