/**
 * Device credentials: a key pair made on the device, its private half non-extractable (WebCrypto keeps it
 * out of reach of the page's own script, and it never leaves the device). The relay keeps only the public
 * half, which is useless to a thief, and each connection proves possession by signing a fresh challenge.
 * Shared by the relay (Node's WebCrypto) and the app (the browser's): the same bytes are signed and verified.
 */

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNATURE_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** Bounds for what a client sends: an SPKI P-256 key is 91 bytes, a raw P-256 signature 64. */
const MAX_PUBLIC_KEY_CHARS = 200;
const SIGNATURE_BYTES = 64;

/** What a signature is for: a staff sign-in and a patient's seat are different proofs and never interchange. */
export type ChallengePurpose = 'staff-sign-in' | 'patient-seat' | 'enroll';

export interface DeviceKey {
  /** The private half cannot be exported; the pair can be stored (IndexedDB) and used, never read. */
  keyPair: CryptoKeyPair;
  /** SPKI, base64url: what the relay stores. */
  publicKey: string;
}

export async function createDeviceKey(subtle: SubtleCrypto = crypto.subtle): Promise<DeviceKey> {
  const keyPair = await subtle.generateKey(KEY_ALGORITHM, false, ['sign', 'verify']);
  const spki = await subtle.exportKey('spki', keyPair.publicKey);
  return { keyPair, publicKey: toBase64Url(new Uint8Array(spki)) };
}

/** A fresh, unguessable challenge (256 bits). */
export function newChallenge(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * The exact bytes signed: a versioned context, the purpose and the challenge, so that a signature made for
 * one purpose (or one protocol version) can never be replayed as another.
 */
function signedBytes(purpose: ChallengePurpose, challenge: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`clinic-consult device-auth v1\n${purpose}\n${challenge}`);
}

export async function signChallenge(
  privateKey: CryptoKey,
  purpose: ChallengePurpose,
  challenge: string,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<string> {
  const signature = await subtle.sign(SIGNATURE_ALGORITHM, privateKey, signedBytes(purpose, challenge));
  return toBase64Url(new Uint8Array(signature));
}

/** True only for a valid signature of this challenge and purpose by this public key; never throws. */
export async function verifyChallenge(
  publicKey: string,
  purpose: ChallengePurpose,
  challenge: string,
  signature: string,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<boolean> {
  const key = await importPublicKey(publicKey, subtle);
  const signatureBytes = fromBase64Url(signature);
  if (!key || !signatureBytes || signatureBytes.length !== SIGNATURE_BYTES) return false;
  try {
    return await subtle.verify(SIGNATURE_ALGORITHM, key, signatureBytes, signedBytes(purpose, challenge));
  } catch {
    return false;
  }
}

/** The public key if it is a well-formed P-256 SPKI key, else null (for validating what a client registers). */
export async function importPublicKey(publicKey: string, subtle: SubtleCrypto = crypto.subtle): Promise<CryptoKey | null> {
  if (publicKey.length > MAX_PUBLIC_KEY_CHARS) return null;
  const spki = fromBase64Url(publicKey);
  if (!spki) return null;
  try {
    return await subtle.importKey('spki', spki, KEY_ALGORITHM, true, ['verify']);
  } catch {
    return null;
  }
}

/** A short, stable id for a public key (SHA-256 of its SPKI, base64url, 22 characters). */
export async function publicKeyId(publicKey: string, subtle: SubtleCrypto = crypto.subtle): Promise<string | null> {
  if (publicKey.length > MAX_PUBLIC_KEY_CHARS) return null;
  const spki = fromBase64Url(publicKey);
  if (!spki) return null;
  const digest = new Uint8Array(await subtle.digest('SHA-256', spki));
  return toBase64Url(digest.slice(0, 16));
}

/**
 * The one conversion between the two spellings of a device's public key: base64url SPKI (what the device
 * sends, compact on the wire) and SPKI PEM (what the store keeps, readable by any tool). Null for malformed input.
 */
export function publicKeyPem(publicKey: string): string | null {
  if (publicKey.length > MAX_PUBLIC_KEY_CHARS) return null;
  const spki = fromBase64Url(publicKey);
  if (!spki || spki.length === 0) return null;
  let binary = '';
  for (const byte of spki) binary += String.fromCharCode(byte);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

export function publicKeyFromPem(pem: string): string | null {
  const match = /^-----BEGIN PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PUBLIC KEY-----\s*$/.exec(pem);
  if (!match?.[1]) return null;
  try {
    const binary = atob(match[1].replace(/\s+/g, ''));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return toBase64Url(bytes);
  } catch {
    return null;
  }
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Null for anything that is not strict base64url. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(
    text
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(text.length / 4) * 4, '='),
  );
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
