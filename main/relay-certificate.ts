/**
 * The bundled relay's TLS certificate: self-signed, made once and kept in the user data folder, so its
 * fingerprint stays the same across restarts and can travel in consultation links (`fp=`), where the
 * patients' apps pin it. Node only (no Electron import): tested with real files.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface RelayCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, "AB:CD:…" as `X509Certificate.fingerprint256` writes it. */
  fingerprint: string;
}

const CERT_FILE = 'relay-cert.pem';
const KEY_FILE = 'relay-key.pem';

export async function loadOrCreateRelayCertificate(dir: string, now: Date = new Date()): Promise<RelayCertificate> {
  const existing = await readExisting(dir, now);
  if (existing) return existing;
  const notAfterDate = new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000);
  const generated = await selfsigned.generate([{ name: 'commonName', value: 'Clinic Consult relay' }], {
    notBeforeDate: now,
    notAfterDate,
    keyType: 'ec',
    algorithm: 'sha256',
  });
  await mkdir(dir, { recursive: true });
  // The key never leaves this computer: owner-only permissions.
  await writeFile(join(dir, KEY_FILE), generated.private, { mode: 0o600 });
  await writeFile(join(dir, CERT_FILE), generated.cert, { mode: 0o644 });
  return { cert: generated.cert, key: generated.private, fingerprint: new X509Certificate(generated.cert).fingerprint256 };
}

/** A stored pair that still parses and has not expired; anything else is replaced. */
async function readExisting(dir: string, now: Date): Promise<RelayCertificate | null> {
  try {
    const [cert, key] = await Promise.all([readFile(join(dir, CERT_FILE), 'utf8'), readFile(join(dir, KEY_FILE), 'utf8')]);
    const parsed = new X509Certificate(cert);
    if (new Date(parsed.validTo) <= now) return null;
    return { cert, key, fingerprint: parsed.fingerprint256 };
  } catch {
    return null;
  }
}
