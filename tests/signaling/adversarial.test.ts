/**
 * Attacks on the relay's trust boundary, each tried the way an attacker on the internet would: raw sockets
 * against a real relay. Every test here failed against the relay of protocol 1, where any socket could
 * `create` and be "the clinic", a shared code let anyone into a waiting room, and a copied token took a seat.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeviceKey, signChallenge } from '../../signaling/device-auth';
import { CloseCode, ErrorCode, PROTOCOL_VERSION } from '../../signaling/protocol';
import { type Relay, type RelayOptions, startRelay } from '../../signaling/server';
import { openStore, type SqliteStore } from '../../signaling/store/sqlite-store';
import { enrollThroughCli, staffCli, startCliRelay } from './relay-cli';
import {
  authenticateMessage,
  enrolledStaff,
  invite,
  joinMessage,
  newDevice,
  resumeMessage,
  signIn,
  type TestDevice,
  type TestStaff,
} from './staff-fixture';
import { delay, TestClient } from './ws-client';

let relay: Relay;
let store: SqliteStore;
const clients: TestClient[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Partial<RelayOptions> = {}): Promise<void> {
  store = await openStore({ memory: true });
  relay = await startRelay({ port: 0, logger: pino({ level: 'silent' }), store, ...options });
  cleanups.push(
    () => relay.close(),
    () => store.close(),
  );
}

async function connect(label: string, localAddress?: string): Promise<TestClient> {
  const client = await TestClient.open(`${relay.url.replace(/^http/, 'ws')}/ws`, localAddress ? { localAddress } : {}, label);
  clients.push(client);
  return client;
}

async function consultations(): Promise<number> {
  return ((await fetch(`${relay.url}/healthz`).then((r) => r.json())) as { consultations: number }).consultations;
}

/** A signed-in clinician with an open consultation and one invited patient in its waiting room. */
async function openWithPatient(staff: TestStaff) {
  const clinician = await connect('clinician');
  await signIn(clinician, staff);
  clinician.send({ type: 'create' });
  const welcome = await clinician.next('welcome');
  const made = await invite(clinician, 'Sam Lee');
  const device = await newDevice();
  const patient = await connect('patient');
  patient.send(await joinMessage(patient, device, { secret: made.secret }, 'Sam'));
  const patientWelcome = await patient.next('welcome');
  await clinician.next('presence'); // the clinician has heard of the arrival: nothing of it is still on its way
  await clinician.untilWaitingRoom((patients) => patients.some((p) => p.id === patientWelcome.self.participantId));
  return { clinician, patient, welcome, device, invite: made, patientWelcome, patientId: patientWelcome.self.participantId };
}

/** A fresh device tries to come in on `inviteKey`; resolves with its welcome or its error. */
async function tryJoin(inviteKey: { secret: string } | { shortCode: string }, device?: TestDevice, localAddress?: string) {
  const client = await connect('joining', localAddress);
  client.send(await joinMessage(client, device ?? (await newDevice()), inviteKey, 'Mallory'));
  return Promise.race([client.next('welcome'), client.nextError()]);
}

describe('opening a consultation as "the clinic"', () => {
  it('refuses create from a socket that has not signed in, whatever name it claims', async () => {
    await start();
    const attacker = await connect('anonymous');
    attacker.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, type: 'create', name: 'Dr. Rivera (Clinic)' }));
    expect(await attacker.nextError()).toMatchObject({ code: ErrorCode.NOT_SIGNED_IN, ref: 'create' });
    expect(attacker.count('welcome')).toBe(0);
    expect(await consultations()).toBe(0);
  });

  it('uses the name IT enrolled, never one the client sends', async () => {
    await start();
    const staff = await enrolledStaff(store, 'Dr. Real Name');
    const clinician = await connect('clinician');
    await signIn(clinician, staff);
    clinician.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, type: 'create', name: 'Head of Cardiology' }));
    expect((await clinician.next('welcome')).consultation.clinicianName).toBe('Dr. Real Name');
  });

  it('refuses a pipelined create after a failed sign-in: no window between the two', async () => {
    await start();
    const staff = await enrolledStaff(store);
    const attacker = await connect('attacker');
    const stranger = await createDeviceKey();
    const forged = await signChallenge(stranger.keyPair.privateKey, 'staff-sign-in', attacker.challenge ?? '');
    attacker.send({ type: 'authenticate', credentialId: staff.credentialId, signature: forged });
    attacker.send({ type: 'create' });
    expect(await attacker.nextError()).toMatchObject({ code: ErrorCode.CREDENTIAL_INVALID, ref: 'authenticate' });
    expect(await attacker.nextError()).toMatchObject({ code: ErrorCode.NOT_SIGNED_IN, ref: 'create' });
    expect(await consultations()).toBe(0);
  });
});

