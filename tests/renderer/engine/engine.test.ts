import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsultEngine, type EngineDeps } from '../../../renderer/engine/engine';
import type { PeerOptions } from '../../../renderer/engine/peer';
import { verifyChallenge } from '../../../signaling/device-auth';
import {
  ANSWER,
  CANDIDATE,
  FakePeer,
  FakeTransport,
  fakeStream,
  fakeTrack,
  MemorySessionStore,
  NO_ICE,
  OFFER,
  welcome,
  whenSent,
} from './fakes';

const DOCTOR = { id: 'p_doc', name: 'Dr. Who', role: 'clinician' as const };
const PATIENT = { id: 'p_pat', name: 'Amy', role: 'patient' as const };

interface Rig {
  engine: ConsultEngine;
  transport: FakeTransport;
  peers: FakePeer[];
  store: MemorySessionStore;
  order: string[];
  getUserMedia: ReturnType<typeof vi.fn>;
}

/** Every engine a test made: none may have tried a phase change its state machine forbids. */
const engines: ConsultEngine[] = [];

function rig(overrides: Partial<EngineDeps> = {}): Rig {
  const transport = new FakeTransport();
  const peers: FakePeer[] = [];
  const order: string[] = [];
  const store = new MemorySessionStore();
  const getUserMedia = vi.fn(async () => {
    order.push('getUserMedia');
    return fakeStream();
  });
  const engine = new ConsultEngine({
    transport,
    getUserMedia,
    createPeer: (options: PeerOptions) => {
      order.push('createPeer');
      const peer = new FakePeer(options);
      peers.push(peer);
      return peer;
    },
    sessionStore: store,
    remoteCloseGraceMs: 1500,
    ...overrides,
  });
  engines.push(engine);
  const send = transport.send.bind(transport);
  transport.send = (message) => {
    order.push(`send:${message.type}`);
    return send(message);
  };
  return { engine, transport, peers, store, order, getUserMedia };
}

async function patientInWaitingRoom(r: Rig): Promise<void> {
  await r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy');
  await whenSent(r.transport, 'join'); // signed with the device key first
  r.transport.receive(welcome('patient'));
}

async function clinicianWithOpenConsultation(r: Rig): Promise<void> {
  await r.engine.create();
  r.transport.receive(welcome('clinician'));
}

function onlyPeer(r: Rig): FakePeer {
  expect(r.peers).toHaveLength(1);
  const peer = r.peers[0];
  if (!peer) throw new Error('no peer');
  return peer;
}

/** A patient in call c_1 with the clinician: its peer connected and remote media in. */
async function connectedPatient(): Promise<Rig & { peer: FakePeer }> {
  const r = rig();
  await patientInWaitingRoom(r);
  r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
  const peer = onlyPeer(r);
  peer.emit('connect');
  peer.emit('stream', fakeStream('remote'));
  return { ...r, peer };
}

