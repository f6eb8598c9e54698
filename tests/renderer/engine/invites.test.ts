/**
 * Protocol 3 through the engine: a patient comes in on an invite with a device key of its own (made once, kept,
 * proving itself on each socket's challenge), takes its seat back with that proof, and sees why a join was
 * refused; a clinician makes invites; the pre-call check asks for TURN credentials of its own. Signatures are
 * real WebCrypto, checked the way the relay checks them (signaling/device-auth.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsultEngine, type EngineDeps } from '../../../renderer/engine/engine';
import { MemoryPatientKeyStore, type PatientKeyStore } from '../../../renderer/engine/patient-device';
import type { PeerOptions } from '../../../renderer/engine/peer';
import { createDeviceKey, type DeviceKey, verifyChallenge } from '../../../signaling/device-auth';
import { FakePeer, FakeTransport, fakeStream, MemorySessionStore, welcome, whenSent } from './fakes';

const SECRET = 'k3Q9vX2mP7wR4tY8uB1nC6dF0gH5jL2aS9eW3zV7xQ1';
const TURN = {
  iceServers: [{ urls: ['turn:198.18.0.2:3478?transport=udp'], username: '1900000000:precall', credential: 'cHJlY2FsbA' }],
  iceTransportPolicy: 'all' as const,
};

const engines: ConsultEngine[] = [];

afterEach(() => {
  vi.useRealTimers();
  const illegal = engines.splice(0).flatMap((engine) => engine.timelineEntries().filter((e) => e.event === 'phase-illegal'));
  expect(illegal.map((e) => e.detail)).toEqual([]);
});

function rig(overrides: Partial<EngineDeps> = {}) {
  const transport = new FakeTransport();
  const sessions = new MemorySessionStore();
  const patientKeys = new MemoryPatientKeyStore();
  const engine = new ConsultEngine({
    transport,
    getUserMedia: async () => fakeStream(),
    createPeer: (options: PeerOptions) => new FakePeer(options),
    sessionStore: sessions,
    patientKeys,
    ...overrides,
  });
  engines.push(engine);
  return { engine, transport, sessions, patientKeys };
}

/** A key store that answers `load` only when the test says so. */
function gatedKeyStore(key: DeviceKey): PatientKeyStore & { open(): void } {
  let open = (): void => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  return { load: async () => gate.then(() => key), save: async () => {}, open: () => open() };
}

async function clinicianWithConsultation() {
  const r = rig();
  await r.engine.create();
  r.transport.receive(welcome('clinician'));
  return r;
}

