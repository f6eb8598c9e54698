/**
 * What the relay remembers across restarts: staff, their device credentials, enrollment codes, consultations
 * (open/closed), invites, departures and the audit log. This module is the whole contract the relay codes
 * against; the SQL lives only in the implementation (`sqlite-store.ts`, the default: one file in the relay's
 * data folder, no server to install), so a server database can take its place later.
 *
 * Why every method returns a Promise although SQLite answers synchronously: a server database (PostgreSQL,
 * say) only answers asynchronously, and the SQLite implementation may move off the event loop (a worker)
 * without touching a caller. Correctness never leans on JavaScript running one call at a time: every
 * once-only operation is decided inside the database (a conditional UPDATE in a transaction), so two relays,
 * two connections or interleaved awaits can never both win.
 *
 * Times are epoch milliseconds, passed in (`now`) like the rest of the relay, so tests drive the clock.
 * Expected refusals (an expired code, a used invite) are values (`Outcome`), not exceptions; exceptions mean a
 * bug or a broken database.
 *
 * Secrets handed out here (enrollment codes, invite secrets) are returned once, in plain, and stored only as
 * SHA-256 hashes; device keys are stored as public keys only (SPKI PEM or JWK text), never private material.
 */
import { createHash, createPublicKey, type JsonWebKey, type KeyObject, randomBytes } from 'node:crypto';
import { newTypableCode } from '../ids';

export interface Staff {
  readonly id: string;
  readonly displayName: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface DeviceCredential {
  readonly id: string;
  readonly staffId: string;
  /** The device's public key, as SPKI PEM (given as SPKI PEM or JWK). */
  readonly publicKey: string;
  readonly createdAt: number;
  /** Set when the device or its staff member was revoked: the credential never authenticates again. */
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
}

export interface ConsultationRecord {
  readonly id: string;
  readonly code: string;
  /** Null while clinicians are not yet enrolled staff (the relay before staff identity). */
  readonly clinicianStaffId: string | null;
  readonly openedAt: number;
  readonly closedAt: number | null;
}

export interface Invite {
  readonly id: string;
  readonly consultationId: string;
  readonly expectedName: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  /** The device key the invite was redeemed with: the seat belongs to that device from then on. */
  readonly devicePublicKey: string | null;
  /** The name the patient typed when redeeming it. */
  readonly patientName: string | null;
}

/** How a patient names their invite: the link's secret, or the short code read out over the phone. */
export type InviteKey = { readonly secret: string } | { readonly shortCode: string };

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

export interface NewAuditEvent {
  readonly at: number;
  /** What happened, e.g. 'consultation.closed' (1-64 characters). */
  readonly type: string;
  readonly consultationId: string | null;
  /** Who did it: a staff id, a participant id, 'relay' (1-128 characters). */
  readonly actor: string;
  readonly detail: Json;
}

export interface AuditEvent extends NewAuditEvent {
  /** Increases with every append and is never reused, even after a purge. */
  readonly seq: number;
}

export type Outcome<T, Code extends string> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: Code };

export type EnrollmentRefusal =
  | 'ENROLLMENT_INVALID'
  | 'ENROLLMENT_EXPIRED'
  | 'ENROLLMENT_USED'
  | 'STAFF_REVOKED'
  | 'PUBLIC_KEY_INVALID'
  /** Another credential already holds this public key: a device enrolls with a fresh key. */
  | 'PUBLIC_KEY_IN_USE';

export type InviteRefusal = 'INVITE_INVALID' | 'INVITE_EXPIRED' | 'INVITE_USED' | 'CONSULTATION_CLOSED' | 'PUBLIC_KEY_INVALID';

export type OpenConsultationRefusal =
  /** Closed consultations stay closed: a restart never reopens one. */
  | 'CONSULTATION_CLOSED'
  /** An open consultation already has this code. */
  | 'CODE_IN_USE'
  /** This id is recorded with another code or clinician. */
  | 'CONSULTATION_CONFLICT'
  | 'STAFF_UNKNOWN';

