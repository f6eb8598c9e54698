/**
 * A patient's way in: the clinician's single-use, expiring invite, redeemed by one device that proves it holds
 * its key, and that device's proof when it comes back to its seat. The store keeps invites (hashed secrets,
 * the device key they are bound to); this module speaks for them in the protocol's terms.
 */
import type { SeatDetails } from './consultations';
import { publicKeyFromPem, publicKeyPem, verifyChallenge } from './device-auth';
import { ErrorCode } from './protocol';
import type { SeatClaim } from './resume-tokens';
import type { Invite, InviteKey, InviteRefusal, RelayStore } from './store/store';

export type RedeemOutcome = { ok: true; invite: Invite; deviceKey: string } | { ok: false; code: ErrorCode; message: string };

const REFUSALS: Record<InviteRefusal, { code: ErrorCode; message: string }> = {
  INVITE_INVALID: {
    code: ErrorCode.INVITE_INVALID,
    message: 'This invite is not valid: check the code, or open the link from the clinic’s message again.',
  },
  INVITE_EXPIRED: { code: ErrorCode.INVITE_EXPIRED, message: 'This invite has expired. Ask the clinic for a new one.' },
  INVITE_USED: {
    code: ErrorCode.INVITE_USED,
    message: 'This invite was already used on another device. Ask the clinic for a new invite for this device.',
  },
  CONSULTATION_CLOSED: { code: ErrorCode.UNKNOWN_CONSULTATION, message: 'This consultation has ended.' },
  PUBLIC_KEY_INVALID: { code: ErrorCode.CREDENTIAL_INVALID, message: 'This device’s key is not valid; reload the page and try again.' },
};

/** Redeems the invite for the device whose key signed this socket's challenge (and only then). */
export async function redeemInvite(
  store: RelayStore,
  challenge: string,
  request: { invite: InviteKey; name: string; publicKey: string; signature: string },
  now: number,
): Promise<RedeemOutcome> {
  const pem = publicKeyPem(request.publicKey);
  if (!pem || !(await verifyChallenge(request.publicKey, 'patient-seat', challenge, request.signature))) {
    return { ok: false, ...REFUSALS.PUBLIC_KEY_INVALID };
  }
  const outcome = await store.redeemInvite(request.invite, pem, request.name, now);
  if (!outcome.ok) return { ok: false, ...REFUSALS[outcome.code] };
  return { ok: true, invite: outcome.value, deviceKey: request.publicKey };
}

/** True when this socket's challenge was signed by the patient seat's device key. */
export async function deviceProven(deviceKey: string | null, challenge: string, signature: string | null): Promise<boolean> {
  if (deviceKey === null || signature === null) return false;
  return verifyChallenge(deviceKey, 'patient-seat', challenge, signature);
}

/**
 * What a seat needs to be rebuilt after a restart, from the store (tokens carry ids only). Null when the
 * store says it is gone: a closed consultation, a revoked clinician, an invite that does not match.
 */
export async function seatDetails(store: RelayStore, claim: SeatClaim): Promise<SeatDetails | null> {
  const consultation = await store.consultation(claim.kid);
  if (!consultation || consultation.closedAt !== null) return null;
  const clinician = claim.csid ? await store.staff(claim.csid) : null;
  if (!clinician || clinician.revokedAt !== null) return null;
  if (claim.role === 'clinician') {
    return { code: consultation.code, clinicianName: clinician.displayName, name: clinician.displayName, invitedAs: null, deviceKey: null };
  }
  const invite = claim.iid ? await store.invite(claim.iid) : null;
  if (!invite || invite.consultationId !== claim.kid || invite.devicePublicKey === null) return null;
  return {
    code: consultation.code,
    clinicianName: clinician.displayName,
    name: invite.patientName ?? invite.expectedName ?? 'Patient',
    invitedAs: invite.expectedName,
    deviceKey: publicKeyFromPem(invite.devicePublicKey),
  };
}

/** What the invite page may tell a patient before anything is downloaded. */
export type InviteStatus = 'valid' | 'used' | 'expired' | 'invalid' | 'closed';

/** The status of the invite a link's secret names (no device is bound or spent by asking). */
export async function inviteStatus(store: RelayStore, secret: string, now: number): Promise<InviteStatus> {
  const found = await store.findInvite({ secret });
  if (!found) return 'invalid';
  if (found.consultationClosed) return 'closed';
  if (found.invite.usedAt !== null) return 'used';
  return found.invite.expiresAt <= now ? 'expired' : 'valid';
}
