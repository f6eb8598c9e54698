/**
 * Trust for relays with self-signed certificates (the bundled relay of a clinician's computer). A certificate
 * is trusted only for the host it was pinned for: this app's own hosted relay for the addresses it hands out
 * (loopback and its LAN addresses), and the relay of a consultation link (`fp=`) for that link's host, once
 * the person confirmed it (main/relay-trust.ts). Everything else gets Chromium's normal verification. Pure.
 *
 * Binding is by host name, not host:port. Chromium asks the verify proc with the host name and certificate
 * only (Electron's `Request` has no port), so a verdict cannot depend on the port. The port of the link is
 * kept beside the pin (shown to the person, written to the pin file) but does not narrow trust: another port
 * on the same host presenting the same certificate is trusted too. That is the web's usual boundary (a
 * certificate names hosts, not ports), and whoever holds that certificate's private key is the relay the
 * person confirmed. The page's CSP still lists only the relays' exact host:port for connections.
 *
 * Chromium caches a verdict per (certificate, host) for the session, and Electron does not clear that cache:
 * main never lets the page reach a link's relay before its pin is confirmed, so no refusal is cached ahead of
 * the person's Trust.
 */
import { X509Certificate } from 'node:crypto';

/** Electron's verify-proc results: 0 trusts, -3 defers to Chromium's own verification. */
export const VERIFY_TRUST = 0;
export const VERIFY_DEFAULT = -3;

/** A relay's host (lowercase; IPv6 in brackets) and port (the scheme's default when the URL has none). */
export interface RelayEndpoint {
  host: string;
  port: number;
}

/** "ab:cd:…" or 64 hex digits → "AB:CD:…"; null for anything else. */
export function normalizeFingerprint(raw: string): string | null {
  const hex = raw.trim().replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)?.join(':') ?? null;
}

/**
 * One spelling per host, as the WHATWG URL parser writes it: lowercase, IPv4 in dotted decimal, IPv6
 * compressed and in brackets ("::1" as Chromium hands it to the verify proc and "[::1]" from a URL are the
 * same host). Null for anything that is not a host.
 */
export function normalizeHost(raw: string): string | null {
  const trimmed = raw.trim();
  if (trimmed === '' || /[/?#@\s]/.test(trimmed)) return null;
  const bracketed = trimmed.includes(':') && !trimmed.startsWith('[') ? `[${trimmed}]` : trimmed;
  try {
    const url = new URL(`wss://${bracketed}/`);
    return url.port === '' && url.hostname !== '' ? url.hostname : null;
  } catch {
    return null;
  }
}

/** The host and port of a ws:// or wss:// relay address; the port defaults to 443 (wss) or 80 (ws). */
export function relayEndpoint(relayUrl: string): RelayEndpoint | null {
  let url: URL;
  try {
    url = new URL(relayUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') return null;
  const host = normalizeHost(url.hostname);
  if (!host) return null;
  return { host, port: url.port === '' ? (url.protocol === 'wss:' ? 443 : 80) : Number(url.port) };
}

/** "host:port", IPv6 in brackets: how the confirmation names a relay. */
export function formatEndpoint(endpoint: RelayEndpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

export class CertificatePins {
  /** host → pinned fingerprint → the port of the link that pinned it (for people; trust ignores it). */
  private readonly byHost = new Map<string, Map<string, number>>();
  private own: { fingerprint: string; hosts: () => readonly string[] } | null = null;

  /** Pins a certificate for one host; false (and nothing pinned) for a bad host or fingerprint. */
  pin(endpoint: RelayEndpoint, fingerprint: string): boolean {
    const host = normalizeHost(endpoint.host);
    const normalized = normalizeFingerprint(fingerprint);
    if (!host || !normalized) return false;
    const pinned = this.byHost.get(host) ?? new Map<string, number>();
    pinned.set(normalized, endpoint.port);
    this.byHost.set(host, pinned);
    return true;
  }

  /**
   * This app's own hosted relay: its certificate is trusted for the hosts it answers on, asked at each
   * verification because LAN addresses change while the app runs.
   */
  pinOwnRelay(fingerprint: string, hosts: () => readonly string[]): boolean {
    const normalized = normalizeFingerprint(fingerprint);
    if (normalized) this.own = { fingerprint: normalized, hosts };
    return normalized !== null;
  }

  /** Pinned for this host from a link (the hosted relay's own pin not counted). */
  has(host: string, fingerprint: string): boolean {
    const key = normalizeHost(host);
    const normalized = normalizeFingerprint(fingerprint);
    return key !== null && normalized !== null && (this.byHost.get(key)?.has(normalized) ?? false);
  }

  /** Whether a certificate with this fingerprint is trusted when `host` presents it. */
  trusts(host: string, fingerprint: string): boolean {
    const key = normalizeHost(host);
    const normalized = normalizeFingerprint(fingerprint);
    if (!key || !normalized) return false;
    if (this.byHost.get(key)?.has(normalized)) return true;
    return this.own?.fingerprint === normalized && this.own.hosts().some((ownHost) => normalizeHost(ownHost) === key);
  }

  /** The verdict for the certificate (PEM, as Electron's `Certificate.data` holds it) that `hostname` presents. */
  verify(hostname: string, pem: string): number {
    try {
      return this.trusts(hostname, new X509Certificate(pem).fingerprint256) ? VERIFY_TRUST : VERIFY_DEFAULT;
    } catch {
      return VERIFY_DEFAULT;
    }
  }
}