describe("a patient's device key", () => {
  it('signs the join for this socket as a patient seat, and is made once and kept for this relay', async () => {
    const r = rig();
    await r.engine.join({ secret: ` ${SECRET} ` }, ' Sam ');
    const [join] = await whenSent(r.transport, 'join');
    expect(join).toMatchObject({ type: 'join', invite: { secret: SECRET }, name: 'Sam' });
    const publicKey = join?.publicKey ?? '';
    expect(await verifyChallenge(publicKey, 'patient-seat', 'challenge1', join?.signature ?? '')).toBe(true);
    // A seat's proof is not a staff sign-in, nor good on another socket.
    expect(await verifyChallenge(publicKey, 'staff-sign-in', 'challenge1', join?.signature ?? '')).toBe(false);
    expect(await verifyChallenge(publicKey, 'patient-seat', 'challenge2', join?.signature ?? '')).toBe(false);
    const kept = await r.patientKeys.load();
    expect(kept?.publicKey).toBe(publicKey);
    expect(kept?.keyPair.privateKey.extractable).toBe(false);

    // The page reloads (a new engine, the same store): the same device to the relay.
    const again = rig({ patientKeys: r.patientKeys });
    await again.engine.join({ secret: SECRET }, 'Sam');
    const [rejoin] = await whenSent(again.transport, 'join');
    expect(rejoin?.publicKey).toBe(publicKey);
  });

  it('never sends a proof made for a socket that is gone: the next hello gets its own', async () => {
    const stored = await createDeviceKey();
    const keys = gatedKeyStore(stored);
    const r = rig({ patientKeys: keys });
    await r.engine.join({ shortCode: 'ABCD-2345' }, 'Sam');
    r.transport.setStatus('reconnecting');
    r.transport.setStatus('open');
    keys.open();
    const [join] = await whenSent(r.transport, 'join');
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first socket's proof would be out by now
    expect(r.transport.sentOfType('join')).toHaveLength(1);
    expect(await verifyChallenge(stored.publicKey, 'patient-seat', 'challenge2', join?.signature ?? '')).toBe(true);
  });

  it('signs the resume after a reload with the key the seat was joined with; a clinician resumes unsigned', async () => {
    const stored = await createDeviceKey();
    const sessions = new MemorySessionStore();
    sessions.value = { resumeToken: 'token-patient-0123456789', role: 'patient' };
    const patient = rig({ sessionStore: sessions, patientKeys: new MemoryPatientKeyStore(stored) });
    await patient.engine.restore();
    const [resume] = await whenSent(patient.transport, 'resume');
    expect(resume).toMatchObject({ resumeToken: 'token-patient-0123456789', callId: null });
    expect(await verifyChallenge(stored.publicKey, 'patient-seat', 'challenge1', resume?.signature ?? '')).toBe(true);

    const clinician = await clinicianWithConsultation();
    clinician.transport.setStatus('reconnecting');
    clinician.transport.setStatus('open');
    expect(clinician.transport.sentOfType('resume')).toEqual([
      { type: 'resume', resumeToken: 'token-clinician-0123456789', callId: null, signature: null },
    ]);
  });

  it('a device that cannot sign says so and sends nothing', async () => {
    const broken = await createDeviceKey();
    // A public key where the private one should be: WebCrypto refuses to sign with it.
    const keys = new MemoryPatientKeyStore({ ...broken, keyPair: { ...broken.keyPair, privateKey: broken.keyPair.publicKey } });
    const r = rig({ patientKeys: keys });
    await r.engine.join({ secret: SECRET }, 'Sam');
    await vi.waitFor(() => expect(r.engine.getSnapshot().joinError?.code).toBe('DEVICE_KEY_FAILED'));
    expect(r.transport.sentOfType('join')).toEqual([]);
    expect(r.engine.timelineEntries().some((e) => e.event === 'device-key-failed')).toBe(true);
  });
});

describe('joining on an invite', () => {
  it('refuses a damaged link or a mistyped code here, without asking the relay', async () => {
    const r = rig();
    expect(await r.engine.join({ secret: SECRET.slice(0, 40) }, 'Sam')).toBe(false);
    expect(r.engine.getSnapshot().joinError).toMatchObject({ code: 'INVITE_INVALID', message: expect.stringContaining('damaged') });
    expect(await r.engine.join({ shortCode: 'ABCD-234' }, 'Sam')).toBe(false);
    expect(r.engine.getSnapshot().joinError).toMatchObject({ code: 'INVITE_INVALID', message: expect.stringContaining('8 letters') });
    expect(r.transport.connects).toBe(0);
    expect(r.transport.sent).toEqual([]);
  });

  it.each([
    ['INVITE_USED', 'This invite was already used on another device. Ask the clinic for a new invite for this device.'],
    ['INVITE_EXPIRED', 'This invite has expired. Ask the clinic for a new one.'],
    ['RATE_LIMITED', 'Too many failed attempts to join. Wait a minute, then try again.'],
  ] as const)('shows %s as the relay said it, and asks nothing again on the next socket', async (code, message) => {
    const r = rig();
    await r.engine.join({ secret: SECRET }, 'Sam');
    await whenSent(r.transport, 'join');
    r.transport.receive({ type: 'error', code, message, ref: 'join' });
    expect(r.engine.getSnapshot()).toMatchObject({ phase: 'previewing', joinError: { code, message }, relayError: null });
    r.transport.setStatus('reconnecting');
    r.transport.setStatus('open');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.transport.sentOfType('join')).toHaveLength(1);
  });

  it('writes a clause from the relay as a sentence', async () => {
    const r = rig();
    await r.engine.join({ secret: SECRET }, 'Sam');
    await whenSent(r.transport, 'join');
    r.transport.receive({ type: 'error', code: 'UNKNOWN_CONSULTATION', message: 'your clinician has not opened this yet', ref: 'join' });
    expect(r.engine.getSnapshot().joinError?.message).toBe('Your clinician has not opened this yet.');
  });
});

