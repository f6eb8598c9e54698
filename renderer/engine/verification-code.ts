/**
 * The call's verification code: a short number both people can read aloud to prove that nobody (the relay
 * included) sits in the middle of their call. Pure; WebCrypto only (Chromium, Electron and Node 20 all have it).
 *
 * Why it works: each side's DTLS checks the certificate the other side presents against the fingerprint in
 * the other side's SDP, which the relay carries. A relay in the middle must swap both fingerprints for
 * certificates of its own, so the two sides hash different pairs of fingerprints and, bar luck, see different
 * codes. Each side hashes its own local fingerprint and the remote one, sorted, so both compute the same
 * input when nothing was swapped.
 *
 * How much luck: 12 digits are 10^12 codes, ~39.9 bits. A relay in the middle chooses the last fingerprint
 * (the one it puts in the answer to the offerer) after seeing the other three, so it can try certificates
 * until the offerer's code equals the answerer's instead of hoping. Each try here costs PBKDF2 with 2^17
 * HMAC-SHA-256 iterations (~2^18 SHA-256 blocks, ~30 ms on this machine's Node), so hitting a given code costs on
 * average 2^39.9 × 2^18 ≈ 2^58 blocks: a high-end GPU (~2^34.4 SHA-256 blocks/s) buys a ~2^-17.6 (1 in
 * 200,000) chance per minute the call setup is held up, and every failed try shows two different codes to two
 * people who are about to compare them. Certificates are made afresh for each connection, so nothing can be
 * computed ahead of the call.
 */

/** Hash functions a fingerprint may use here, with their digest length in bytes (RFC 8122 names). */
const FINGERPRINT_BYTES: Readonly<Record<string, number>> = { 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 };

/** Part of the hashed input, so a code of this scheme never equals one derived any other way. */
const CONTEXT = 'clinic-consult call verification v1';
/** The stretching that makes trying certificates costly (see the header). Changing it changes every code. */
export const VERIFICATION_ITERATIONS = 2 ** 17;
export const CODE_DIGITS = 12;

export type VerificationFailure =
  /** No description yet (the call has not connected) or it has no m-section with a fingerprint. */
  | 'no-description'
  | 'no-fingerprint'
  /** Two fingerprints at one level, or m-sections with different ones: which one DTLS checks is not certain. */
  | 'several-fingerprints'
  | 'unsupported-hash'
  | 'malformed-fingerprint';

export type Verification =
  | { code: string; groups: string[] }
  | { code: null; reason: VerificationFailure; message: string; side: 'local' | 'remote' | null };

type Extracted = { ok: true; fingerprint: string } | { ok: false; reason: VerificationFailure; message: string };

/**
 * The one fingerprint a description's DTLS transport uses, normalised as "sha-256 AB:CD:…": an m-section's own
 * fingerprint, else the session-level one (as libwebrtc does; measured with Chromium 156). A description with
 * two fingerprints at one level, or m-sections naming different ones, is refused rather than choosing one:
 * Chromium accepts two lines at one level and checks the certificate against the last (measured), so a relay
 * could list the real fingerprint first and its own last; a code for one while DTLS checks the other would
 * prove nothing. Chromium itself always writes one sha-256 fingerprint, the same in every m-section.
 */
export function extractFingerprint(sdp: string): Extracted {
  const levels: string[][] = [[]]; // [session, m-section 1, m-section 2, …]
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) levels.push([]);
    else if (/^a=fingerprint:/i.test(line)) levels.at(-1)?.push(line.slice('a=fingerprint:'.length).trim());
  }
  const [session = [], ...media] = levels;
  if (levels.some((level) => level.length > 1)) {
    return { ok: false, reason: 'several-fingerprints', message: 'the description has two fingerprints at one level' };
  }
  const effective = (media.length > 0 ? media.map((level) => level[0] ?? session[0]) : [session[0]]).filter(
    (value): value is string => value !== undefined,
  );
  if (effective.length === 0 || effective.length < media.length) {
    return { ok: false, reason: 'no-fingerprint', message: 'the description has no DTLS fingerprint' };
  }
  const normalised: string[] = [];
  for (const value of effective) {
    const parsed = normaliseFingerprint(value);
    if (!parsed.ok) return parsed;
    normalised.push(parsed.fingerprint);
  }
  const distinct = [...new Set(normalised)];
  if (distinct.length > 1) {
    return { ok: false, reason: 'several-fingerprints', message: 'the description names different fingerprints for its media' };
  }
  return { ok: true, fingerprint: distinct[0] as string };
}

/** "SHA-256 ab:cd:…" → "sha-256 AB:CD:…", checking the hash function and the digest's length. */
export function normaliseFingerprint(value: string): Extracted {
  const [hash = '', digest = '', ...rest] = value.trim().split(/\s+/);
  const algorithm = hash.toLowerCase();
  const bytes = FINGERPRINT_BYTES[algorithm];
  if (bytes === undefined) {
    return { ok: false, reason: 'unsupported-hash', message: `fingerprints made with ${hash || 'no hash'} are not accepted` };
  }
  const pairs = digest.split(':');
  if (rest.length > 0 || pairs.length !== bytes || !pairs.every((pair) => /^[0-9a-f]{2}$/i.test(pair))) {
    return { ok: false, reason: 'malformed-fingerprint', message: `the ${algorithm} fingerprint is not ${bytes} hex bytes` };
  }
  return { ok: true, fingerprint: `${algorithm} ${digest.toUpperCase()}` };
}

/**
 * The code for a call from this side's local and remote descriptions (SDP text; null before there is one).
 * Both sides get the same code exactly when each one's remote fingerprint is the other one's local fingerprint.
 */
export async function verificationCode(localSdp: string | null, remoteSdp: string | null): Promise<Verification> {
  if (!localSdp || !remoteSdp) {
    return { code: null, reason: 'no-description', message: 'The call is not connected yet.', side: null };
  }
  const local = extractFingerprint(localSdp);
  if (!local.ok) return { code: null, reason: local.reason, message: `This side: ${local.message}.`, side: 'local' };
  const remote = extractFingerprint(remoteSdp);
  if (!remote.ok) return { code: null, reason: remote.reason, message: `The other side: ${remote.message}.`, side: 'remote' };
  return codeFromFingerprints(local.fingerprint, remote.fingerprint);
}

/** The code for two normalised fingerprints, in either order. */
export async function codeFromFingerprints(a: string, b: string): Promise<{ code: string; groups: string[] }> {
  const encoder = new TextEncoder();
  const material = [a, b].sort().join('\n');
  const key = await crypto.subtle.importKey('raw', encoder.encode(material), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: encoder.encode(CONTEXT), iterations: VERIFICATION_ITERATIONS },
    key,
    64,
  );
  // 64 bits reduced mod 10^12: the bias is below 10^-7, nothing a guesser can use.
  const value = new DataView(bits).getBigUint64(0) % 10n ** BigInt(CODE_DIGITS);
  const digits = value.toString().padStart(CODE_DIGITS, '0');
  const groups = digits.match(/\d{4}/g) ?? [digits];
  return { code: groups.join(' '), groups };
}