export const DEFAULT_ENROLLMENT_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_AUDIT_PAGE = 1000;

export interface RelayStore {
  // Staff and their devices
  /** A new staff member and their first one-time enrollment code (plain, returned only here). */
  addStaff(displayName: string, now: number, enrollmentTtlMs?: number): Promise<{ staff: Staff; enrollmentCode: string }>;
  /** Another one-time code for an existing, unrevoked staff member (a new device). */
  issueEnrollmentCode(staffId: string, now: number, ttlMs?: number): Promise<Outcome<string, 'STAFF_UNKNOWN' | 'STAFF_REVOKED'>>;
  staff(id: string): Promise<Staff | null>;
  /** Everyone, revoked included, oldest first. */
  listStaff(): Promise<Staff[]>;
  /** Revokes the staff member and every device credential of theirs; their unused codes stop working. Null if unknown. */
  revokeStaff(id: string, now: number): Promise<Staff | null>;
  /** Spends a one-time code (once, ever) and binds the device's public key to a new credential. */
  redeemEnrollment(
    code: string,
    publicKey: string,
    now: number,
  ): Promise<Outcome<{ staff: Staff; credential: DeviceCredential }, EnrollmentRefusal>>;
  deviceCredential(id: string): Promise<DeviceCredential | null>;
  deviceCredentials(staffId: string): Promise<DeviceCredential[]>;
  /** Notes a successful authentication; false (and nothing changes) for an unknown or revoked credential. */
  touchDeviceCredential(id: string, now: number): Promise<boolean>;
  /** Null if unknown; an already revoked credential keeps its first revocation time. */
  revokeDeviceCredential(id: string, now: number): Promise<DeviceCredential | null>;

  // Consultations
  /** Idempotent for an open consultation with the same code and clinician (a relay restoring its state). */
  recordConsultationOpened(
    consultation: { id: string; code: string; clinicianStaffId: string | null },
    now: number,
  ): Promise<Outcome<ConsultationRecord, OpenConsultationRefusal>>;
  /** True if this call closed it; false if it was already closed or is unknown. */
  recordConsultationClosed(id: string, now: number): Promise<boolean>;
  consultation(id: string): Promise<ConsultationRecord | null>;
  isConsultationClosed(id: string): Promise<boolean>;

  // Invites
  /** An invite, its link secret and its short code (plain, returned only here; the link carries the secret). */
  createInvite(
    invite: { consultationId: string; expectedName: string | null; expiresAt: number },
    now: number,
  ): Promise<Outcome<{ invite: Invite; secret: string; shortCode: string }, 'CONSULTATION_UNKNOWN' | 'CONSULTATION_CLOSED'>>;
  /**
   * Spends the invite (once, ever) and binds it to the redeeming device's public key. The same device may
   * redeem it again (a reload, a lost connection) and gets the same invite; any other device gets INVITE_USED.
   */
  redeemInvite(key: InviteKey, devicePublicKey: string, patientName: string, now: number): Promise<Outcome<Invite, InviteRefusal>>;
  invite(id: string): Promise<Invite | null>;
  /** The invite a link's secret or a short code names, and whether its consultation is closed; null if none. */
  findInvite(key: InviteKey): Promise<{ invite: Invite; consultationClosed: boolean } | null>;

  // Departures: a participant who left for good does not come back with an old seat.
  /** Keeps the first departure time if recorded twice. The consultation must have been recorded as opened. */
  recordDeparture(departure: { consultationId: string; participantId: string }, now: number): Promise<void>;
  hasDeparted(departure: { consultationId: string; participantId: string }): Promise<boolean>;
  /** Departures recorded at or after `at` (a restarted relay loads those its resume tokens could still name). */
  departuresSince(at: number): Promise<{ consultationId: string; participantId: string }[]>;