describe("the clinician's invites", () => {
  it('asks for one, lists it with its link, and resolves with it', async () => {
    const r = await clinicianWithConsultation();
    const asked = r.engine.invite('  Sam Lee ', 60);
    expect(r.transport.sentOfType('invite')).toEqual([{ type: 'invite', expectedName: 'Sam Lee', ttlMinutes: 60 }]);
    const invite = { id: 'i_1', expectedName: 'Sam Lee', expiresAt: 1_900_000_000_000, shortCode: 'ABCD-2345', secret: SECRET };
    r.transport.receive({ type: 'invite-created', invite, joinUrl: `http://127.0.0.1:8787/?invite=${SECRET}` });
    const made = { ...invite, joinUrl: `http://127.0.0.1:8787/?invite=${SECRET}` };
    expect(await asked).toEqual({ ok: true, invite: made });
    expect(r.engine.getSnapshot().invites).toEqual([made]);
    // Ids only in the timeline: it gets exported.
    expect(r.engine.timelineEntries().find((e) => e.event === 'invite-created')?.detail).toBe('i_1');

    void r.engine.invite('   ');
    expect(r.transport.sentOfType('invite')[1]).toEqual({ type: 'invite', expectedName: null });
  });

  it("a refusal answers the invite that asked (not the consultation's notices); a dropped socket answers the rest", async () => {
    const r = await clinicianWithConsultation();
    const refused = r.engine.invite('Sam');
    const dropped = r.engine.invite('Kim');
    r.transport.receive({ type: 'error', code: 'UNKNOWN_CONSULTATION', message: 'this consultation has closed', ref: 'invite' });
    expect(await refused).toEqual({ ok: false, code: 'UNKNOWN_CONSULTATION', message: 'This consultation has closed.' });
    expect(r.engine.getSnapshot().relayError).toBeNull();
    r.transport.setStatus('reconnecting');
    expect(await dropped).toMatchObject({ ok: false, code: 'RELAY_UNREACHABLE' });
    expect(r.engine.getSnapshot().invites).toEqual([]);
  });

  it('a request delivered twice makes two invites: both are listed', async () => {
    const r = await clinicianWithConsultation();
    const asked = r.engine.invite(null);
    for (const id of ['i_1', 'i_2']) {
      r.transport.receive({
        type: 'invite-created',
        invite: { id, expectedName: null, expiresAt: 1, shortCode: 'ABCD-2345', secret: SECRET },
        joinUrl: null,
      });
    }
    expect(await asked).toMatchObject({ ok: true, invite: { id: 'i_1', joinUrl: null } });
    expect(r.engine.getSnapshot().invites.map((i) => i.id)).toEqual(['i_1', 'i_2']);
  });

  it('only a clinician in a consultation invites; leaving forgets the invites', async () => {
    const patient = rig();
    expect(await patient.engine.invite('Sam')).toMatchObject({ ok: false, code: 'NOT_JOINED' });
    expect(patient.transport.sent).toEqual([]);

    const r = await clinicianWithConsultation();
    const asked = r.engine.invite(null);
    r.transport.receive({
      type: 'invite-created',
      invite: { id: 'i_1', expectedName: null, expiresAt: 1, shortCode: 'ABCD-2345', secret: SECRET },
      joinUrl: null,
    });
    await asked;
    r.engine.leave();
    expect(r.engine.getSnapshot()).toMatchObject({ consultation: null, invites: [] });
  });
});

const PATIENT = { name: 'Sam', invitedAs: null, nameWarning: null, present: true, inCall: false };

describe("the clinician's waiting list", () => {
  it('takes the whole list, then applies changes: new and changed patients, and ids gone, in arrival order', async () => {
    const r = await clinicianWithConsultation();
    r.transport.receive({ type: 'waiting-room', patients: [{ ...PATIENT, id: 'p_1', joinedAt: 10 }] });
    r.transport.receive({
      type: 'waiting-room-changes',
      patients: [
        { ...PATIENT, id: 'p_3', name: 'Kim', joinedAt: 30 },
        { ...PATIENT, id: 'p_2', name: 'Alex', joinedAt: 20 },
      ],
      removed: [],
    });
    r.transport.receive({
      type: 'waiting-room-changes',
      patients: [{ ...PATIENT, id: 'p_3', name: 'Kim', joinedAt: 30, present: false }],
      removed: ['p_1'],
    });
    expect(r.engine.getSnapshot().waitingRoom).toEqual([
      { ...PATIENT, id: 'p_2', name: 'Alex', joinedAt: 20 },
      { ...PATIENT, id: 'p_3', name: 'Kim', joinedAt: 30, present: false },
    ]);
    // A whole list (the clinician back on a new socket) replaces whatever was there.
    r.transport.receive({ type: 'waiting-room', patients: [] });
    expect(r.engine.getSnapshot().waitingRoom).toEqual([]);
  });
});