describe('signing in without the device', () => {
  it('refuses a signature replayed from another socket (each socket has its own challenge)', async () => {
    await start();
    const staff = await enrolledStaff(store);
    const victim = await connect('victim');
    const captured = await authenticateMessage(victim, staff);
    victim.send(captured);
    await victim.next('signed-in');
    const attacker = await connect('attacker');
    attacker.send(captured);
    expect(await attacker.nextError()).toMatchObject({ code: ErrorCode.CREDENTIAL_INVALID, ref: 'authenticate' });
  });

  it('refuses a signature made for another purpose (an enrollment signature is not a sign-in)', async () => {
    await start();
    const staff = await enrolledStaff(store);
    const attacker = await connect('attacker');
    const wrongPurpose = await signChallenge(staff.keyPair.privateKey, 'enroll', attacker.challenge ?? '');
    attacker.send({ type: 'authenticate', credentialId: staff.credentialId, signature: wrongPurpose });
    expect(await attacker.nextError()).toMatchObject({ code: ErrorCode.CREDENTIAL_INVALID });
  });

  it('answers an unknown credential exactly like a bad signature, telling a prober nothing', async () => {
    await start();
    const staff = await enrolledStaff(store);
    const attacker = await connect('attacker');
    const signature = await signChallenge(staff.keyPair.privateKey, 'staff-sign-in', attacker.challenge ?? '');
    attacker.send({ type: 'authenticate', credentialId: 'd_doesnotexist', signature });
    const unknown = await attacker.nextError();
    attacker.send({ type: 'authenticate', credentialId: staff.credentialId, signature: 'A'.repeat(86) });
    const badSignature = await attacker.nextError();
    expect(unknown).toEqual(badSignature);
  });

  it('never accepts a second sign-in on a signed-in socket (no switching identity mid-connection)', async () => {
    await start();
    const first = await enrolledStaff(store, 'Dr. First');
    const second = await enrolledStaff(store, 'Dr. Second');
    const client = await connect('client');
    await signIn(client, first);
    client.send(await authenticateMessage(client, second));
    expect(await client.nextError()).toMatchObject({ code: ErrorCode.ALREADY_SIGNED_IN });
  });
});

