import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, openStore, type SqliteStore } from '../../../signaling/store/sqlite-store';
import { hashSecret, normalizeEnrollmentCode, type Outcome } from '../../../signaling/store/store';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);

function devicePair() {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}
function deviceKey(): string {
  return devicePair().publicKey.export({ type: 'spki', format: 'pem' }).toString();
}
function value<T>(outcome: Outcome<T, string>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.code}`);
  return outcome.value;
}

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clinic-store-'));
  store = await openStore({ memory: true });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('staff and enrollment', () => {
  it('adds a staff member with a one-time code people can type', async () => {
    const { staff, enrollmentCode } = await store.addStaff('  Dr Ada Lovelace ', T0);
    expect(staff).toEqual({
      id: expect.stringMatching(/^s_[0-9a-f]{16}$/),
      displayName: 'Dr Ada Lovelace',
      createdAt: T0,
      revokedAt: null,
    });
    expect(enrollmentCode).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){4}$/);
    expect(await store.staff(staff.id)).toEqual(staff);
    expect(await store.listStaff()).toEqual([staff]);
    await expect(store.addStaff('   ', T0)).rejects.toThrow(/display name/);
  });

  it('binds a device key to a new credential with the code, forgiving case and dashes', async () => {
    const { staff, enrollmentCode } = await store.addStaff('Dr B', T0);
    const key = deviceKey();
    const { credential } = value(await store.redeemEnrollment(normalizeEnrollmentCode(enrollmentCode).toLowerCase(), key, T0 + HOUR));
    expect(credential).toEqual({
      id: expect.stringMatching(/^d_[0-9a-f]{16}$/),
      staffId: staff.id,
      publicKey: key,
      createdAt: T0 + HOUR,
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(await store.deviceCredential(credential.id)).toEqual(credential);
    expect(await store.deviceCredentials(staff.id)).toEqual([credential]);
    expect(await store.touchDeviceCredential(credential.id, T0 + 2 * HOUR)).toBe(true);
    expect(await store.deviceCredential(credential.id)).toMatchObject({ lastUsedAt: T0 + 2 * HOUR });
    expect(await store.deviceCredential('d_unknown')).toBeNull();
  });

  it('lets exactly one of two simultaneous redeemers of a code win', async () => {
    const { enrollmentCode } = await store.addStaff('Dr Race', T0);
    const outcomes = await Promise.all([
      store.redeemEnrollment(enrollmentCode, deviceKey(), T0),
      store.redeemEnrollment(enrollmentCode, deviceKey(), T0),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, code: 'ENROLLMENT_USED' }]);
    expect(await store.redeemEnrollment(enrollmentCode, deviceKey(), T0 + 1)).toEqual({ ok: false, code: 'ENROLLMENT_USED' });
  });

  it('refuses an unknown code and an expired one (expiry is exclusive), and keeps the expired one unspent', async () => {
    const { enrollmentCode } = await store.addStaff('Dr Late', T0, HOUR);
    expect(await store.redeemEnrollment('ABCD-EFGH-JKMN-PQRS-TUVW', deviceKey(), T0)).toEqual({ ok: false, code: 'ENROLLMENT_INVALID' });
    expect(await store.redeemEnrollment('', deviceKey(), T0)).toEqual({ ok: false, code: 'ENROLLMENT_INVALID' });
    expect(await store.redeemEnrollment(enrollmentCode, deviceKey(), T0 + HOUR)).toEqual({ ok: false, code: 'ENROLLMENT_EXPIRED' });
    expect((await store.redeemEnrollment(enrollmentCode, deviceKey(), T0 + HOUR - 1)).ok).toBe(true);
  });

  it('stores public keys only: refuses private keys and garbage, takes a public JWK as SPKI PEM', async () => {
    const pair = devicePair();
    const jwk = JSON.stringify(pair.publicKey.export({ format: 'jwk' }));
    const refusals = [
      'not a key',
      pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      JSON.stringify(pair.privateKey.export({ format: 'jwk' })),
      JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }),
      '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      '[]',
    ];
    const { enrollmentCode } = await store.addStaff('Dr Keys', T0);
    for (const text of refusals)
      expect(await store.redeemEnrollment(enrollmentCode, text, T0), text).toEqual({ ok: false, code: 'PUBLIC_KEY_INVALID' });
    // None of those spent the code.
    const { credential } = value(await store.redeemEnrollment(enrollmentCode, jwk, T0));
    expect(credential.publicKey).toBe(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  });

  it('refuses a key another credential holds, in any encoding, without spending the code', async () => {
    const pair = devicePair();
    const first = await store.addStaff('Dr One', T0);
    value(await store.redeemEnrollment(first.enrollmentCode, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), T0));
    const second = await store.addStaff('Dr Two', T0);
    const jwk = JSON.stringify(pair.publicKey.export({ format: 'jwk' }));
    expect(await store.redeemEnrollment(second.enrollmentCode, jwk, T0)).toEqual({ ok: false, code: 'PUBLIC_KEY_IN_USE' });
    expect((await store.redeemEnrollment(second.enrollmentCode, deviceKey(), T0)).ok).toBe(true);
  });

  it('issues another code for a second device', async () => {
    const { staff, enrollmentCode } = await store.addStaff('Dr Two Devices', T0);
    value(await store.redeemEnrollment(enrollmentCode, deviceKey(), T0));
    const second = value(await store.issueEnrollmentCode(staff.id, T0 + 1));
    expect(second).not.toBe(enrollmentCode);
    value(await store.redeemEnrollment(second, deviceKey(), T0 + 2));
    expect(await store.deviceCredentials(staff.id)).toHaveLength(2);
    expect(await store.issueEnrollmentCode('s_unknown', T0)).toEqual({ ok: false, code: 'STAFF_UNKNOWN' });
  });
});

describe('revocation', () => {
  it('revokes a staff member with every credential of theirs, once, and their pending codes stop working', async () => {
    const { staff, enrollmentCode } = await store.addStaff('Dr Gone', T0);
    const other = await store.addStaff('Dr Stays', T0);
    const { credential } = value(await store.redeemEnrollment(enrollmentCode, deviceKey(), T0));
    const pending = value(await store.issueEnrollmentCode(staff.id, T0));
    const kept = value(await store.redeemEnrollment(other.enrollmentCode, deviceKey(), T0)).credential;

    expect(await store.revokeStaff(staff.id, T0 + HOUR)).toEqual({ ...staff, revokedAt: T0 + HOUR });
    expect(await store.revokeStaff(staff.id, T0 + 2 * HOUR)).toEqual({ ...staff, revokedAt: T0 + HOUR });
    expect(await store.revokeStaff('s_unknown', T0)).toBeNull();

    expect(await store.deviceCredential(credential.id)).toMatchObject({ revokedAt: T0 + HOUR });
    expect(await store.touchDeviceCredential(credential.id, T0 + 3 * HOUR)).toBe(false);
    expect(await store.redeemEnrollment(pending, deviceKey(), T0 + HOUR)).toEqual({ ok: false, code: 'STAFF_REVOKED' });
    expect(await store.issueEnrollmentCode(staff.id, T0 + HOUR)).toEqual({ ok: false, code: 'STAFF_REVOKED' });
    expect(await store.deviceCredential(kept.id)).toMatchObject({ revokedAt: null });
    expect((await store.listStaff()).map((s) => s.revokedAt)).toEqual([T0 + HOUR, null]);
  });

  it('revokes one device and keeps its first revocation time', async () => {
    const { enrollmentCode } = await store.addStaff('Dr Lost Phone', T0);
    const { credential } = value(await store.redeemEnrollment(enrollmentCode, deviceKey(), T0));
    expect(await store.revokeDeviceCredential(credential.id, T0 + 1)).toMatchObject({ id: credential.id, revokedAt: T0 + 1 });
    expect(await store.revokeDeviceCredential(credential.id, T0 + 2)).toMatchObject({ revokedAt: T0 + 1 });
    expect(await store.revokeDeviceCredential('d_unknown', T0)).toBeNull();
  });
});

describe('consultations', () => {
  const consultation = { id: 'k_1', code: 'ABCD2345', clinicianStaffId: null };

  it('records an opening once, again for the same consultation, and refuses a clash', async () => {
    const record = value(await store.recordConsultationOpened(consultation, T0));
    expect(record).toEqual({ ...consultation, openedAt: T0, closedAt: null });
    expect(value(await store.recordConsultationOpened(consultation, T0 + 5))).toEqual(record);
    expect(await store.recordConsultationOpened({ ...consultation, code: 'ZZZZ2345' }, T0)).toEqual({
      ok: false,
      code: 'CONSULTATION_CONFLICT',
    });
    expect(await store.recordConsultationOpened({ ...consultation, id: 'k_2' }, T0)).toEqual({ ok: false, code: 'CODE_IN_USE' });
    expect(await store.recordConsultationOpened({ id: 'k_3', code: 'CODE3333', clinicianStaffId: 's_nobody' }, T0)).toEqual({
      ok: false,
      code: 'STAFF_UNKNOWN',
    });
    const { staff } = await store.addStaff('Dr Open', T0);
    expect(
      value(await store.recordConsultationOpened({ id: 'k_4', code: 'CODE4444', clinicianStaffId: staff.id }, T0)).clinicianStaffId,
    ).toBe(staff.id);
  });

  it('closes once, never reopens, and frees the code for a new consultation', async () => {
    value(await store.recordConsultationOpened(consultation, T0));
    expect(await store.isConsultationClosed(consultation.id)).toBe(false);
    expect(
      await Promise.all([store.recordConsultationClosed(consultation.id, T0 + 1), store.recordConsultationClosed(consultation.id, T0 + 2)]),
    ).toEqual([true, false]);
    expect(await store.consultation(consultation.id)).toMatchObject({ closedAt: T0 + 1 });
    expect(await store.isConsultationClosed(consultation.id)).toBe(true);
    expect(await store.recordConsultationOpened(consultation, T0 + 3)).toEqual({ ok: false, code: 'CONSULTATION_CLOSED' });
    expect((await store.recordConsultationOpened({ ...consultation, id: 'k_again' }, T0 + 3)).ok).toBe(true);
    expect(await store.recordConsultationClosed('k_unknown', T0)).toBe(false);
    expect(await store.isConsultationClosed('k_unknown')).toBe(false);
  });

  it('a restart never reopens what was closed', async () => {
    const disk = await openStore({ directory: dir });
    value(await disk.recordConsultationOpened(consultation, T0));
    await disk.recordConsultationClosed(consultation.id, T0 + 1);
    await disk.close();
    const restarted = await openStore({ directory: dir });
    expect(await restarted.isConsultationClosed(consultation.id)).toBe(true);
    expect(await restarted.recordConsultationOpened(consultation, T0 + 2)).toEqual({ ok: false, code: 'CONSULTATION_CLOSED' });
    await restarted.close();
  });
});

describe('invites', () => {
  beforeEach(async () => {
    value(await store.recordConsultationOpened({ id: 'k_1', code: 'ABCD2345', clinicianStaffId: null }, T0));
  });

  it('creates an invite whose secret is handed out once and is not part of the record', async () => {
    const { invite, secret, shortCode } = value(
      await store.createInvite({ consultationId: 'k_1', expectedName: 'Pat', expiresAt: T0 + HOUR }, T0),
    );
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(shortCode).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(invite).toEqual({
      id: expect.stringMatching(/^i_/),
      consultationId: 'k_1',
      expectedName: 'Pat',
      createdAt: T0,
      expiresAt: T0 + HOUR,
      usedAt: null,
      devicePublicKey: null,
      patientName: null,
    });
    expect(await store.invite(invite.id)).toEqual(invite);
    expect(JSON.stringify(await store.invite(invite.id))).not.toContain(secret);
    expect(JSON.stringify(await store.invite(invite.id))).not.toContain(shortCode);
    expect(await store.createInvite({ consultationId: 'k_none', expectedName: null, expiresAt: T0 + HOUR }, T0)).toEqual({
      ok: false,
      code: 'CONSULTATION_UNKNOWN',
    });
  });

  it('lets exactly one of two simultaneous redeemers win, binding its device key', async () => {
    const { invite, secret } = value(await store.createInvite({ consultationId: 'k_1', expectedName: null, expiresAt: T0 + HOUR }, T0));
    const keys = [deviceKey(), deviceKey()];
    const outcomes = await Promise.all(keys.map((key) => store.redeemInvite({ secret }, key, 'Pat', T0 + 1)));
    const winners = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, code: 'INVITE_USED' }]);
    expect(await store.invite(invite.id)).toEqual({ ...invite, usedAt: T0 + 1, devicePublicKey: keys[0], patientName: 'Pat' });
    expect(winners[0]).toEqual(await store.invite(invite.id));
  });

  it('lets its own device back in with the secret or the short code (a reload), never another device', async () => {
    const { invite, secret, shortCode } = value(
      await store.createInvite({ consultationId: 'k_1', expectedName: 'Pat Lee', expiresAt: T0 + HOUR }, T0),
    );
    const mine = deviceKey();
    const first = value(await store.redeemInvite({ shortCode: shortCode.toLowerCase().replace('-', ' ') }, mine, 'Pat', T0 + 1));
    expect(first).toMatchObject({ id: invite.id, usedAt: T0 + 1, patientName: 'Pat', devicePublicKey: mine });
    // Back after the invite's expiry, on the same device, under another typed name: the same seat, unchanged.
    expect(await store.redeemInvite({ secret }, mine, 'Patricia', T0 + 2 * HOUR)).toEqual({ ok: true, value: first });
    expect(await store.redeemInvite({ shortCode }, deviceKey(), 'Pat', T0 + 2)).toEqual({ ok: false, code: 'INVITE_USED' });
  });

  it('tells unknown, expired, used and closed apart', async () => {
    const { secret } = value(await store.createInvite({ consultationId: 'k_1', expectedName: null, expiresAt: T0 + HOUR }, T0));
    expect(await store.redeemInvite({ secret: 'no-such-secret' }, deviceKey(), 'Pat', T0)).toEqual({ ok: false, code: 'INVITE_INVALID' });
    expect(await store.redeemInvite({ shortCode: 'ABCD-2345' }, deviceKey(), 'Pat', T0)).toEqual({ ok: false, code: 'INVITE_INVALID' });
    expect(await store.redeemInvite({ secret }, 'not a key', 'Pat', T0)).toEqual({ ok: false, code: 'PUBLIC_KEY_INVALID' });
    expect(await store.redeemInvite({ secret }, deviceKey(), 'Pat', T0 + HOUR)).toEqual({ ok: false, code: 'INVITE_EXPIRED' });
    value(await store.redeemInvite({ secret }, deviceKey(), 'Pat', T0 + HOUR - 1));
    expect(await store.redeemInvite({ secret }, deviceKey(), 'Pat', T0 + HOUR - 1)).toEqual({ ok: false, code: 'INVITE_USED' });
    const late = value(await store.createInvite({ consultationId: 'k_1', expectedName: null, expiresAt: T0 + HOUR }, T0));
    await store.recordConsultationClosed('k_1', T0 + 2);
    expect(await store.redeemInvite({ secret: late.secret }, deviceKey(), 'Pat', T0 + 3)).toEqual({
      ok: false,
      code: 'CONSULTATION_CLOSED',
    });
    expect(await store.createInvite({ consultationId: 'k_1', expectedName: null, expiresAt: T0 + HOUR }, T0 + 3)).toEqual({
      ok: false,
      code: 'CONSULTATION_CLOSED',
    });
  });

  it('holds across two connections to one file: one winner', async () => {
    const a = await openStore({ directory: dir });
    const b = await openStore({ directory: dir });
    value(await a.recordConsultationOpened({ id: 'k_1', code: 'ABCD2345', clinicianStaffId: null }, T0));
    const { secret } = value(await a.createInvite({ consultationId: 'k_1', expectedName: null, expiresAt: T0 + HOUR }, T0));
    const { enrollmentCode } = await b.addStaff('Dr Two Connections', T0);
    const invites = await Promise.all([
      a.redeemInvite({ secret }, deviceKey(), 'Pat', T0),
      b.redeemInvite({ secret }, deviceKey(), 'Pat', T0),
    ]);
    const codes = await Promise.all([
      b.redeemEnrollment(enrollmentCode, deviceKey(), T0),
      a.redeemEnrollment(enrollmentCode, deviceKey(), T0),
    ]);
    expect(invites.map((o) => (o.ok ? 'won' : o.code))).toEqual(['won', 'INVITE_USED']);
    expect(codes.map((o) => (o.ok ? 'won' : o.code))).toEqual(['won', 'ENROLLMENT_USED']);
    await a.close();
    await b.close();
  });
});

describe('departures', () => {
  it('remembers who left which consultation', async () => {
    value(await store.recordConsultationOpened({ id: 'k_1', code: 'ABCD2345', clinicianStaffId: null }, T0));
    value(await store.recordConsultationOpened({ id: 'k_2', code: 'EFGH2345', clinicianStaffId: null }, T0));
    await store.recordDeparture({ consultationId: 'k_1', participantId: 'p_1' }, T0);
    await store.recordDeparture({ consultationId: 'k_1', participantId: 'p_1' }, T0 + 1);
    expect(await store.hasDeparted({ consultationId: 'k_1', participantId: 'p_1' })).toBe(true);
    expect(await store.hasDeparted({ consultationId: 'k_2', participantId: 'p_1' })).toBe(false);
    expect(await store.hasDeparted({ consultationId: 'k_1', participantId: 'p_2' })).toBe(false);
  });
});

describe('audit log', () => {
  const event = (at: number, type = 'consultation.opened') => ({
    at,
    type,
    consultationId: 'k_1',
    actor: 's_1',
    detail: { n: at, tags: ['a'] },
  });

  it('appends in order and pages by time and seq', async () => {
    const seqs = await store.appendAudit([event(T0), event(T0 + 1), event(T0 + 2)]);
    expect(seqs).toEqual([1, 2, 3]);
    expect(await store.appendAudit([event(T0 + 3)])).toEqual([4]);
    expect(await store.auditSince(T0 + 1, 10)).toEqual([
      { seq: 2, ...event(T0 + 1) },
      { seq: 3, ...event(T0 + 2) },
      { seq: 4, ...event(T0 + 3) },
    ]);
    const first = await store.auditSince(0, 2);
    expect(first.map((e) => e.seq)).toEqual([1, 2]);
    expect((await store.auditSince(0, 2, first.at(-1)?.seq)).map((e) => e.seq)).toEqual([3, 4]);
    expect(await store.auditSince(0, 0)).toEqual([]);
    expect(await store.appendAudit([])).toEqual([]);
  });

  it('appends a batch whole or not at all', async () => {
    await expect(store.appendAudit([event(T0), { ...event(T0), type: '' }])).rejects.toThrow(/type/);
    await expect(store.appendAudit([event(T0), { ...event(T0), at: 1.5 }])).rejects.toThrow(/at/);
    expect(await store.auditSince(0, 10)).toEqual([]);
  });

  it('purges only what is older than the cutoff, says so in the log, and never reuses a seq', async () => {
    await store.appendAudit([event(T0), event(T0 + 1), event(T0 + 2)]);
    expect(await store.purgeAuditBefore(T0 + 2, T0 + 10, 's_admin')).toBe(2);
    expect(await store.auditSince(0, 10)).toEqual([
      { seq: 3, ...event(T0 + 2) },
      { seq: 4, at: T0 + 10, type: 'audit.purged', consultationId: null, actor: 's_admin', detail: { before: T0 + 2, removed: 2 } },
    ]);
    expect(await store.purgeAuditBefore(T0 + 100, T0 + 100)).toBe(2);
    expect(await store.appendAudit([event(T0 + 101)])).toEqual([6]);
    // A purge that finds nothing leaves no trace.
    expect(await store.purgeAuditBefore(T0 + 50, T0 + 102)).toBe(0);
    expect((await store.auditSince(0, 10)).map((e) => e.seq)).toEqual([5, 6]);
  });

  it('refuses updates in the database itself', async () => {
    const disk = await openStore({ directory: dir });
    await disk.appendAudit([event(T0)]);
    const db = new Database(join(dir, DATABASE_FILE));
    expect(() => db.prepare("UPDATE audit_events SET actor = 'someone else'").run()).toThrow(/append-only/);
    db.close();
    expect((await disk.auditSince(0, 1))[0]?.actor).toBe('s_1');
    await disk.close();
  });
});

describe('on disk', () => {
  it('creates the data folder 0700 and keeps the database and its WAL 0600, in WAL mode with FULL sync', async () => {
    const folder = join(dir, 'nested', 'data');
    const disk = await openStore({ directory: folder });
    await disk.appendAudit([{ at: T0, type: 't', consultationId: null, actor: 'relay', detail: null }]);
    expect(disk.settings()).toMatchObject({ journalMode: 'wal', synchronous: 2, foreignKeys: true });
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    for (const file of [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`])
      expect((statSync(join(folder, file)).mode & 0o777).toString(8), file).toBe('600');
    await disk.close();
  });

  it('leaves the mode of a folder that already existed alone', async () => {
    const folder = join(dir, 'chosen');
    mkdirSync(folder, { mode: 0o750 });
    const disk = await openStore({ directory: folder });
    expect(statSync(folder).mode & 0o777).toBe(0o750);
    expect(statSync(join(folder, DATABASE_FILE)).mode & 0o777).toBe(0o600);
    await disk.close();
  });

  it('keeps hashes of codes and invite secrets on disk, never the plain text', async () => {
    const disk = await openStore({ directory: dir });
    const { staff, enrollmentCode } = await disk.addStaff('Dr Hash', T0);
    const second = value(await disk.issueEnrollmentCode(staff.id, T0));
    value(await disk.recordConsultationOpened({ id: 'k_1', code: 'ABCD2345', clinicianStaffId: null }, T0));
    const { secret } = value(await disk.createInvite({ consultationId: 'k_1', expectedName: null, expiresAt: T0 + HOUR }, T0));
    const plain = [enrollmentCode, normalizeEnrollmentCode(enrollmentCode), second, normalizeEnrollmentCode(second), secret];
    const hashes = [hashSecret(normalizeEnrollmentCode(enrollmentCode)), hashSecret(normalizeEnrollmentCode(second)), hashSecret(secret)];
    const bytesOnDisk = (): string =>
      [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`]
        .map((file) => {
          try {
            return readFileSync(join(dir, file)).toString('latin1');
          } catch {
            return '';
          }
        })
        .join('');
    // While open (the rows are in the WAL) and after close (checkpointed into relay.db).
    for (const bytes of [bytesOnDisk(), await disk.close().then(bytesOnDisk)]) {
      for (const text of plain) expect(bytes.includes(text), `plain ${text} on disk`).toBe(false);
      for (const hash of hashes) expect(bytes.includes(hash), `hash ${hash} on disk`).toBe(true);
    }
  });
});
