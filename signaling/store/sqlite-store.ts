/**
 * The default store: one SQLite file, `relay.db`, in the relay's data folder (driver: libsql, prebuilt N-API,
 * so it loads in plain Node and in Electron's Node alike). WAL journal with synchronous=FULL: a transaction
 * is on disk when COMMIT returns, so an event the relay was told is recorded survives a crash of the process
 * and, as far as the disk keeps its promises, of the machine.
 *
 * Every once-only operation is a conditional UPDATE (`... WHERE used_at IS NULL AND expires_at > now`) inside
 * an IMMEDIATE transaction: whichever connection or process commits first wins, the other sees 0 rows changed.
 * libsql's API is synchronous; the methods are `async` for the `RelayStore` contract (see store.ts).
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'libsql';
import { newId } from '../ids';
import { assertOpenable, LATEST_VERSION, migrate, schemaVersion } from './migrations';
import {
  type AuditEvent,
  type ConsultationRecord,
  canonicalPublicKey,
  checkAuditEvent,
  DEFAULT_ENROLLMENT_TTL_MS,
  type DeviceCredential,
  type EnrollmentRefusal,
  hashSecret,
  type Invite,
  type InviteKey,
  type InviteRefusal,
  type Json,
  MAX_AUDIT_PAGE,
  type NewAuditEvent,
  newEnrollmentCode,
  newInviteSecret,
  newShortCode,
  normalizeEnrollmentCode,
  type OpenConsultationRefusal,
  type Outcome,
  type RelayStore,
  type Staff,
} from './store';

export const DATABASE_FILE = 'relay.db';
/** How long a writer waits for another connection's transaction (e.g. an admin command next to the relay). */
const BUSY_TIMEOUT_MS = 5000;

export type StoreLocation =
  /** The relay's data folder: created 0700 if missing; the database file is kept 0600. */
  | { directory: string }
  /** Nothing on disk: for unit tests of modules that use a store. */
  | { memory: true };

export async function openStore(location: StoreLocation): Promise<SqliteStore> {
  return SqliteStore.open(location);
}

interface StaffRow {
  id: string;
  display_name: string;
  created_at: number;
  revoked_at: number | null;
}
interface CredentialRow {
  id: string;
  staff_id: string;
  public_key: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}
interface EnrollmentRow {
  staff_id: string;
  expires_at: number;
  used_at: number | null;
}
interface ConsultationRow {
  id: string;
  code: string;
  clinician_staff_id: string | null;
  opened_at: number;
  closed_at: number | null;
}
interface InviteRow {
  id: string;
  consultation_id: string;
  expected_name: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  device_public_key: string | null;
  patient_name: string | null;
}
interface AuditRow {
  seq: number;
  at: number;
  type: string;
  consultation_id: string | null;
  actor: string;
  detail: string;
}

// Rows are copied field by field: libsql adds a `_metadata` property to every row it returns.
const toStaff = (r: StaffRow): Staff => ({ id: r.id, displayName: r.display_name, createdAt: r.created_at, revokedAt: r.revoked_at });
const toCredential = (r: CredentialRow): DeviceCredential => ({
  id: r.id,
  staffId: r.staff_id,
  publicKey: r.public_key,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});
const toConsultation = (r: ConsultationRow): ConsultationRecord => ({
  id: r.id,
  code: r.code,
  clinicianStaffId: r.clinician_staff_id,
  openedAt: r.opened_at,
  closedAt: r.closed_at,
});
const toInvite = (r: InviteRow): Invite => ({
  id: r.id,
  consultationId: r.consultation_id,
  expectedName: r.expected_name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  devicePublicKey: r.device_public_key,
  patientName: r.patient_name,
});
const toAudit = (r: AuditRow): AuditEvent => ({
  seq: r.seq,
  at: r.at,
  type: r.type,
  consultationId: r.consultation_id,
  actor: r.actor,
  detail: JSON.parse(r.detail) as Json,
});