describe('enrollment codes', () => {
  async function enrollWith(code: string, options: { signWith?: CryptoKey } = {}) {
    const client = await connect('enrolling');
    const key = await createDeviceKey();
    const signature = await signChallenge(options.signWith ?? key.keyPair.privateKey, 'enroll', client.challenge ?? '');
    client.send({ type: 'enroll', code, publicKey: key.publicKey, signature });
    return Promise.race([client.next('signed-in'), client.nextError()]);
  }

  it('works once: the same code from a second device is refused (ENROLLMENT_USED)', async () => {
    await start();
    const { enrollmentCode } = await store.addStaff('Dr. Rivera', Date.now());
    expect(await enrollWith(enrollmentCode)).toMatchObject({ type: 'signed-in', staff: { name: 'Dr. Rivera' } });
    expect(await enrollWith(enrollmentCode)).toMatchObject({ type: 'error', code: ErrorCode.ENROLLMENT_USED, ref: 'enroll' });
  });

  it('refuses an expired code, a guessed code, and a revoked person’s code, each with its own code', async () => {
    await start();
    const expired = await store.addStaff('Dr. Late', Date.now() - 10_000, 5_000);
    expect(await enrollWith(expired.enrollmentCode)).toMatchObject({ code: ErrorCode.ENROLLMENT_EXPIRED });
    expect(await enrollWith('AAAA-BBBB-CCCC-DDDD-EEEE')).toMatchObject({ code: ErrorCode.ENROLLMENT_INVALID });
    const leaver = await store.addStaff('Dr. Leaver', Date.now());
    await store.revokeStaff(leaver.staff.id, Date.now());
    expect(await enrollWith(leaver.enrollmentCode)).toMatchObject({ code: ErrorCode.STAFF_REVOKED });
  });

  it('does not spend the code when the device cannot prove it holds the key it registers', async () => {
    await start();
    const { enrollmentCode } = await store.addStaff('Dr. Rivera', Date.now());
    const intercepted = await createDeviceKey();
    // An attacker who saw the code registers a key whose private half it does not hold: refused, and the
    // rightful device can still use its code.
    expect(await enrollWith(enrollmentCode, { signWith: intercepted.keyPair.privateKey })).toMatchObject({
      code: ErrorCode.CREDENTIAL_INVALID,
    });
    expect(await enrollWith(enrollmentCode)).toMatchObject({ type: 'signed-in' });
  });
});

describe("taking a clinician's seat", () => {
  it('refuses a copied clinician resume token to a socket not signed in as that clinician; the clinician keeps the seat', async () => {
    await start();
    const staff = await enrolledStaff(store, 'Dr. Rivera');
    const other = await enrolledStaff(store, 'Dr. Other');
    const { clinician, welcome } = await openWithPatient(staff);
    const token = welcome.self.resumeToken;

    const anonymous = await connect('anonymous');
    anonymous.send({ type: 'resume', resumeToken: token, callId: null });
    expect(await anonymous.nextError()).toMatchObject({ code: ErrorCode.NOT_SIGNED_IN, ref: 'resume' });

    const colleague = await connect('colleague');
    await signIn(colleague, other);
    colleague.send({ type: 'resume', resumeToken: token, callId: null });
    expect(await colleague.nextError()).toMatchObject({ code: ErrorCode.NOT_SIGNED_IN, ref: 'resume' });

    expect(clinician.isOpen).toBe(true);
    expect(clinician.count('error')).toBe(0);
  });

  it('refuses admit from a patient, and from a socket holding no seat', async () => {
    await start();
    const staff = await enrolledStaff(store);
    const { patient, patientId } = await openWithPatient(staff);
    patient.send({ type: 'admit', patientId });
    expect(await patient.nextError()).toMatchObject({ code: ErrorCode.WRONG_ROLE, ref: 'admit' });
    const signedInButSeatless = await connect('seatless staff');
    await signIn(signedInButSeatless, staff);
    signedInButSeatless.send({ type: 'admit', patientId });
    expect(await signedInButSeatless.nextError()).toMatchObject({ code: ErrorCode.NOT_JOINED, ref: 'admit' });
  });
});