  // Audit log: append-only; the only removal is the retention purge.
  /** Appends in one transaction: all or none. Resolves once committed, with the new seqs in order. */
  appendAudit(events: readonly NewAuditEvent[]): Promise<number[]>;
  /** Events at or after `at`, oldest first by seq; `afterSeq` pages on (pass the last seq seen). */
  auditSince(at: number, limit: number, afterSeq?: number): Promise<AuditEvent[]>;
  /** Removes events older than `before`, records that it did (an 'audit.purged' event, when any went), returns how many. */
  purgeAuditBefore(before: number, now: number, actor?: string): Promise<number>;

  /** Whether the database can take a write right now (the relay's readiness): takes the write lock and lets go. */
  checkWritable(): Promise<boolean>;

  close(): Promise<void>;
}

/** Thrown when the database was written by a newer relay: running older code on it could corrupt it. */
export class StoreSchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
    where: string,
  ) {
    super(
      `${where} has schema version ${found}, but this relay knows versions up to ${supported}: ` +
        'run the newer relay that wrote it, or restore a backup made by this version',
    );
    this.name = 'StoreSchemaTooNewError';
  }
}

/** Thrown when the file is an SQLite database of something else. */
export class StoreNotOursError extends Error {
  constructor(where: string) {
    super(`${where} is not a Clinic Consult relay database: refusing to touch it`);
    this.name = 'StoreNotOursError';
  }
}

// Helpers any implementation shares: ids, one-time secrets and their hashes, public-key checks.

const ENROLLMENT_CODE_LENGTH = 20; // 20 characters from 31 (no look-alikes): ~99 bits

/** A one-time enrollment code people can type or scan: XXXX-XXXX-XXXX-XXXX-XXXX. */
export function newEnrollmentCode(): string {
  return (newTypableCode(ENROLLMENT_CODE_LENGTH).match(/.{4}/g) ?? []).join('-');
}

/** Forgives what people type: lower case, spaces and dashes. */
export function normalizeEnrollmentCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

const SHORT_CODE_LENGTH = 8; // 8 characters from 31: ~40 bits, guessed only through the relay's throttle

/** A short invite code people can read out over the phone: XXXX-XXXX. */
export function newShortCode(): string {
  return (newTypableCode(SHORT_CODE_LENGTH).match(/.{4}/g) ?? []).join('-');
}

/** An invite secret for a link: 256 random bits. */
export function newInviteSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256, hex. The secrets hashed here are long and random, so a fast hash is enough. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const MAX_PUBLIC_KEY_LENGTH = 8192;

/**
 * The key as SPKI PEM, for an SPKI PEM or a public JWK (JSON text); null for anything else, private keys
 * included (never stored). One canonical text per key, so "this key is already enrolled" cannot be dodged
 * by re-encoding it.
 */
export function canonicalPublicKey(text: string): string | null {
  if (text.length === 0 || text.length > MAX_PUBLIC_KEY_LENGTH) return null;
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('-----BEGIN PUBLIC KEY-----')) {
      return spki(createPublicKey({ key: trimmed, format: 'pem', type: 'spki' }));
    }
    const jwk: unknown = JSON.parse(trimmed);
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return null;
    // Private JWKs carry 'd' (EC, OKP, RSA) or 'k' (symmetric); createPublicKey would quietly accept them.
    if ('d' in jwk || 'k' in jwk) return null;
    return spki(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  } catch {
    return null;
  }
}

function spki(key: KeyObject): string {
  return String(key.export({ type: 'spki', format: 'pem' }));
}

export function checkAuditEvent(event: NewAuditEvent): void {
  if (!Number.isSafeInteger(event.at)) throw new TypeError('audit event "at" must be epoch milliseconds');
  if (event.type.length < 1 || event.type.length > 64) throw new TypeError('audit event type must be 1-64 characters');
  if (event.actor.length < 1 || event.actor.length > 128) throw new TypeError('audit event actor must be 1-128 characters');
}