describe('ConsultEngine', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    const illegal = engines.splice(0).flatMap((engine) => engine.timelineEntries().filter((e) => e.event === 'phase-illegal'));
    expect(illegal.map((e) => e.detail)).toEqual([]);
  });

  describe('media comes first', () => {
    it('acquires the camera before saying anything to the relay, and creates the peer with its tracks', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      expect(r.order).toEqual(['getUserMedia', 'send:join', 'createPeer']);
      const peer = onlyPeer(r);
      expect(peer.options.stream).toBe(r.engine.getSnapshot().localStream);
      expect(peer.options.initiator).toBe(false);
      expect(peer.options.iceServers).toEqual([]); // no public STUN by default: LAN calls need no internet
    });

    it("gives each call's peer the ICE servers and policy of that call's call-start, with its own TURN credentials", async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      const turn = (credential: string) => ({
        iceServers: [{ urls: ['turn:198.18.0.2:3478?transport=udp'], username: '1900000000:p_pat', credential }],
        iceTransportPolicy: 'relay' as const,
      });
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: turn('Zmlyc3Q') });
      expect(onlyPeer(r).options).toMatchObject({ iceServers: turn('Zmlyc3Q').iceServers, iceTransportPolicy: 'relay' });
      // The restart's call-start brings fresh credentials: its peer uses those, never the first call's.
      r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
      r.transport.receive({ type: 'call-start', callId: 'c_2', initiator: false, peer: DOCTOR, ice: turn('c2Vjb25k') });
      expect(r.peers[1]?.options.iceServers).toEqual(turn('c2Vjb25k').iceServers);
      const logged = r.engine
        .timelineEntries()
        .filter((e) => e.event === 'call-start' || e.event === 'welcome')
        .map((e) => e.detail ?? '');
      expect(logged.filter((detail) => detail.includes('ICE: turn, relay only'))).toHaveLength(2);
      for (const credential of ['Zmlyc3Q', 'c2Vjb25k']) expect(logged.join('\n')).not.toContain(credential); // never in the timeline
    });

    it('marks video tracks for detail so the encoder keeps resolution under load', async () => {
      const r = rig();
      const stream = await r.engine.startPreview();
      expect(stream?.getVideoTracks()[0]?.contentHint).toBe('detail');
    });

    it('does not join when media fails, says why, and joins after a successful retry', async () => {
      const denied = Object.assign(new Error('denied'), { name: 'NotAllowedError' });
      const r = rig();
      r.getUserMedia.mockRejectedValueOnce(denied);
      expect(await r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy')).toBe(false);
      expect(r.transport.sent).toEqual([]);
      expect(r.engine.getSnapshot().mediaError?.kind).toBe('permission-denied');
      expect(await r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy')).toBe(true);
      expect(await whenSent(r.transport, 'join')).toHaveLength(1);
      expect(r.engine.getSnapshot().mediaError).toBeNull();
    });

    it('asks for the camera once even when preview and join race', async () => {
      const r = rig();
      await Promise.all([r.engine.startPreview(), r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy')]);
      expect(r.getUserMedia).toHaveBeenCalledTimes(1);
    });
  });

  describe('one peer per call', () => {
    it('makes the clinician the initiator and ignores a duplicated call-start', async () => {
      const r = rig();
      await clinicianWithOpenConsultation(r);
      const start = { type: 'call-start' as const, callId: 'c_1', initiator: true, peer: PATIENT, ice: NO_ICE };
      r.transport.receive(start);
      r.transport.receive(start);
      expect(onlyPeer(r).options.initiator).toBe(true);
      expect(r.engine.getSnapshot().phase).toBe('connecting');
    });

    it('relays every signal the peer makes, renegotiate and transceiverRequest included', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      const peer = onlyPeer(r);
      peer.emit('signal', ANSWER);
      peer.emit('signal', CANDIDATE);
      peer.emit('signal', { type: 'renegotiate', renegotiate: true });
      peer.emit('signal', { type: 'transceiverRequest', transceiverRequest: { kind: 'video', init: {} } });
      expect(r.transport.sentOfType('signal').map((m) => [m.callId, m.seq, m.data.type])).toEqual([
        ['c_1', 1, 'answer'],
        ['c_1', 2, 'candidate'],
        ['c_1', 3, 'renegotiate'],
        ['c_1', 4, 'transceiverRequest'],
      ]);
    });

    it('holds signals that arrive before their call-start and applies them in order', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'signal', callId: 'c_1', seq: 1, data: OFFER });
      r.transport.receive({ type: 'signal', callId: 'c_1', seq: 2, data: CANDIDATE });
      expect(r.peers).toHaveLength(0);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      expect(onlyPeer(r).received).toEqual([OFFER, CANDIDATE]);
    });

    it('applies signals only to the call they name', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      r.transport.receive({ type: 'signal', callId: 'c_other', seq: 1, data: OFFER });
      r.transport.receive({ type: 'signal', callId: 'c_1', seq: 1, data: OFFER });
      expect(onlyPeer(r).received).toEqual([OFFER]);
    });

    it('applies a signal delivered twice only once', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      r.transport.receive({ type: 'signal', callId: 'c_1', seq: 1, data: OFFER });
      r.transport.receive({ type: 'signal', callId: 'c_1', seq: 1, data: OFFER });
      r.transport.receive({ type: 'signal', callId: 'c_1', seq: 2, data: CANDIDATE });
      r.transport.receive({ type: 'signal', callId: 'c_1', seq: 2, data: CANDIDATE });
      expect(onlyPeer(r).received).toEqual([OFFER, CANDIDATE]);
    });

    it('ignores ALREADY_JOINED from a repeated join: the first one placed us', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'error', code: 'ALREADY_JOINED', message: 'already', ref: 'join' });
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'waiting', relayError: null });
    });

    it('is connected only when the peer connects and remote media has arrived', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      const peer = onlyPeer(r);
      peer.emit('connect');
      expect(r.engine.getSnapshot().phase).toBe('connecting');
      const remote = fakeStream('remote');
      peer.emit('stream', remote);
      expect(r.engine.getSnapshot().phase).toBe('connected');
      expect(r.engine.getSnapshot().remoteStream).toBe(remote);
    });
  });

  describe('ending a call', () => {
    it('hang-up tells the relay, removes every peer listener, then destroys the peer', async () => {
      const r = await connectedPatient();
      r.engine.hangUp();
      expect(r.transport.sentOfType('hang-up')).toEqual([{ type: 'hang-up', callId: 'c_1' }]);
      expect(r.peer.listenersRemoved).toBe(true);
      expect(r.peer.destroyed).toBe(true);
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'ended', endReason: 'hang-up', remoteStream: null });
      // A late event of the dead peer changes nothing.
      r.peer.emit('signal', CANDIDATE);
      expect(r.transport.sentOfType('signal')).toHaveLength(0);
    });

    it('a remote hang-up ends the call with its own reason; late signals of that call are dropped', async () => {
      const r = await connectedPatient();
      r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'hang-up', by: 'clinician' });
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'ended', endReason: 'remote-hang-up' });
      r.transport.receive({ type: 'signal', callId: 'c_1', seq: 3, data: CANDIDATE });
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      expect(r.peers).toHaveLength(1);
    });

    it('a second call after the first gets a fresh peer', async () => {
      const r = await connectedPatient();
      r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'hang-up', by: 'clinician' });
      r.transport.receive({ type: 'call-start', callId: 'c_2', initiator: false, peer: DOCTOR, ice: NO_ICE });
      expect(r.peers).toHaveLength(2);
      expect(r.peers[1]?.destroyed).toBe(false);
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'connecting', callId: 'c_2', endReason: null });
    });

    it('a peer error on a connected call restarts it with a fresh peer, keeping local media', async () => {
      const r = await connectedPatient();
      const local = r.engine.getSnapshot().localStream;
      r.peer.emit('error', Object.assign(new Error('Connection failed.'), { code: 'ERR_CONNECTION_FAILURE' }));
      expect(r.transport.sentOfType('restart')).toEqual([{ type: 'restart', callId: 'c_1' }]);
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'reconnecting', recoveryAttempt: 1 });
      r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
      r.transport.receive({ type: 'call-start', callId: 'c_2', initiator: false, peer: DOCTOR, ice: NO_ICE });
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'reconnecting', callId: 'c_2' });
      const next = r.peers[1];
      expect(next?.options.stream).toBe(local);
      next?.emit('connect');
      next?.emit('stream', fakeStream('remote-2'));
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'connected', recoveryAttempt: 0 });
      expect(r.engine.timelineEntries().some((e) => e.event === 'call-recovered')).toBe(true);
    });

    it('gives up after the last restart attempt and tells the other side the connection failed', async () => {
      const r = await connectedPatient();
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        r.peers.at(-1)?.emit('error', Object.assign(new Error('failed'), { code: 'ERR_CONNECTION_FAILURE' }));
        expect(r.engine.getSnapshot().recoveryAttempt).toBe(attempt);
        r.transport.receive({ type: 'call-ended', callId: `c_${attempt}`, reason: 'replaced', by: null });
        r.transport.receive({ type: 'call-start', callId: `c_${attempt + 1}`, initiator: false, peer: DOCTOR, ice: NO_ICE });
      }
      r.peers.at(-1)?.emit('error', Object.assign(new Error('failed'), { code: 'ERR_CONNECTION_FAILURE' }));
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'failed', endReason: 'connection-failed', recoveryAttempt: 0 });
      expect(r.transport.sentOfType('hang-up').at(-1)).toEqual({ type: 'hang-up', callId: 'c_4', reason: 'connection-failed' });
    });

    it('a restart that does not connect in time counts as an attempt and the next one begins', async () => {
      const r = await connectedPatient();
      r.peer.emit('error', Object.assign(new Error('failed'), { code: 'ERR_CONNECTION_FAILURE' }));
      r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
      r.transport.receive({ type: 'call-start', callId: 'c_2', initiator: false, peer: DOCTOR, ice: NO_ICE });
      vi.advanceTimersByTime(10_000);
      expect(r.engine.getSnapshot().recoveryAttempt).toBe(2);
      expect(r.transport.sentOfType('restart').at(-1)).toEqual({ type: 'restart', callId: 'c_2' });
    });

    it('ICE disconnected that heals within the grace period restarts nothing', async () => {
      const r = await connectedPatient();
      r.peer.emit('iceStateChange', 'disconnected', 'complete');
      vi.advanceTimersByTime(3000);
      r.peer.emit('iceStateChange', 'connected', 'complete');
      vi.advanceTimersByTime(10_000);
      expect(r.transport.sentOfType('restart')).toEqual([]);
      expect(r.engine.getSnapshot().phase).toBe('connected');
    });

    it('ICE disconnected for longer than the grace period restarts the call', async () => {
      const r = await connectedPatient();
      r.peer.emit('iceStateChange', 'disconnected', 'complete');
      vi.advanceTimersByTime(4000);
      expect(r.transport.sentOfType('restart')).toEqual([{ type: 'restart', callId: 'c_1' }]);
      expect(r.engine.getSnapshot().phase).toBe('reconnecting');
    });

    it('when the other side is away, waits for it instead of restarting into the void', async () => {
      const r = await connectedPatient();
      r.transport.receive({ type: 'presence', participantId: DOCTOR.id, role: 'clinician', present: false });
      r.peer.emit('error', Object.assign(new Error('User-Initiated Abort'), { code: 'ERR_DATA_CHANNEL' }));
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'reconnecting', recoveryAttempt: 1 });
      expect(r.transport.sentOfType('restart')).toEqual([]);
      vi.advanceTimersByTime(60_000); // no attempts burn while nobody is there
      expect(r.engine.getSnapshot().recoveryAttempt).toBe(1);
      r.transport.receive({ type: 'presence', participantId: DOCTOR.id, role: 'clinician', present: true });
      expect(r.transport.sentOfType('restart')).toEqual([{ type: 'restart', callId: 'c_1' }]);
    });

    it('asks for the restart once the relay is reachable again', async () => {
      const r = await connectedPatient();
      r.transport.setStatus('reconnecting');
      r.peer.emit('error', Object.assign(new Error('failed'), { code: 'ERR_CONNECTION_FAILURE' }));
      expect(r.transport.sentOfType('restart')).toEqual([]);
      r.transport.setStatus('open');
      r.transport.receive(welcome('patient', { callId: 'c_1', initiator: false }));
      expect(r.transport.sentOfType('restart')).toEqual([{ type: 'restart', callId: 'c_1' }]);
    });

    it('a call that never connected fails with a diagnosis and tells the other side why', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      onlyPeer(r).emit('signal', CANDIDATE);
      onlyPeer(r).emit('error', Object.assign(new Error('Ice connection failed.'), { code: 'ERR_ICE_CONNECTION_FAILURE' }));
      expect(r.engine.getSnapshot()).toMatchObject({
        phase: 'failed',
        endReason: 'connection-failed',
        diagnosis: { code: 'NO_TURN_CONFIGURED' },
      });
      expect(r.transport.sentOfType('hang-up')).toEqual([{ type: 'hang-up', callId: 'c_1', reason: 'connection-failed' }]);
      expect(r.transport.sentOfType('restart')).toEqual([]);
    });

    it("the other side's failure before connecting gives this side its own diagnosis", async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      // The TURN server this call's call-start named (the diagnosis reads the call's own configuration).
      const ice = { iceServers: [{ urls: ['turn:198.18.0.2:3478'], username: 'u', credential: 'c' }], iceTransportPolicy: 'all' as const };
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice });
      onlyPeer(r).emit('signal', CANDIDATE); // a host candidate only: TURN was not reached from here
      r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'connection-failed', by: 'clinician' });
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'failed', diagnosis: { code: 'TURN_UNREACHABLE' } });
    });

    it('the remote peer closing means "peer left" unless the relay explains within the grace period', async () => {
      const r = await connectedPatient();
      r.peer.emit('close');
      expect(r.engine.getSnapshot().phase).toBe('connected');
      vi.advanceTimersByTime(1500);
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'ended', endReason: 'peer-left' });
    });

    it("the other side's SCTP abort (how Chromium reports its close on a bundled transport) is a close, not a failure", async () => {
      const r = await connectedPatient();
      r.peer.emit('error', Object.assign(new Error('User-Initiated Abort, reason=Close called'), { code: 'ERR_DATA_CHANNEL' }));
      // No restart of our own: the relay explains (here, the other side reloaded and the call is replaced).
      expect(r.transport.sentOfType('restart')).toEqual([]);
      expect(r.engine.getSnapshot().phase).toBe('connected');
      r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
      r.transport.receive({ type: 'call-start', callId: 'c_2', initiator: false, peer: DOCTOR, ice: NO_ICE });
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'reconnecting', callId: 'c_2' });
      expect(r.transport.sentOfType('restart')).toEqual([]);
    });

    it('a remote close followed by the other side leaving the relay waits for it rather than ending the call', async () => {
      const r = await connectedPatient();
      r.peer.emit('close');
      r.transport.receive({ type: 'presence', participantId: DOCTOR.id, role: 'clinician', present: false });
      vi.advanceTimersByTime(1500);
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'reconnecting', recoveryAttempt: 1 });
      r.transport.receive({ type: 'presence', participantId: DOCTOR.id, role: 'clinician', present: true });
      expect(r.transport.sentOfType('restart')).toEqual([{ type: 'restart', callId: 'c_1' }]);
    });

    it('any other peer error on a connected call is a failure, and restarts it', async () => {
      const r = await connectedPatient();
      r.peer.emit('error', Object.assign(new Error('Transport channel closed'), { code: 'ERR_DATA_CHANNEL' }));
      expect(r.transport.sentOfType('restart')).toEqual([{ type: 'restart', callId: 'c_1' }]);
    });

    it('a hang-up message racing the peer close wins', async () => {
      const r = await connectedPatient();
      r.peer.emit('close');
      r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'hang-up', by: 'clinician' });
      vi.advanceTimersByTime(5000);
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'ended', endReason: 'remote-hang-up' });
    });

    it('a replaced call (the other side reloaded or restarted) shows reconnecting and takes the successor', async () => {
      const r = await connectedPatient();
      r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'reconnecting', recoveryAttempt: 1 });
      r.transport.receive({ type: 'call-start', callId: 'c_2', initiator: false, peer: DOCTOR, ice: NO_ICE });
      expect(r.peers).toHaveLength(2);
      expect(r.peers[0]?.destroyed).toBe(true);
    });

    it('keeps a live call even when the relay no longer accepts its resume token', async () => {
      const r = await connectedPatient();
      r.transport.receive({ type: 'error', code: 'INVALID_RESUME', message: 'this session has ended; join again', ref: 'resume' });
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'connected', relayError: { code: 'INVALID_RESUME' } });
      expect(r.peer.destroyed).toBe(false);
    });

    it('keeps a live call the relay does not know after a relay restart', async () => {
      const r = await connectedPatient();
      r.transport.setStatus('reconnecting');
      r.transport.setStatus('open');
      r.transport.receive(welcome('patient', null));
      expect(r.engine.getSnapshot().phase).toBe('connected');
      expect(r.peer.destroyed).toBe(false);
    });

    it('consultation closed by the clinician ends everything and forgets the session', async () => {
      const r = await connectedPatient();
      r.transport.receive({ type: 'consultation-closed', reason: 'clinician-left' });
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'ended', endReason: 'consultation-closed', consultation: null });
      expect(r.peer.destroyed).toBe(true);
      expect(r.store.value).toBeNull();
    });
  });

  describe('relay first, direct when it works', () => {
    const TURN_ICE = {
      iceServers: [{ urls: ['turn:198.18.0.2:3478?transport=udp'], username: 'u', credential: 'c' }],
      iceTransportPolicy: 'all' as const,
    };

    it('widens once the call is up, but not while the patient is away from the relay (the offer would be lost)', async () => {
      const r = rig();
      await r.engine.create();
      r.transport.receive(welcome('clinician'));
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: true, peer: PATIENT, ice: TURN_ICE });
      const peer = onlyPeer(r);
      expect(peer.options.iceTransportPolicy).toBe('relay');
      peer.emit('connect');
      r.transport.receive({ type: 'presence', participantId: PATIENT.id, role: 'patient', present: false });
      vi.advanceTimersByTime(5000);
      expect(peer.allPathsAllowed).toBe(0);
      r.transport.receive({ type: 'presence', participantId: PATIENT.id, role: 'patient', present: true });
      vi.advanceTimersByTime(1000);
      expect(peer.allPathsAllowed).toBe(1);
      const logged = r.engine
        .timelineEntries()
        .filter((e) => e.event.startsWith('ice-'))
        .map((e) => `${e.event} ${e.detail ?? ''}`);
      expect(logged).toEqual(['ice-plan starts relay, widens to all', 'ice-widened connected']);
    });
  });

  describe('the phase machine', () => {
    async function replacedCall(): Promise<Rig> {
      const r = await connectedPatient();
      r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
      expect(r.engine.getSnapshot().phase).toBe('reconnecting');
      return r;
    }

    it('fails a call caught between a replaced call and its successor when the relay is gone for good', async () => {
      const r = await replacedCall();
      r.transport.setStatus('closed', 'gave up');
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'failed', endReason: 'relay-lost', recoveryAttempt: 0 });
    });

    it('goes back to waiting when, welcomed back after such a gap, the relay has no call for us', async () => {
      const r = await replacedCall();
      r.transport.receive(welcome('patient'));
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'waiting', recoveryAttempt: 0 });
      vi.advanceTimersByTime(60_000); // no recovery left running to restart a call that is gone
      expect(r.transport.sentOfType('restart')).toEqual([]);
    });

    it('walks the diagram through a whole consultation, each change in the timeline', async () => {
      const r = rig();
      await clinicianWithOpenConsultation(r);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: true, peer: PATIENT, ice: NO_ICE });
      const peer = onlyPeer(r);
      peer.emit('connect');
      peer.emit('stream', fakeStream('remote'));
      r.engine.hangUp();
      r.engine.leave();
      const changes = r.engine
        .timelineEntries()
        .filter((e) => e.event === 'phase')
        .map((e) => e.detail);
      expect(changes).toEqual([
        'idle -> previewing (media-ready)',
        'previewing -> waiting (entered)',
        'waiting -> connecting (call-started)',
        'connecting -> connected (call-up)',
        'connected -> ended (call-ended)',
      ]);
    });

    it('refuses a call-start before the relay has placed us, tells the relay, and logs it as illegal', async () => {
      const r = rig();
      await r.engine.startPreview();
      r.transport.setStatus('open', 'connected');
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      expect(r.peers).toHaveLength(0);
      expect(r.engine.getSnapshot().phase).toBe('previewing');
      expect(r.transport.sentOfType('hang-up')).toEqual([{ type: 'hang-up', callId: 'c_1', reason: 'connection-failed' }]);
      const illegal = r.engine.timelineEntries().filter((e) => e.event === 'phase-illegal');
      expect(illegal.map((e) => e.detail)).toEqual(['call-started in previewing; call c_1 refused']);
      engines.splice(engines.indexOf(r.engine), 1); // illegal on purpose: not for the after-each check
    });
  });

  describe('relay connection', () => {
    it('saves the resume token and resumes with the live call id after a reconnect', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      expect(r.store.value).toEqual({ resumeToken: 'token-patient-0123456789', role: 'patient' });
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      r.transport.setStatus('reconnecting');
      r.transport.setStatus('open');
      const [resume] = await whenSent(r.transport, 'resume');
      expect(resume).toMatchObject({ type: 'resume', resumeToken: 'token-patient-0123456789', callId: 'c_1' });
      // A patient's seat is its device's: the new socket's challenge, signed with the key the join was made with.
      const [join] = r.transport.sentOfType('join');
      expect(await verifyChallenge(join?.publicKey ?? '', 'patient-seat', 'challenge2', resume?.signature ?? '')).toBe(true);
      r.transport.receive(welcome('patient', { callId: 'c_1', initiator: false }));
      expect(r.peers).toHaveLength(1);
      expect(r.peers[0]?.destroyed).toBe(false);
    });

    it('restore() after a reload resumes from the stored token', async () => {
      const store = new MemorySessionStore();
      store.value = { resumeToken: 'token-patient-0123456789', role: 'patient' };
      const r = rig({ sessionStore: store });
      expect(await r.engine.restore()).toBe(true);
      expect(await whenSent(r.transport, 'resume')).toEqual([
        { type: 'resume', resumeToken: 'token-patient-0123456789', callId: null, signature: expect.any(String) },
      ]);
      expect(r.transport.sentOfType('join')).toHaveLength(0);
      r.transport.receive(welcome('patient'));
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'waiting', role: 'patient' });
    });

    it('an expired resume token is forgotten and the person can join again', async () => {
      const store = new MemorySessionStore();
      store.value = { resumeToken: 'token-patient-0123456789', role: 'patient' };
      const r = rig({ sessionStore: store });
      await r.engine.restore();
      r.transport.receive({ type: 'error', code: 'INVALID_RESUME', message: 'this session has ended; join again', ref: 'resume' });
      expect(store.value).toBeNull();
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'previewing', role: null, relayError: { code: 'INVALID_RESUME' } });
      await r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy');
      expect(await whenSent(r.transport, 'join')).toHaveLength(1);
    });

    it('a refused join is shown to the patient as the relay put it, and they can try another code', async () => {
      const r = rig();
      await r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy');
      await whenSent(r.transport, 'join');
      const message = 'This invite was already used on another device. Ask the clinic for a new invite for this device.';
      r.transport.receive({ type: 'error', code: 'INVITE_USED', message, ref: 'join' });
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'previewing', joinError: { code: 'INVITE_USED', message }, relayError: null });
      await r.engine.join({ shortCode: 'wxyz 2345' }, 'Amy');
      expect(r.engine.getSnapshot().joinError).toBeNull();
      const joins = await whenSent(r.transport, 'join', 2);
      expect(joins.map((m) => m.invite)).toEqual([{ shortCode: 'ABCD-2345' }, { shortCode: 'WXYZ-2345' }]);
    });

    it('losing the relay for good fails a waiting patient as relay-lost', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      r.transport.setStatus('closed', 'gave up');
      expect(r.engine.getSnapshot()).toMatchObject({ phase: 'failed', endReason: 'relay-lost' });
    });

    it('losing the relay does not end a call whose media already flows', async () => {
      const r = rig();
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      const peer = onlyPeer(r);
      peer.emit('connect');
      peer.emit('stream', fakeStream('remote'));
      r.transport.setStatus('closed', 'gave up');
      expect(r.engine.getSnapshot().phase).toBe('connected');
      expect(peer.destroyed).toBe(false);
    });

    it('a repeated admit refused as CALL_IN_PROGRESS is not shown as an error', async () => {
      const r = rig();
      await clinicianWithOpenConsultation(r);
      r.engine.admit('p_pat');
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: true, peer: PATIENT, ice: NO_ICE });
      r.transport.receive({ type: 'error', code: 'CALL_IN_PROGRESS', message: 'already in a call with Amy', ref: 'admit' });
      expect(r.engine.getSnapshot().relayError).toBeNull();
      r.engine.admit('p_pat'); // while a call runs the engine does not even ask
      expect(r.transport.sentOfType('admit')).toHaveLength(1);
    });
  });

  describe('devices', () => {
    /** getUserMedia that returns tracks named after the device asked for. */
    function deviceAwareRig(overrides: Partial<EngineDeps> = {}) {
      const r = rig(overrides);
      r.getUserMedia.mockImplementation(async (constraints: MediaStreamConstraints) => {
        const id = (c: boolean | MediaTrackConstraints | undefined, fallback: string): string => {
          const wanted = typeof c === 'object' ? (c.deviceId as { exact?: string; ideal?: string } | undefined) : undefined;
          return wanted?.exact ?? wanted?.ideal ?? fallback;
        };
        const tracks: MediaStreamTrack[] = [];
        if (constraints.audio) tracks.push(fakeTrack('audio', id(constraints.audio, 'mic-default')));
        if (constraints.video) tracks.push(fakeTrack('video', id(constraints.video, 'cam-default')));
        return fakeStream('gum', tracks);
      });
      return r;
    }

    it('switches camera mid-call on the same sender and stream, stopping the old camera', async () => {
      const r = deviceAwareRig();
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      const stream = r.engine.getSnapshot().localStream;
      const oldCamera = stream?.getVideoTracks()[0];
      expect(await r.engine.switchDevice('camera', 'cam-2')).toBe(true);
      const [swap] = onlyPeer(r).replaced;
      expect(swap?.oldTrack).toBe(oldCamera);
      expect(swap?.newTrack.label).toBe('cam-2');
      expect(swap?.stream).toBe(stream); // simple-peer needs the original stream object
      expect(stream?.getVideoTracks()).toEqual([swap?.newTrack]);
      expect((oldCamera as unknown as { stopped: boolean }).stopped).toBe(true);
      expect(r.engine.getSnapshot().devices).toMatchObject({ cameraId: 'cam-2', microphoneId: 'mic-default' });
      expect(r.getUserMedia).toHaveBeenLastCalledWith({ video: expect.objectContaining({ deviceId: { exact: 'cam-2' } }) });
    });

    it('keeps the old device and says why when the new one cannot be opened', async () => {
      const r = deviceAwareRig();
      await r.engine.startPreview();
      const before = r.engine.getSnapshot().localStream?.getVideoTracks()[0];
      r.getUserMedia.mockRejectedValueOnce(Object.assign(new Error('busy'), { name: 'NotReadableError' }));
      expect(await r.engine.switchDevice('camera', 'cam-2')).toBe(false);
      expect(r.engine.getSnapshot().mediaError?.kind).toBe('device-in-use');
      expect(r.engine.getSnapshot().localStream?.getVideoTracks()[0]).toBe(before);
    });

    it('falls back to the default camera when the one in use is unplugged, and says so', async () => {
      const r = deviceAwareRig({ preferredDevices: { cameraId: 'cam-usb', microphoneId: null } });
      await patientInWaitingRoom(r);
      r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: false, peer: DOCTOR, ice: NO_ICE });
      const usb = r.engine.getSnapshot().localStream?.getVideoTracks()[0];
      expect(usb?.label).toBe('cam-usb');
      usb?.dispatchEvent(new Event('ended'));
      await vi.waitFor(() =>
        expect(r.engine.getSnapshot().mediaNotice).toBe('Your camera "cam-usb" stopped working; now using "cam-default".'),
      );
      expect(onlyPeer(r).replaced[0]?.newTrack.label).toBe('cam-default');
    });

    it('asks for the saved devices, falling back to defaults if they are gone (ideal, not exact)', async () => {
      const r = deviceAwareRig({ preferredDevices: { cameraId: 'cam-2', microphoneId: 'mic-2' } });
      await r.engine.startPreview();
      const asked = r.getUserMedia.mock.calls[0]?.[0] as MediaStreamConstraints;
      expect(asked.video).toMatchObject({ deviceId: { ideal: 'cam-2' } });
      expect(asked.audio).toMatchObject({ deviceId: { ideal: 'mic-2' } });
    });

    it('offers an audio-only consultation when there is no camera', async () => {
      const r = deviceAwareRig();
      await r.engine.startPreview({ audioOnly: true });
      expect(r.getUserMedia.mock.calls[0]?.[0]).not.toHaveProperty('video');
      expect(r.engine.getSnapshot().devices.audioOnly).toBe(true);
    });
  });

  it('records a timeline of what happened', async () => {
    const r = rig();
    await clinicianWithOpenConsultation(r);
    r.transport.receive({ type: 'call-start', callId: 'c_1', initiator: true, peer: PATIENT, ice: NO_ICE });
    r.engine.noteFirstRemoteFrame();
    const events = r.engine.timelineEntries().map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['media-ready', 'welcome', 'call-start', 'first-remote-frame']));
  });
});