describe('invites', () => {
  it('seat one device: the same link on a second device is refused (INVITE_USED), the first keeps its place', async () => {
    await start();
    const { clinician, invite: made, patientId } = await openWithPatient(await enrolledStaff(store));
    const before = clinician.received.length;
    expect(await tryJoin({ secret: made.secret })).toMatchObject({ type: 'error', code: ErrorCode.INVITE_USED, ref: 'join' });
    expect(await tryJoin({ shortCode: made.shortCode })).toMatchObject({ code: ErrorCode.INVITE_USED });
    await delay(50);
    expect(clinician.received.slice(before)).toEqual([]);
    expect(clinician.waitingRoom).toMatchObject([{ id: patientId, name: 'Sam', invitedAs: 'Sam Lee' }]);
  });

  it('let the same device back in on its link (a reload that lost its session): the same seat', async () => {
    await start();
    const { device, invite: made, patientId } = await openWithPatient(await enrolledStaff(store));
    expect(await tryJoin({ secret: made.secret }, device)).toMatchObject({ type: 'welcome', self: { participantId: patientId } });
  });

  it('refuse an expired invite (INVITE_EXPIRED) and a tampered link (INVITE_INVALID)', async () => {
    await start();
    const { welcome, invite: made } = await openWithPatient(await enrolledStaff(store));
    const expired = await store.createInvite(
      { consultationId: welcome.consultation.id, expectedName: null, expiresAt: Date.now() - 1 },
      Date.now(),
    );
    if (!expired.ok) throw new Error(expired.code);
    expect(await tryJoin({ secret: expired.value.secret })).toMatchObject({ code: ErrorCode.INVITE_EXPIRED });
    const last = made.secret.at(-1) === 'A' ? 'B' : 'A';
    expect(await tryJoin({ secret: `${made.secret.slice(0, -1)}${last}` })).toMatchObject({ code: ErrorCode.INVITE_INVALID });
  });

  it('can only be made by the signed-in clinician of the consultation', async () => {
    await start();
    const { patient } = await openWithPatient(await enrolledStaff(store));
    patient.send({ type: 'invite', expectedName: 'Friend' });
    expect(await patient.nextError()).toMatchObject({ code: ErrorCode.WRONG_ROLE, ref: 'invite' });
    const anonymous = await connect('anonymous');
    anonymous.send({ type: 'invite', expectedName: null });
    expect(await anonymous.nextError()).toMatchObject({ code: ErrorCode.NOT_JOINED, ref: 'invite' });
  });

  it('guessing short codes at full speed from 20 addresses: no hit, and almost every guess throttled', { timeout: 30_000 }, async () => {
    await start();
    await openWithPatient(await enrolledStaff(store)); // one real invite exists to be found
    const GUESSERS = 20;
    const SECONDS = 3;
    const guessers = await Promise.all(Array.from({ length: GUESSERS }, (_, i) => connect(`guesser ${i}`, `127.0.0.${10 + i}`)));
    const device = await newDevice();
    const outcomes = new Map<string, number>();
    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all(
      guessers.map(async (guesser) => {
        const join = await joinMessage(guesser, device, { shortCode: 'ABCD-2345' }, 'Guess');
        while (Date.now() < deadline) {
          const code = Array.from({ length: 8 }, () => 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'[Math.floor(Math.random() * 31)]).join('');
          guesser.send({ ...join, invite: { shortCode: code } });
          const reply = await Promise.race([guesser.next('welcome').then(() => 'HIT'), guesser.nextError().then((e) => e.code)]);
          outcomes.set(reply, (outcomes.get(reply) ?? 0) + 1);
          if (reply === 'RATE_LIMITED' && guesser.count('error') % 50 === 0) await delay(1); // stay under the message budget
        }
      }),
    );
    const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
    const evaluated = outcomes.get(ErrorCode.INVITE_INVALID) ?? 0;
    const throttled = outcomes.get(ErrorCode.RATE_LIMITED) ?? 0;
    // Printed for the closing note: how many guesses the relay even looked at.
    process.stdout.write(`guessing: ${total} guesses in ${SECONDS} s, ${evaluated} evaluated, ${throttled} throttled\n`);
    expect(outcomes.get('HIT') ?? 0).toBe(0);
    expect(evaluated).toBeLessThanOrEqual(60 + SECONDS + 2); // the relay-wide burst, then one a second
    expect(throttled / total).toBeGreaterThan(0.9);

    // While the relay's budget for short codes is spent, a patient with a link (unguessable) still gets in.
    const { clinician } = await openWithPatient(await enrolledStaff(store, 'Dr. Second'));
    const link = await invite(clinician);
    expect(await tryJoin({ secret: link.secret }, undefined, '127.0.0.200')).toMatchObject({ type: 'welcome' });
  });
});

describe("taking a patient's seat", () => {
  it('refuses a copied resume token on another device; the patient keeps seat and call, the clinician sees nothing', async () => {
    await start();
    const { clinician, patient, patientWelcome, patientId } = await openWithPatient(await enrolledStaff(store));
    clinician.send({ type: 'admit', patientId });
    const { callId } = await clinician.next('call-start');
    await patient.next('call-start');
    await clinician.untilWaitingRoom((patients) => patients.some((p) => p.id === patientId && p.inCall));
    const before = clinician.received.length;
    const thief = await connect('thief');
    const otherDevice = await newDevice();
    for (const attempt of [
      await resumeMessage(thief, patientWelcome.self.resumeToken, callId, null),
      await resumeMessage(thief, patientWelcome.self.resumeToken, callId, otherDevice),
    ]) {
      thief.send(attempt);
      expect(await thief.nextError()).toMatchObject({ code: ErrorCode.INVALID_RESUME, ref: 'resume' });
    }
    await delay(50);
    expect(patient.isOpen).toBe(true);
    expect(clinician.received.slice(before)).toEqual([]);
  });

  it('carries no names and no codes in the token a patient holds', async () => {
    await start();
    const { patientWelcome } = await openWithPatient(await enrolledStaff(store, 'Dr. Unmistakable'));
    const [payload] = patientWelcome.self.resumeToken.split('.');
    const readable = Buffer.from(payload ?? '', 'base64url').toString('utf8');
    for (const secret of ['Sam', 'Unmistakable']) expect(readable).not.toContain(secret);
  });
});

describe('revocation', () => {
  it('closes a revoked clinician’s socket at once (4006) and closes the consultation for its patients', async () => {
    await start();
    const staff = await enrolledStaff(store);
    const { clinician, patient } = await openWithPatient(staff);
    await store.revokeStaff(staff.staffId, Date.now());
    expect(await clinician.waitClosed(1000)).toEqual({ code: CloseCode.STAFF_REVOKED, reason: 'access revoked by the clinic' });
    expect(await patient.next('consultation-closed')).toMatchObject({ reason: 'clinician-left' });
    expect(await consultations()).toBe(0);

    // The device's credential no longer signs in.
    const again = await connect('revoked device');
    again.send(await authenticateMessage(again, staff));
    expect(await again.nextError()).toMatchObject({ code: ErrorCode.STAFF_REVOKED, ref: 'authenticate' });
  });

  it('sign-out revokes this device at the relay: its key no longer signs in', async () => {
    await start();
    const staff = await enrolledStaff(store);
    const client = await connect('client');
    await signIn(client, staff);
    client.send({ type: 'sign-out' });
    await client.next('signed-out');
    client.send({ type: 'create' });
    expect(await client.nextError()).toMatchObject({ code: ErrorCode.NOT_SIGNED_IN });
    const later = await connect('later');
    later.send(await authenticateMessage(later, staff));
    expect(await later.nextError()).toMatchObject({ code: ErrorCode.STAFF_REVOKED });
  });

  it('IT revoking with the CLI, in another process, closes the live socket within a second', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clinic-revoke-'));
    const dataDir = join(dir, 'data');
    const cli = await startCliRelay(['--data-dir', dataDir]);
    cleanups.push(
      () => rmSync(dir, { recursive: true, force: true }),
      () => cli.kill(),
    );
    const { staff, client } = await enrollThroughCli(cli.wsUrl, dataDir, 'Dr. Leaving');
    clients.push(client);
    client.send({ type: 'create' });
    await client.next('welcome');

    await staffCli(dataDir, 'revoke', staff.staffId);
    const revokedAt = Date.now(); // the command has exited: its revocation is committed
    const closed = await client.waitClosed(1000);
    expect(closed.code).toBe(CloseCode.STAFF_REVOKED);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(await staffCli(dataDir, 'list')).toMatch(new RegExp(`${staff.staffId}\\s+Dr\\. Leaving\\s+REVOKED`));
  });
});