describe('notes to the waiting room', () => {
  it('sends the note normalised and resolves when the relay says it reached the patient', async () => {
    const r = await clinicianWithConsultation();
    const sent = r.engine.sendWaitingNote('p_1', "  I'm running\n5 minutes late ");
    expect(r.transport.sentOfType('waiting-note')).toEqual([
      { type: 'waiting-note', patientId: 'p_1', text: "I'm running 5 minutes late" },
    ]);
    r.transport.receive({ type: 'waiting-note-sent', patientId: 'p_1' });
    expect(await sent).toEqual({ ok: true });
  });

  it('answers a refusal where the note was written, and refuses an empty or unreadable note before sending', async () => {
    const r = await clinicianWithConsultation();
    const refused = r.engine.sendWaitingNote('p_1', 'Five more minutes');
    r.transport.receive({
      type: 'error',
      code: 'PATIENT_OFFLINE',
      message: 'Sam is offline right now; the note was not sent',
      ref: 'waiting-note',
    });
    expect(await refused).toEqual({ ok: false, code: 'PATIENT_OFFLINE', message: 'Sam is offline right now; the note was not sent.' });
    expect(r.engine.getSnapshot().relayError).toBeNull();
    expect(await r.engine.sendWaitingNote('p_1', '   ')).toMatchObject({ ok: false, code: 'BAD_MESSAGE' });
    expect(await r.engine.sendWaitingNote('p_1', 'late \u202Eetal')).toMatchObject({ ok: false, code: 'BAD_MESSAGE' });
    expect(r.transport.sentOfType('waiting-note')).toHaveLength(1);
  });

  it("shows the patient the clinician's note until the call starts, and never puts its text in the timeline", async () => {
    const r = rig();
    await r.engine.join({ secret: SECRET }, 'Amy');
    await whenSent(r.transport, 'join');
    r.transport.receive(welcome('patient'));
    r.transport.receive({ type: 'waiting-note', text: "I'm running 5 minutes late", sentAt: 1_900_000_000_000 });
    expect(r.engine.getSnapshot().waitingNote).toEqual({ text: "I'm running 5 minutes late", sentAt: 1_900_000_000_000 });
    expect(JSON.stringify(r.engine.timelineEntries())).not.toContain('late');
    r.transport.receive({
      type: 'call-start',
      callId: 'c_1',
      initiator: false,
      peer: { id: 'p_doc', name: 'Dr. Who', role: 'clinician' },
      ice: TURN,
    });
    expect(r.engine.getSnapshot().waitingNote).toBeNull();
  });
});

describe('pre-call TURN credentials', () => {
  it('asks the relay for its own, and gets none when refused, unanswered or offline', async () => {
    vi.useFakeTimers();
    const r = await clinicianWithConsultation();
    const given = r.engine.precallIce();
    expect(r.transport.sentOfType('precall-ice')).toEqual([{ type: 'precall-ice' }]);
    r.transport.receive({ type: 'precall-ice', ice: TURN });
    expect(await given).toEqual(TURN);

    const refused = r.engine.precallIce();
    r.transport.receive({ type: 'error', code: 'NOT_JOINED', message: 'sign in or join a consultation first', ref: 'precall-ice' });
    expect(await refused).toBeNull();
    expect(r.engine.getSnapshot().relayError).toBeNull();

    const unanswered = r.engine.precallIce();
    vi.advanceTimersByTime(5000);
    expect(await unanswered).toBeNull();

    r.transport.setStatus('reconnecting');
    expect(await r.engine.precallIce()).toBeNull();
    expect(r.transport.sentOfType('precall-ice')).toHaveLength(3);
  });
});
