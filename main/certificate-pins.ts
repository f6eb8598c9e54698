/**
 * Trust for relays with self-signed certificates (the bundled relay of a clinician's computer): a certificate
 * is trusted when its SHA-256 fingerprint was pinned — from this app's own hosted relay, or from the `fp=`
 * of a consultation link the person opened. Everything else gets Chromium's normal verification. Pure.
 */
import { X509Certificate } from 'node:crypto';

/** Electron's verify-proc results: 0 trusts, -3 defers to Chromium's own verification. */
export const VERIFY_TRUST = 0;
export const VERIFY_DEFAULT = -3;

/** "ab:cd:…" or 64 hex digits → "AB:CD:…"; null for anything else. */
export function normalizeFingerprint(raw: string): string | null {
  const hex = raw.trim().replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)?.join(':') ?? null;
}

export class CertificatePins {
  private readonly pins = new Set<string>();

  pin(fingerprint: string): boolean {
    const normalized = normalizeFingerprint(fingerprint);
    if (normalized) this.pins.add(normalized);
    return normalized !== null;
  }

  has(fingerprint: string): boolean {
    const normalized = normalizeFingerprint(fingerprint);
    return normalized !== null && this.pins.has(normalized);
  }

  /** The verdict for a certificate Chromium presents (PEM, as Electron's `Certificate.data` holds it). */
  verify(pem: string): number {
    try {
      return this.has(new X509Certificate(pem).fingerprint256) ? VERIFY_TRUST : VERIFY_DEFAULT;
    } catch {
      return VERIFY_DEFAULT;
    }
  }
}
