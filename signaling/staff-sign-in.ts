/**
 * Staff sign-in on one socket: enrolling a device with IT's one-time code, and authenticating with an enrolled
 * device. Both prove possession of the device's private key by signing the socket's own challenge, so a
 * signature seen on one connection is worthless on any other. What a signed-in socket may then do is
 * access-policy.ts's business.
 */
import { publicKeyFromPem, publicKeyPem, verifyChallenge } from './device-auth';
import { ErrorCode } from './protocol';
import type { EnrollmentRefusal, RelayStore } from './store/store';

export interface SignedIn {
  readonly staffId: string;
  readonly name: string;
  readonly credentialId: string;
}

export type SignInOutcome = { ok: true; signedIn: SignedIn } | { ok: false; code: ErrorCode; message: string };

const refuse = (code: ErrorCode, message: string): SignInOutcome => ({ ok: false, code, message });

const ENROLLMENT_REFUSALS: Record<EnrollmentRefusal, { code: ErrorCode; message: string }> = {
  ENROLLMENT_INVALID: {
    code: ErrorCode.ENROLLMENT_INVALID,
    message: 'this enrollment code is not known here; check it, or ask IT for a new one',
  },
  ENROLLMENT_EXPIRED: { code: ErrorCode.ENROLLMENT_EXPIRED, message: 'this enrollment code has expired; ask IT for a new one' },
  ENROLLMENT_USED: { code: ErrorCode.ENROLLMENT_USED, message: 'this enrollment code was already used; ask IT for a new one' },
  STAFF_REVOKED: { code: ErrorCode.STAFF_REVOKED, message: 'this staff member was removed by IT' },
  PUBLIC_KEY_INVALID: { code: ErrorCode.CREDENTIAL_INVALID, message: 'the device key is not a valid P-256 public key' },
  PUBLIC_KEY_IN_USE: { code: ErrorCode.PUBLIC_KEY_IN_USE, message: 'this device key is already enrolled; enroll with a fresh key' },
};

/** Spends the code and registers the key, once the signature shows the device holds the key's private half. */
export async function enroll(
  store: RelayStore,
  challenge: string,
  request: { code: string; publicKey: string; signature: string },
  now: number,
): Promise<SignInOutcome> {
  const pem = publicKeyPem(request.publicKey);
  if (!pem || !(await verifyChallenge(request.publicKey, 'enroll', challenge, request.signature))) {
    return refuse(ErrorCode.CREDENTIAL_INVALID, 'the device could not prove it holds its key; reload and try again');
  }
  const outcome = await store.redeemEnrollment(request.code, pem, now);
  if (!outcome.ok) return refuse(ENROLLMENT_REFUSALS[outcome.code].code, ENROLLMENT_REFUSALS[outcome.code].message);
  const { staff, credential } = outcome.value;
  return { ok: true, signedIn: { staffId: staff.id, name: staff.displayName, credentialId: credential.id } };
}

/** Signs in an enrolled device: its credential and its staff member unrevoked, and the signature good. */
export async function authenticate(
  store: RelayStore,
  challenge: string,
  request: { credentialId: string; signature: string },
  now: number,
): Promise<SignInOutcome> {
  const credential = await store.deviceCredential(request.credentialId);
  // Unknown credential and bad signature read the same: the answer tells a prober nothing.
  const invalid = refuse(ErrorCode.CREDENTIAL_INVALID, 'this device is not signed in to this relay; enroll it with a code from IT');
  const publicKey = credential ? publicKeyFromPem(credential.publicKey) : null;
  if (!credential || !publicKey) return invalid;
  if (!(await verifyChallenge(publicKey, 'staff-sign-in', challenge, request.signature))) return invalid;
  const staff = await store.staff(credential.staffId);
  if (credential.revokedAt !== null || !staff || staff.revokedAt !== null) {
    return refuse(ErrorCode.STAFF_REVOKED, 'IT revoked this sign-in; ask them for a new enrollment code');
  }
  await store.touchDeviceCredential(credential.id, now);
  return { ok: true, signedIn: { staffId: staff.id, name: staff.displayName, credentialId: credential.id } };
}

/** Of these credentials, the ones revoked since they signed in (by IT's CLI in another process, or here). */
export async function revokedAmong(store: RelayStore, credentialIds: Iterable<string>): Promise<string[]> {
  const revoked: string[] = [];
  for (const id of credentialIds) {
    const credential = await store.deviceCredential(id);
    if (!credential || credential.revokedAt !== null) revoked.push(id);
  }
  return revoked;
}