const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
const refuse = <C extends string>(code: C): { ok: false; code: C } => ({ ok: false, code });

const STAFF_COLUMNS = 'id, display_name, created_at, revoked_at';
const CREDENTIAL_COLUMNS = 'id, staff_id, public_key, created_at, revoked_at, last_used_at';
const CONSULTATION_COLUMNS = 'id, code, clinician_staff_id, opened_at, closed_at';
const INVITE_COLUMNS = 'id, consultation_id, expected_name, created_at, expires_at, used_at, device_public_key, patient_name';

/** Short codes are typed by people: hashed in the one form every typing of them normalises to. */
function shortCodeHash(code: string): string {
  return hashSecret(`short:${normalizeEnrollmentCode(code)}`);
}

export class SqliteStore implements RelayStore {
  private readonly sql;

  private constructor(
    private readonly db: Database.Database,
    /** The database file, or ':memory:'. */
    readonly path: string,
  ) {
    const q = (source: string) => db.prepare(source);
    this.sql = {
      insertStaff: q('INSERT INTO staff (id, display_name, created_at) VALUES (?, ?, ?)'),
      staff: q(`SELECT ${STAFF_COLUMNS} FROM staff WHERE id = ?`),
      listStaff: q(`SELECT ${STAFF_COLUMNS} FROM staff ORDER BY created_at, rowid`),
      revokeStaff: q('UPDATE staff SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      revokeStaffCredentials: q('UPDATE device_credentials SET revoked_at = ? WHERE staff_id = ? AND revoked_at IS NULL'),
      insertEnrollment: q('INSERT INTO enrollment_codes (code_hash, staff_id, created_at, expires_at) VALUES (?, ?, ?, ?)'),
      enrollment: q('SELECT staff_id, expires_at, used_at FROM enrollment_codes WHERE code_hash = ?'),
      spendEnrollment: q('UPDATE enrollment_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?'),
      linkEnrollment: q('UPDATE enrollment_codes SET device_credential_id = ? WHERE code_hash = ?'),
      credentialByKey: q('SELECT id FROM device_credentials WHERE public_key = ?'),
      insertCredential: q('INSERT INTO device_credentials (id, staff_id, public_key, created_at) VALUES (?, ?, ?, ?)'),
      credential: q(`SELECT ${CREDENTIAL_COLUMNS} FROM device_credentials WHERE id = ?`),
      credentialsOf: q(`SELECT ${CREDENTIAL_COLUMNS} FROM device_credentials WHERE staff_id = ? ORDER BY created_at, rowid`),
      touchCredential: q('UPDATE device_credentials SET last_used_at = ? WHERE id = ? AND revoked_at IS NULL'),
      revokeCredential: q('UPDATE device_credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      consultation: q(`SELECT ${CONSULTATION_COLUMNS} FROM consultations WHERE id = ?`),
      openConsultationByCode: q('SELECT id FROM consultations WHERE code = ? AND closed_at IS NULL'),
      insertConsultation: q('INSERT INTO consultations (id, code, clinician_staff_id, opened_at) VALUES (?, ?, ?, ?)'),
      closeConsultation: q('UPDATE consultations SET closed_at = ? WHERE id = ? AND closed_at IS NULL'),
      insertInvite: q(
        'INSERT INTO invites (id, consultation_id, expected_name, secret_hash, short_code_hash, created_at, expires_at)' +
          ' VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      shortCodeTaken: q('SELECT 1 AS taken FROM invites WHERE short_code_hash = ?'),
      invite: q(`SELECT ${INVITE_COLUMNS} FROM invites WHERE id = ?`),
      inviteBySecret: q(`SELECT ${INVITE_COLUMNS} FROM invites WHERE secret_hash = ?`),
      inviteByShortCode: q(`SELECT ${INVITE_COLUMNS} FROM invites WHERE short_code_hash = ?`),
      spendInvite: q(
        'UPDATE invites SET used_at = ?, device_public_key = ?, patient_name = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?',
      ),
      // The primary key is (consultation_id, participant_id): a second departure keeps the first time.
      insertDeparture: q('INSERT INTO departures (consultation_id, participant_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      departure: q('SELECT 1 AS found FROM departures WHERE consultation_id = ? AND participant_id = ?'),
      departuresSince: q('SELECT consultation_id, participant_id FROM departures WHERE at >= ? ORDER BY at'),
      insertAudit: q('INSERT INTO audit_events (at, type, consultation_id, actor, detail) VALUES (?, ?, ?, ?, ?)'),
      auditSince: q(
        'SELECT seq, at, type, consultation_id, actor, detail FROM audit_events WHERE at >= ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      purgeAudit: q('DELETE FROM audit_events WHERE at < ?'),
    };
  }

  static open(location: StoreLocation): SqliteStore {
    const path = 'memory' in location ? ':memory:' : prepareFile(location.directory);
    const db = new Database(path);
    try {
      // Before anything writes: a newer relay's database, or somebody else's, is left as it is.
      assertOpenable(db, path);
      // WAL: readers never block the writer. FULL: the WAL is synced at every commit, so a commit that
      // returned is durable (NORMAL, WAL's usual partner, may lose the last commits on power loss).
      if (path !== ':memory:') {
        const mode = (db.pragma('journal_mode = WAL') as { journal_mode: string }[])[0]?.journal_mode;
        if (mode !== 'wal') throw new Error(`${path}: could not switch to WAL (journal_mode is ${mode})`);
      }
      db.exec(`PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS};`);
      migrate(db, path);
      return new SqliteStore(db, path);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** What is in force on this connection: for diagnostics and for the tests that hold the durability promise. */
  settings(): { journalMode: string; synchronous: number; foreignKeys: boolean; schemaVersion: number; latestVersion: number } {
    const pragma = (name: string): unknown => (this.db.pragma(name) as Record<string, unknown>[])[0]?.[name];
    return {
      journalMode: String(pragma('journal_mode')),
      synchronous: Number(pragma('synchronous')),
      foreignKeys: pragma('foreign_keys') === 1,
      schemaVersion: schemaVersion(this.db),
      latestVersion: LATEST_VERSION,
    };
  }

  private transaction<T>(fn: () => T): T {
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads, then writes, can fail with
    // SQLITE_BUSY on the upgrade without waiting for busy_timeout.
    return this.db.transaction(fn).immediate();
  }

  // Staff and devices

  async addStaff(
    displayName: string,
    now: number,
    enrollmentTtlMs = DEFAULT_ENROLLMENT_TTL_MS,
  ): Promise<{ staff: Staff; enrollmentCode: string }> {
    const name = displayName.trim();
    if (name.length < 1 || name.length > 120) throw new TypeError('a staff display name is 1-120 characters');
    const staff: Staff = { id: newId('s'), displayName: name, createdAt: now, revokedAt: null };
    const enrollmentCode = newEnrollmentCode();
    this.transaction(() => {
      this.sql.insertStaff.run(staff.id, staff.displayName, now);
      this.sql.insertEnrollment.run(hashSecret(normalizeEnrollmentCode(enrollmentCode)), staff.id, now, now + enrollmentTtlMs);
    });
    return { staff, enrollmentCode };
  }

  async issueEnrollmentCode(
    staffId: string,
    now: number,
    ttlMs = DEFAULT_ENROLLMENT_TTL_MS,
  ): Promise<Outcome<string, 'STAFF_UNKNOWN' | 'STAFF_REVOKED'>> {
    const code = newEnrollmentCode();
    return this.transaction(() => {
      const staff = this.sql.staff.get(staffId) as StaffRow | undefined;
      if (!staff) return refuse('STAFF_UNKNOWN');
      if (staff.revoked_at !== null) return refuse('STAFF_REVOKED');
      this.sql.insertEnrollment.run(hashSecret(normalizeEnrollmentCode(code)), staffId, now, now + ttlMs);
      return ok(code);
    });
  }

  async staff(id: string): Promise<Staff | null> {
    const row = this.sql.staff.get(id) as StaffRow | undefined;
    return row ? toStaff(row) : null;
  }

  async listStaff(): Promise<Staff[]> {
    return (this.sql.listStaff.all() as StaffRow[]).map(toStaff);
  }

  async revokeStaff(id: string, now: number): Promise<Staff | null> {
    return this.transaction(() => {
      this.sql.revokeStaff.run(now, id);
      const row = this.sql.staff.get(id) as StaffRow | undefined;
      if (!row) return null;
      // Every credential goes with the person, stamped with the person's revocation time.
      this.sql.revokeStaffCredentials.run(row.revoked_at, id);
      return toStaff(row);
    });
  }

  async redeemEnrollment(
    code: string,
    publicKey: string,
    now: number,
  ): Promise<Outcome<{ staff: Staff; credential: DeviceCredential }, EnrollmentRefusal>> {
    const key = canonicalPublicKey(publicKey);
    if (key === null) return refuse('PUBLIC_KEY_INVALID');
    const codeHash = hashSecret(normalizeEnrollmentCode(code));
    return this.transaction((): Outcome<{ staff: Staff; credential: DeviceCredential }, EnrollmentRefusal> => {
      const enrollment = this.sql.enrollment.get(codeHash) as EnrollmentRow | undefined;
      if (!enrollment) return refuse('ENROLLMENT_INVALID');
      if (enrollment.used_at !== null) return refuse('ENROLLMENT_USED');
      if (enrollment.expires_at <= now) return refuse('ENROLLMENT_EXPIRED');
      const staff = this.sql.staff.get(enrollment.staff_id) as StaffRow;
      if (staff.revoked_at !== null) return refuse('STAFF_REVOKED');
      if (this.sql.credentialByKey.get(key)) return refuse('PUBLIC_KEY_IN_USE');
      // The once-only step, decided by the database: only an unused, unexpired code changes. The IMMEDIATE
      // transaction already serializes redeemers; this guard holds even if a caller ever drops it.
      if (this.sql.spendEnrollment.run(now, codeHash, now).changes !== 1) return refuse('ENROLLMENT_USED');
      const credential: DeviceCredential = {
        id: newId('d'),
        staffId: staff.id,
        publicKey: key,
        createdAt: now,
        revokedAt: null,
        lastUsedAt: null,
      };
      this.sql.insertCredential.run(credential.id, credential.staffId, credential.publicKey, now);
      this.sql.linkEnrollment.run(credential.id, codeHash);
      return ok({ staff: toStaff(staff), credential });
    });
  }

  async deviceCredential(id: string): Promise<DeviceCredential | null> {
    const row = this.sql.credential.get(id) as CredentialRow | undefined;
    return row ? toCredential(row) : null;
  }

  async deviceCredentials(staffId: string): Promise<DeviceCredential[]> {
    return (this.sql.credentialsOf.all(staffId) as CredentialRow[]).map(toCredential);
  }

  async touchDeviceCredential(id: string, now: number): Promise<boolean> {
    return this.sql.touchCredential.run(now, id).changes === 1;
  }

  async revokeDeviceCredential(id: string, now: number): Promise<DeviceCredential | null> {
    return this.transaction(() => {
      this.sql.revokeCredential.run(now, id);
      const row = this.sql.credential.get(id) as CredentialRow | undefined;
      return row ? toCredential(row) : null;
    });
  }

  // Consultations

  async recordConsultationOpened(
    consultation: { id: string; code: string; clinicianStaffId: string | null },
    now: number,
  ): Promise<Outcome<ConsultationRecord, OpenConsultationRefusal>> {
    return this.transaction((): Outcome<ConsultationRecord, OpenConsultationRefusal> => {
      const existing = this.sql.consultation.get(consultation.id) as ConsultationRow | undefined;
      if (existing) {
        if (existing.closed_at !== null) return refuse('CONSULTATION_CLOSED');
        if (existing.code !== consultation.code || existing.clinician_staff_id !== consultation.clinicianStaffId)
          return refuse('CONSULTATION_CONFLICT');
        return ok(toConsultation(existing));
      }
      if (this.sql.openConsultationByCode.get(consultation.code)) return refuse('CODE_IN_USE');
      if (consultation.clinicianStaffId !== null && !this.sql.staff.get(consultation.clinicianStaffId)) return refuse('STAFF_UNKNOWN');
      this.sql.insertConsultation.run(consultation.id, consultation.code, consultation.clinicianStaffId, now);
      const { id, code, clinicianStaffId } = consultation;
      return ok({ id, code, clinicianStaffId, openedAt: now, closedAt: null });
    });
  }

  async recordConsultationClosed(id: string, now: number): Promise<boolean> {
    return this.sql.closeConsultation.run(now, id).changes === 1;
  }

  async consultation(id: string): Promise<ConsultationRecord | null> {
    const row = this.sql.consultation.get(id) as ConsultationRow | undefined;
    return row ? toConsultation(row) : null;
  }

  async isConsultationClosed(id: string): Promise<boolean> {
    const row = this.sql.consultation.get(id) as ConsultationRow | undefined;
    return row?.closed_at != null;
  }

  // Invites

  async createInvite(
    invite: { consultationId: string; expectedName: string | null; expiresAt: number },
    now: number,
  ): Promise<Outcome<{ invite: Invite; secret: string; shortCode: string }, 'CONSULTATION_UNKNOWN' | 'CONSULTATION_CLOSED'>> {
    const secret = newInviteSecret();
    type Created = Outcome<{ invite: Invite; secret: string; shortCode: string }, 'CONSULTATION_UNKNOWN' | 'CONSULTATION_CLOSED'>;
    return this.transaction((): Created => {
      const consultation = this.sql.consultation.get(invite.consultationId) as ConsultationRow | undefined;
      if (!consultation) return refuse('CONSULTATION_UNKNOWN');
      if (consultation.closed_at !== null) return refuse('CONSULTATION_CLOSED');
      const { consultationId, expectedName, expiresAt } = invite;
      const record: Invite = {
        id: newId('i'),
        consultationId,
        expectedName,
        createdAt: now,
        expiresAt,
        usedAt: null,
        devicePublicKey: null,
        patientName: null,
      };
      // ~40 bits: a clash is rare, but the index demands uniqueness, so draw again inside the transaction.
      let shortCode = newShortCode();
      while (this.sql.shortCodeTaken.get(shortCodeHash(shortCode))) shortCode = newShortCode();
      this.sql.insertInvite.run(
        record.id,
        record.consultationId,
        record.expectedName,
        hashSecret(secret),
        shortCodeHash(shortCode),
        now,
        record.expiresAt,
      );
      return ok({ invite: record, secret, shortCode });
    });
  }

  async redeemInvite(
    inviteKey: InviteKey,
    devicePublicKey: string,
    patientName: string,
    now: number,
  ): Promise<Outcome<Invite, InviteRefusal>> {
    const key = canonicalPublicKey(devicePublicKey);
    if (key === null) return refuse('PUBLIC_KEY_INVALID');
    return this.transaction((): Outcome<Invite, InviteRefusal> => {
      const row = this.inviteRow(inviteKey);
      if (!row) return refuse('INVITE_INVALID');
      const consultation = this.sql.consultation.get(row.consultation_id) as ConsultationRow;
      if (consultation.closed_at !== null) return refuse('CONSULTATION_CLOSED');
      // Its own device comes back (a reload, a dropped connection): the same seat, even after expiry.
      if (row.used_at !== null && row.device_public_key === key) return ok(toInvite(row));
      // The once-only step: only an unused, unexpired invite changes.
      if (this.sql.spendInvite.run(now, key, patientName, row.id, now).changes !== 1)
        return refuse(row.used_at !== null ? 'INVITE_USED' : 'INVITE_EXPIRED');
      return ok(toInvite({ ...row, used_at: now, device_public_key: key, patient_name: patientName }));
    });
  }

  async findInvite(key: InviteKey): Promise<{ invite: Invite; consultationClosed: boolean } | null> {
    const row = this.inviteRow(key);
    if (!row) return null;
    const consultation = this.sql.consultation.get(row.consultation_id) as ConsultationRow;
    return { invite: toInvite(row), consultationClosed: consultation.closed_at !== null };
  }

  /** The invite a link's secret or a short code names (both stored only as hashes). */
  private inviteRow(key: InviteKey): InviteRow | undefined {
    return (
      'secret' in key ? this.sql.inviteBySecret.get(hashSecret(key.secret)) : this.sql.inviteByShortCode.get(shortCodeHash(key.shortCode))
    ) as InviteRow | undefined;
  }

  async invite(id: string): Promise<Invite | null> {
    const row = this.sql.invite.get(id) as InviteRow | undefined;
    return row ? toInvite(row) : null;
  }

  // Departures

  async recordDeparture(departure: { consultationId: string; participantId: string }, now: number): Promise<void> {
    this.sql.insertDeparture.run(departure.consultationId, departure.participantId, now);
  }

  async hasDeparted(departure: { consultationId: string; participantId: string }): Promise<boolean> {
    return this.sql.departure.get(departure.consultationId, departure.participantId) !== undefined;
  }

  async departuresSince(at: number): Promise<{ consultationId: string; participantId: string }[]> {
    const rows = this.sql.departuresSince.all(at) as { consultation_id: string; participant_id: string }[];
    return rows.map((row) => ({ consultationId: row.consultation_id, participantId: row.participant_id }));
  }

  // Audit log

  async appendAudit(events: readonly NewAuditEvent[]): Promise<number[]> {
    for (const event of events) checkAuditEvent(event);
    const details = events.map((event) => JSON.stringify(event.detail));
    return this.transaction(() =>
      events.map((event, i) =>
        Number(this.sql.insertAudit.run(event.at, event.type, event.consultationId, event.actor, details[i]).lastInsertRowid),
      ),
    );
  }

  async auditSince(at: number, limit: number, afterSeq = 0): Promise<AuditEvent[]> {
    const page = Math.max(0, Math.min(Math.trunc(limit), MAX_AUDIT_PAGE));
    return (this.sql.auditSince.all(at, afterSeq, page) as AuditRow[]).map(toAudit);
  }

  async purgeAuditBefore(before: number, now: number, actor = 'relay'): Promise<number> {
    return this.transaction(() => {
      const removed = this.sql.purgeAudit.run(before).changes;
      // Nothing removed, nothing to say: a relay purging at every start would otherwise fill the log with it.
      if (removed > 0) this.sql.insertAudit.run(now, 'audit.purged', null, actor, JSON.stringify({ before, removed }));
      return removed;
    });
  }

  async checkWritable(): Promise<boolean> {
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * Creates the data folder (0700) if it is missing and the database file (0600) before SQLite opens it, so no
 * umask leaves the file readable by others. SQLite gives its -wal and -shm files the database file's mode.
 * An existing folder keeps its mode: it may be one the administrator chose and set up.
 */
function prepareFile(directory: string): string {
  const created = mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (created !== undefined) chmodSync(directory, 0o700);
  const path = join(directory, DATABASE_FILE);
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  return path;
}
