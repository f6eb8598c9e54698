/**
 * Clinic staff sign-in through the engine (renderer/engine/staff-sign-in.ts): the relay's hello on every
 * socket, enrollment with IT's code, authentication with the stored device key before anything else is said,
 * and what revocation does to the credential and to a consultation in progress. Signatures are real WebCrypto
 * and are checked the way the relay checks them (signaling/device-auth.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConsultEngine, type EngineDeps } from '../../../renderer/engine/engine';
import type { PeerOptions } from '../../../renderer/engine/peer';
import { MemoryCredentialStore, type StaffCredential, type StaffCredentialStore } from '../../../renderer/engine/staff-sign-in';
import { createDeviceKey, toBase64Url, verifyChallenge } from '../../../signaling/device-auth';
import { CloseCode, type StaffMember } from '../../../signaling/protocol';
import { FakePeer, FakeTransport, fakeStream, MemorySessionStore, NO_ICE, welcome, whenSent } from './fakes';

const RIVERA: StaffMember = { id: 's_rivera', name: 'Dr. Rivera' };
const PATIENT = { id: 'p_pat', name: 'Amy', role: 'patient' as const };

const engines: ConsultEngine[] = [];

afterEach(() => {
  const illegal = engines.splice(0).flatMap((engine) => engine.timelineEntries().filter((e) => e.event === 'phase-illegal'));
  expect(illegal.map((e) => e.detail)).toEqual([]);
});

function rig(credentials: StaffCredentialStore = new MemoryCredentialStore(), overrides: Partial<EngineDeps> = {}) {
  const transport = new FakeTransport();
  const peers: FakePeer[] = [];
  const sessions = new MemorySessionStore();
  const engine = new ConsultEngine({
    transport,
    getUserMedia: async () => fakeStream(),
    createPeer: (options: PeerOptions) => {
      const peer = new FakePeer(options);
      peers.push(peer);
      return peer;
    },
    sessionStore: sessions,
    staffCredentials: credentials,
    ...overrides,
  });
  engines.push(engine);
  return { engine, transport, peers, sessions, credentials };
}

async function storedCredential(staff: StaffMember = RIVERA): Promise<StaffCredential> {
  const { keyPair } = await createDeviceKey();
  return { credentialId: 'd_laptop', staff, keyPair };
}

async function publicKeyOf(credential: StaffCredential): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.exportKey('spki', credential.keyPair.publicKey)));
}

/** The types the engine sent, in order, once `count` messages are out (signing is asynchronous). */
async function sentTypes(transport: FakeTransport, count: number): Promise<string[]> {
  await vi.waitFor(() => expect(transport.sent.length).toBeGreaterThanOrEqual(count));
  return transport.sent.map((m) => m.type);
}

async function signedInRig() {
  const credential = await storedCredential();
  const r = rig(new MemoryCredentialStore(credential));
  await vi.waitFor(() => expect(r.engine.getSnapshot().signIn).toBe('signed-in'));
  return { ...r, credential };
}

describe('staff sign-in', () => {
  it('reads the stored credential before anything else: the snapshot goes from loading to the staff member', async () => {
    let resolveLoad: (credential: StaffCredential | null) => void = () => {};
    const slow: StaffCredentialStore = {
      load: () => new Promise((resolve) => (resolveLoad = resolve)),
      save: async () => {},
      clear: async () => {},
    };
    const r = rig(slow);
    expect(r.engine.getSnapshot()).toMatchObject({ signIn: 'loading', staff: null });
    await r.engine.create();
    expect(r.transport.challenges).toEqual(['challenge1']);
    expect(r.transport.sent).toEqual([]); // the hello waits for the credential: no unsigned create
    const credential = await storedCredential();
    resolveLoad(credential);
    expect(await sentTypes(r.transport, 2)).toEqual(['authenticate', 'create']);
    expect(r.engine.getSnapshot()).toMatchObject({ signIn: 'signed-in', staff: RIVERA });
  });

  it("signs each socket's own challenge with the device key, before the intent, on every reconnect", async () => {
    const r = await signedInRig();
    const publicKey = await publicKeyOf(r.credential);
    await r.engine.create();
    expect(await sentTypes(r.transport, 2)).toEqual(['authenticate', 'create']);
    const [first] = r.transport.sentOfType('authenticate');
    expect(first?.credentialId).toBe('d_laptop');
    expect(await verifyChallenge(publicKey, 'staff-sign-in', 'challenge1', first?.signature ?? '')).toBe(true);
    // A signature for sign-in is not one for enrollment, nor for another socket.
    expect(await verifyChallenge(publicKey, 'enroll', 'challenge1', first?.signature ?? '')).toBe(false);
    expect(await verifyChallenge(publicKey, 'staff-sign-in', 'challenge2', first?.signature ?? '')).toBe(false);

    r.transport.receive({ type: 'signed-in', staff: RIVERA, credentialId: 'd_laptop' });
    r.transport.receive(welcome('clinician'));
    r.transport.setStatus('reconnecting');
    r.transport.setStatus('open');
    expect(await sentTypes(r.transport, 4)).toEqual(['authenticate', 'create', 'authenticate', 'resume']);
    const second = r.transport.sentOfType('authenticate')[1];
    expect(await verifyChallenge(publicKey, 'staff-sign-in', 'challenge2', second?.signature ?? '')).toBe(true);
  });

  it('a patient says nothing before the hello, then joins signed by its device key, without signing in', async () => {
    const r = rig();
    r.transport.connect = () => {
      r.transport.connects += 1;
      r.transport.status = 'connecting';
    };
    await vi.waitFor(() => expect(r.engine.getSnapshot().signIn).toBe('signed-out'));
    await r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy');
    expect(r.transport.connects).toBe(1);
    expect(r.transport.sent).toEqual([]);
    r.transport.setStatus('open');
    const [join] = await whenSent(r.transport, 'join');
    expect(r.transport.sent.map((m) => m.type)).toEqual(['join']);
    expect(await verifyChallenge(join?.publicKey ?? '', 'patient-seat', 'challenge1', join?.signature ?? '')).toBe(true);
  });

  it('enrolls with the code and a fresh non-extractable key, proves it on this socket, and keeps the credential', async () => {
    const r = rig();
    const enrolled = r.engine.enroll('  K7QM-2XZP-9RTV-4HWC-8NJD ');
    await vi.waitFor(() => expect(r.transport.sentOfType('enroll')).toHaveLength(1));
    expect(r.transport.connects).toBe(1);
    expect(r.engine.getSnapshot().signIn).toBe('enrolling');
    const [enroll] = r.transport.sentOfType('enroll');
    expect(enroll?.code).toBe('K7QM-2XZP-9RTV-4HWC-8NJD');
    expect(await verifyChallenge(enroll?.publicKey ?? '', 'enroll', 'challenge1', enroll?.signature ?? '')).toBe(true);

    r.transport.receive({ type: 'signed-in', staff: RIVERA, credentialId: 'd_new' });
    expect(await enrolled).toBe(true);
    expect(r.engine.getSnapshot()).toMatchObject({ signIn: 'signed-in', staff: RIVERA, signInError: null });
    const kept = await r.credentials.load();
    expect(kept).toMatchObject({ credentialId: 'd_new', staff: RIVERA });
    expect(kept && (await publicKeyOf(kept))).toBe(enroll?.publicKey);
    expect(kept?.keyPair.privateKey.extractable).toBe(false);

    // The same socket opens the consultation right away: no second sign-in on it.
    await r.engine.create();
    expect(r.transport.sent.map((m) => m.type)).toEqual(['enroll', 'create']);
  });

  it('a used code is shown with its code, and another code can be tried on the same socket with a fresh key', async () => {
    const r = rig();
    const first = r.engine.enroll('USED-CODE');
    await vi.waitFor(() => expect(r.transport.sentOfType('enroll')).toHaveLength(1));
    r.transport.receive({
      type: 'error',
      code: 'ENROLLMENT_USED',
      message: 'this enrollment code was already used; ask IT for a new one',
      ref: 'enroll',
    });
    expect(await first).toBe(false);
    expect(r.engine.getSnapshot()).toMatchObject({
      signIn: 'signed-out',
      staff: null,
      signInError: { code: 'ENROLLMENT_USED', message: 'This enrollment code was already used; ask IT for a new one.' },
      relayError: null,
    });

    const second = r.engine.enroll('GOOD-CODE');
    await vi.waitFor(() => expect(r.transport.sentOfType('enroll')).toHaveLength(2));
    expect(r.engine.getSnapshot().signInError).toBeNull();
    const [used, fresh] = r.transport.sentOfType('enroll');
    expect(fresh?.publicKey).not.toBe(used?.publicKey);
    expect(r.transport.connects).toBe(1);
    r.transport.receive({ type: 'signed-in', staff: RIVERA, credentialId: 'd_new' });
    expect(await second).toBe(true);
  });

  it('a relay that cannot be reached fails the enrollment instead of leaving it pending', async () => {
    const r = rig();
    r.transport.connect = () => {
      r.transport.connects += 1;
      r.transport.status = 'connecting';
    };
    const enrolled = r.engine.enroll('SOME-CODE');
    await vi.waitFor(() => expect(r.transport.connects).toBe(1));
    r.transport.setStatus('closed', 'gave up after 8 attempts');
    expect(await enrolled).toBe(false);
    expect(r.engine.getSnapshot()).toMatchObject({ signIn: 'signed-out', signInError: { code: 'RELAY_UNREACHABLE' } });
  });

  it.each([
    ['STAFF_REVOKED', 'IT revoked this sign-in. Ask them for a new enrollment code.'],
    ['CREDENTIAL_INVALID', 'This clinic server no longer knows this device. Ask IT for a new enrollment code and sign in again.'],
  ] as const)('a sign-in refused as %s forgets the credential and says so, not the create it doomed', async (code, message) => {
    const r = await signedInRig();
    await r.engine.create();
    await sentTypes(r.transport, 2);
    r.transport.receive({ type: 'error', code, message: 'refused', ref: 'authenticate' });
    r.transport.receive({
      type: 'error',
      code: 'NOT_SIGNED_IN',
      message: 'only signed-in clinic staff can open a consultation',
      ref: 'create',
    });
    expect(r.engine.getSnapshot()).toMatchObject({ signIn: 'signed-out', staff: null, signInError: { code, message }, relayError: null });
    expect(await r.credentials.load()).toBeNull();
    expect(await r.engine.storedStaff()).toBeNull();
    // The refused create is not asked again on the next socket, and nothing signs in any more.
    r.transport.setStatus('reconnecting');
    r.transport.setStatus('open');
    expect(r.transport.sent.map((m) => m.type)).toEqual(['authenticate', 'create']);
  });

  it('close code 4006 mid-call: the credential is forgotten, the call and the consultation end cleanly', async () => {
    const r = await signedInRig();
    await r.engine.create();
    await sentTypes(r.transport, 2);
    r.transport.receive({ type: 'signed-in', staff: RIVERA, credentialId: 'd_laptop' });
    r.transport.receive(welcome('clinician'));
    r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: true, peer: PATIENT, ice: NO_ICE });
    const [peer] = r.peers;
    peer?.emit('connect');
    peer?.emit('stream', fakeStream('remote'));
    expect(r.engine.getSnapshot().phase).toBe('connected');

    r.transport.setStatus('closed', 'relay connection closed (4006: access revoked by the clinic)', CloseCode.STAFF_REVOKED);
    expect(r.engine.getSnapshot()).toMatchObject({
      phase: 'ended',
      endReason: 'access-revoked',
      consultation: null,
      peer: null,
      signIn: 'signed-out',
      staff: null,
      signInError: { code: 'STAFF_REVOKED', message: 'IT revoked this sign-in. Ask them for a new enrollment code.' },
    });
    expect(peer?.destroyed).toBe(true);
    expect(r.sessions.value).toBeNull();
    await vi.waitFor(async () => expect(await r.credentials.load()).toBeNull());
    expect(r.engine.timelineEntries().some((e) => e.event === 'relay-lost' || e.event === 'call-failed')).toBe(false);
  });

  it('close code 4006 while signed in with no consultation only signs out', async () => {
    const r = rig();
    await r.engine.startPreview();
    const enrolled = r.engine.enroll('GOOD-CODE');
    await vi.waitFor(() => expect(r.transport.sentOfType('enroll')).toHaveLength(1));
    r.transport.receive({ type: 'signed-in', staff: RIVERA, credentialId: 'd_new' });
    await enrolled;
    r.transport.setStatus('closed', 'revoked', CloseCode.STAFF_REVOKED);
    expect(r.engine.getSnapshot()).toMatchObject({ phase: 'previewing', staff: null, signInError: { code: 'STAFF_REVOKED' } });
  });

  it('sign-out on a signed-in socket asks the relay to revoke the device, and always forgets it here', async () => {
    const r = rig();
    const enrolled = r.engine.enroll('GOOD-CODE');
    await vi.waitFor(() => expect(r.transport.sentOfType('enroll')).toHaveLength(1));
    r.transport.receive({ type: 'signed-in', staff: RIVERA, credentialId: 'd_new' });
    await enrolled;
    r.engine.signOut();
    expect(r.transport.sentOfType('sign-out')).toHaveLength(1);
    expect(r.engine.getSnapshot()).toMatchObject({ signIn: 'signed-out', staff: null, signInError: null });
    await vi.waitFor(async () => expect(await r.credentials.load()).toBeNull());
    r.transport.receive({ type: 'signed-out' });

    // Not connected (after a reload): nothing to tell the relay, the key is forgotten all the same.
    const later = await signedInRig();
    later.engine.signOut();
    expect(later.transport.sent).toEqual([]);
    expect(later.engine.getSnapshot().staff).toBeNull();
    await vi.waitFor(async () => expect(await later.credentials.load()).toBeNull());
  });

  it('a clinician seat the relay will not give back without a sign-in is a lost seat', async () => {
    const sessions = new MemorySessionStore();
    sessions.value = { resumeToken: 'token-clinician-0123456789', role: 'clinician' };
    const r = rig(new MemoryCredentialStore(), { sessionStore: sessions });
    await r.engine.restore();
    await sentTypes(r.transport, 1);
    r.transport.receive({ type: 'error', code: 'NOT_SIGNED_IN', message: 'sign in as the clinician…', ref: 'resume' });
    expect(r.engine.getSnapshot()).toMatchObject({ phase: 'previewing', role: null, consultation: null });
    expect(sessions.value).toBeNull();
  });
});

describe('MemoryCredentialStore', () => {
  it('holds one credential until cleared', async () => {
    const store = new MemoryCredentialStore();
    expect(await store.load()).toBeNull();
    const credential = await storedCredential();
    await store.save(credential);
    expect(await store.load()).toBe(credential);
    const renamed = { ...credential, staff: { ...RIVERA, name: 'Dr. M. Rivera' } };
    await store.save(renamed);
    expect(await store.load()).toBe(renamed);
    await store.clear();
    expect(await store.load()).toBeNull();
  });
});
