/**
 * Screen share, engine side (no React): every state of this side's share (off → requesting → sharing → off, by
 * the app, by the OS's own "stop sharing", by the call ending), the refusals with their codes, the clinic's policy
 * on both sides, what the peer is told to send (one renegotiation per call, then track swaps), what the other side
 * is told on the data channel (share-state with the mid), how the other side's screen is found and shown, and a
 * call restart. Driven through the engine's real boundaries (fake relay, fake simple-peer, fake capture).
 */
import { afterEach, describe, expect, it, type Mock, vi } from 'vitest';
import { ConsultEngine, type EngineDeps } from '../../../renderer/engine/engine';
import type { PeerOptions } from '../../../renderer/engine/peer';
import { DEFAULT_SHARE_POLICY, describeShareError, mayShare, ShareFailure, shareBlock } from '../../../renderer/engine/screen-share';
import type { CallPolicy, Role } from '../../../signaling/protocol';
import { FakePeer, FakeTransport, fakeStream, fakeTrack, NO_ICE, welcome, whenSent } from './fakes';

const PATIENT = { id: 'p_pat', name: 'Amy', role: 'patient' as const };
const DOCTOR = { id: 'p_doc', name: 'Dr. Who', role: 'clinician' as const };

interface Rig {
  engine: ConsultEngine;
  transport: FakeTransport;
  peers: FakePeer[];
  getDisplayMedia: Mock<() => Promise<MediaStream>>;
  /** Every screen track the fake capture handed out. */
  captured: MediaStreamTrack[];
}

const engines: ConsultEngine[] = [];

function rig(overrides: Partial<EngineDeps> = {}): Rig {
  const transport = new FakeTransport();
  const peers: FakePeer[] = [];
  const captured: MediaStreamTrack[] = [];
  const getDisplayMedia = vi.fn(async () => {
    const track = fakeTrack('video', `screen:${captured.length}`);
    captured.push(track);
    return fakeStream(`screen-${captured.length}`, [track]);
  });
  const engine = new ConsultEngine({
    transport,
    getUserMedia: async () => fakeStream('gum'),
    getDisplayMedia,
    streamOf: (track) => fakeStream('remote-screen', [track]),
    createPeer: (options: PeerOptions) => {
      const peer = new FakePeer(options);
      peers.push(peer);
      return peer;
    },
    ...overrides,
  });
  engines.push(engine);
  return { engine, transport, peers, getDisplayMedia, captured };
}

async function seated(r: Rig, role: Role): Promise<void> {
  if (r.engine.getSnapshot().consultation) return;
  if (role === 'clinician') {
    await r.engine.create();
  } else {
    await r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy');
    await whenSent(r.transport, 'join');
  }
  r.transport.receive(welcome(role));
}

interface CallOptions {
  role?: Role;
  callId?: string;
  policy?: CallPolicy | null;
  /** The other side says its share state when the channel opens (an app that can show a screen). */
  peerCanShow?: boolean;
}

/** A connected call; the other side has said it is not sharing (as every app with screen share does on open). */
async function inCall(r: Rig, options: CallOptions = {}): Promise<FakePeer> {
  const role = options.role ?? 'clinician';
  await seated(r, role);
  const policy = options.policy === undefined ? DEFAULT_SHARE_POLICY : options.policy;
  r.transport.receive({
    type: 'call-start',
    callId: options.callId ?? 'c_1',
    initiator: role === 'clinician',
    peer: role === 'clinician' ? PATIENT : DOCTOR,
    ice: NO_ICE,
    ...(policy ? { policy } : {}),
  });
  const peer = r.peers.at(-1);
  if (!peer) throw new Error('no peer');
  peer.emit('connect');
  peer.emit('stream', fakeStream('remote-camera'));
  if (options.peerCanShow !== false) says(peer, { sharing: false, mid: null });
  return peer;
}

/** The other side says its share state on the channel. */
function says(peer: FakePeer, state: { sharing: boolean; mid: string | null }): void {
  peer.emit('data', JSON.stringify({ v: 1, type: 'share-state', ...state }));
}

/** The share-state messages this side sent on a peer's channel. */
function shareStates(peer: FakePeer): { sharing: boolean; mid: string | null }[] {
  return peer.sentTexts
    .map((text) => JSON.parse(text) as { type: string; sharing: boolean; mid: string | null })
    .filter((message) => message.type === 'share-state')
    .map(({ sharing, mid }) => ({ sharing, mid }));
}

const local = (r: Rig) => r.engine.getSnapshot().localShare;
const events = (r: Rig) => r.engine.timelineEntries().map((e) => e.event);

afterEach(() => {
  const illegal = engines.splice(0).flatMap((engine) => engine.timelineEntries().filter((e) => e.event === 'phase-illegal'));
  expect(illegal.map((e) => e.detail)).toEqual([]);
});

describe('who may share, and when (pure)', () => {
  const ok = { supported: true, role: 'patient' as const, policy: DEFAULT_SHARE_POLICY, channelOpen: true, peerCanShow: true };

  it('the clinician always; a patient unless the clinic says only staff', () => {
    expect(mayShare('clinician', { patientsMayShare: false })).toBe(true);
    expect(mayShare('patient', { patientsMayShare: true })).toBe(true);
    expect(mayShare('patient', { patientsMayShare: false })).toBe(false);
    expect(mayShare(null, DEFAULT_SHARE_POLICY)).toBe(false);
  });

  it('says why not, what the person can do least about first', () => {
    expect(shareBlock(ok)).toBeNull();
    expect(shareBlock({ ...ok, supported: false, channelOpen: false })?.code).toBe(ShareFailure.UNSUPPORTED);
    expect(shareBlock({ ...ok, policy: { patientsMayShare: false }, channelOpen: false })?.code).toBe(ShareFailure.NOT_ALLOWED);
    expect(shareBlock({ ...ok, channelOpen: false, peerCanShow: false })?.code).toBe(ShareFailure.NO_CALL);
    expect(shareBlock({ ...ok, peerCanShow: false })?.code).toBe(ShareFailure.PEER_CANNOT_SHOW);
  });

  it('reads the browser’s refusals: cancelled, blocked by the OS, unsupported, anything else', () => {
    const error = (name: string, message = '') => Object.assign(new Error(message), { name });
    expect(describeShareError(error('NotAllowedError', 'Permission denied')).code).toBe(ShareFailure.CANCELLED);
    expect(describeShareError(error('AbortError')).code).toBe(ShareFailure.CANCELLED);
    const system = describeShareError(error('NotAllowedError', 'Permission denied by system'));
    expect(system.code).toBe(ShareFailure.BLOCKED_BY_SYSTEM);
    expect(system.message).toContain('Screen & System Audio Recording');
    expect(describeShareError(error('NotSupportedError')).code).toBe(ShareFailure.UNSUPPORTED);
    expect(describeShareError(error('NotReadableError')).code).toBe(ShareFailure.FAILED);
    expect(describeShareError('nonsense').code).toBe(ShareFailure.FAILED);
  });
});

describe('this side shares', () => {
  it('cannot start before the call is connected; can once the other side says it can show a screen', async () => {
    const r = rig();
    expect(local(r)).toMatchObject({ status: 'off', blocked: { code: ShareFailure.NO_CALL } });
    const peer = await inCall(r, { peerCanShow: false });
    expect(local(r).blocked?.code).toBe(ShareFailure.PEER_CANNOT_SHOW);
    expect(await r.engine.startScreenShare()).toBe(false);
    expect(r.getDisplayMedia).not.toHaveBeenCalled();
    expect(local(r).refusal?.code).toBe(ShareFailure.PEER_CANNOT_SHOW);
    says(peer, { sharing: false, mid: null });
    expect(local(r).blocked).toBeNull();
    expect(shareStates(peer)).toEqual([{ sharing: false, mid: null }]); // said when the channel opened
  });

  it('requesting → sharing: second video track beside the camera (one renegotiation), hint detail, mid said when negotiated', async () => {
    const r = rig();
    const peer = await inCall(r);
    let resolvePick: (stream: MediaStream) => void = () => {};
    r.getDisplayMedia.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          resolvePick = resolve;
        }),
    );
    const started = r.engine.startScreenShare();
    expect(local(r).status).toBe('requesting');
    const screen = fakeTrack('video', 'screen:0');
    resolvePick(fakeStream('screen', [screen]));
    expect(await started).toBe(true);

    expect(local(r)).toEqual({ status: 'sharing', blocked: null, refusal: null });
    expect(screen.contentHint).toBe('detail');
    expect(peer.added.map((a) => a.track)).toEqual([screen]);
    expect(peer.replaced).toEqual([]); // the camera's sender is untouched
    // Nothing said before the renegotiation is done: the other side could not find the track yet.
    expect(shareStates(peer)).toEqual([{ sharing: false, mid: null }]);
    peer.negotiated(); // a renegotiation that is not yet the one with our m-line (the other side asked first)
    expect(shareStates(peer)).toHaveLength(1);
    peer.negotiated('2');
    expect(shareStates(peer).at(-1)).toEqual({ sharing: true, mid: '2' });
    peer.negotiated('2'); // the relay-first ICE restart later: nothing new to say
    expect(shareStates(peer)).toHaveLength(2);
    expect(events(r)).toEqual(expect.arrayContaining(['share-requested', 'share-started', 'share-state-out']));
  });

  it('stop from the app: the sender sends nothing, the capture ends, the other is told; again: track swap, no renegotiation', async () => {
    const r = rig();
    const peer = await inCall(r);
    await r.engine.startScreenShare();
    peer.negotiated('2');
    const [first] = r.captured;

    r.engine.stopScreenShare();
    expect(local(r).status).toBe('off');
    expect(first?.readyState).toBe('ended');
    expect(peer.silenced.map((s) => s.oldTrack)).toEqual([first]);
    expect(shareStates(peer).at(-1)).toEqual({ sharing: false, mid: null });

    expect(await r.engine.startScreenShare()).toBe(true);
    const second = r.captured[1];
    expect(peer.added).toHaveLength(1); // still the one sender of the first share
    expect(peer.replaced.at(-1)).toMatchObject({ oldTrack: first, newTrack: second });
    expect(shareStates(peer).at(-1)).toEqual({ sharing: true, mid: '2' }); // no renegotiation to wait for
    expect(events(r).filter((e) => e === 'share-stopped')).toHaveLength(1);
  });

  it('the OS’s own “stop sharing” (the track ends) stops it as the app does', async () => {
    const r = rig();
    const peer = await inCall(r);
    await r.engine.startScreenShare();
    peer.negotiated('2');
    const track = r.captured[0];
    track?.dispatchEvent(new Event('ended'));
    expect(local(r).status).toBe('off');
    expect(peer.silenced.map((s) => s.oldTrack)).toEqual([track]);
    expect(shareStates(peer).at(-1)).toEqual({ sharing: false, mid: null });
    expect(r.engine.timelineEntries().find((e) => e.event === 'share-stopped')?.detail).toBe('ended');
  });

  it('a cancelled picker or the OS’s refusal: a refusal with its code, nothing sent, a new try allowed', async () => {
    const r = rig();
    const peer = await inCall(r);
    r.getDisplayMedia.mockRejectedValueOnce(Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' }));
    expect(await r.engine.startScreenShare()).toBe(false);
    expect(local(r)).toMatchObject({ status: 'off', blocked: null, refusal: { code: ShareFailure.CANCELLED } });
    r.getDisplayMedia.mockRejectedValueOnce(Object.assign(new Error('Permission denied by system'), { name: 'NotAllowedError' }));
    expect(await r.engine.startScreenShare()).toBe(false);
    expect(local(r).refusal?.code).toBe(ShareFailure.BLOCKED_BY_SYSTEM);
    expect(peer.added).toEqual([]);
    expect(await r.engine.startScreenShare()).toBe(true);
    expect(local(r).refusal).toBeNull();
  });

  it('a picker answered after Stop (or after the call ended) shares nothing and ends the capture', async () => {
    const r = rig();
    const peer = await inCall(r);
    let resolvePick: (stream: MediaStream) => void = () => {};
    r.getDisplayMedia.mockImplementationOnce(() => new Promise((resolve) => (resolvePick = resolve)));
    const started = r.engine.startScreenShare();
    r.engine.stopScreenShare();
    expect(local(r).status).toBe('off');
    const late = fakeTrack('video', 'late');
    resolvePick(fakeStream('late', [late]));
    expect(await started).toBe(false);
    expect(late.readyState).toBe('ended');
    expect(peer.added).toEqual([]);
  });

  it('the call ending stops the share; the next call starts without one', async () => {
    const r = rig();
    const peer = await inCall(r);
    await r.engine.startScreenShare();
    r.engine.hangUp();
    expect(local(r).status).toBe('off');
    expect(r.captured[0]?.readyState).toBe('ended');
    expect(peer.destroyed).toBe(true);
  });

  it('a call restart keeps the capture and sends it on the new call once its channel is open', async () => {
    const r = rig();
    const first = await inCall(r);
    await r.engine.startScreenShare();
    first.negotiated('2');
    r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
    expect(local(r).status).toBe('sharing');
    expect(r.captured[0]?.readyState).toBe('live');

    r.transport.receive({ type: 'call-start', callId: 'c_2', initiator: true, peer: PATIENT, ice: NO_ICE, policy: DEFAULT_SHARE_POLICY });
    const second = r.peers.at(-1);
    if (!second || second === first) throw new Error('no new peer');
    expect(second.added).toEqual([]); // not in the first offer: the camera's stream must come first
    second.emit('connect');
    says(second, { sharing: false, mid: null });
    expect(second.added.map((a) => a.track)).toEqual([r.captured[0]]);
    expect(shareStates(second)).toEqual([]);
    second.negotiated('2');
    expect(shareStates(second)).toEqual([{ sharing: true, mid: '2' }]);
  });
});

describe('the clinic’s policy', () => {
  it('a patient of a clinic where only staff share cannot start (no picker opens)', async () => {
    const r = rig();
    await inCall(r, { role: 'patient', policy: { patientsMayShare: false } });
    expect(local(r).blocked?.code).toBe(ShareFailure.NOT_ALLOWED);
    expect(await r.engine.startScreenShare()).toBe(false);
    expect(r.getDisplayMedia).not.toHaveBeenCalled();
    expect(local(r).refusal?.code).toBe(ShareFailure.NOT_ALLOWED);
  });

  it('a patient may share by default, and under a relay that says nothing of it', async () => {
    const r = rig();
    await inCall(r, { role: 'patient', policy: null });
    expect(local(r).blocked).toBeNull();
    expect(await r.engine.startScreenShare()).toBe(true);
  });

  it('the clinician’s app does not show a patient’s share the clinic does not allow', async () => {
    const r = rig();
    const peer = await inCall(r, { policy: { patientsMayShare: false } });
    peer.arrive('3', fakeTrack('video', 'their-screen'));
    says(peer, { sharing: true, mid: '3' });
    expect(r.engine.getSnapshot().remoteShare).toBeNull();
    expect(events(r)).toContain('remote-share-refused');
  });

  it('the clinician may share where patients may not', async () => {
    const r = rig();
    await inCall(r, { policy: { patientsMayShare: false } });
    expect(local(r).blocked).toBeNull();
    expect(await r.engine.startScreenShare()).toBe(true);
  });
});

describe('the other side shares', () => {
  it('its screen is the track on the m-line it names; the camera stays the call’s remote stream', async () => {
    const r = rig();
    const peer = await inCall(r, { role: 'patient' });
    const camera = r.engine.getSnapshot().remoteStream;
    const screen = fakeTrack('video', 'their-screen');
    peer.arrive('3', screen);
    peer.emit('stream', fakeStream('their-screen-stream', [screen])); // simple-peer's second 'stream'
    expect(r.engine.getSnapshot().remoteStream).toBe(camera);
    says(peer, { sharing: true, mid: '3' });
    const shown = r.engine.getSnapshot().remoteShare;
    expect(shown?.mid).toBe('3');
    expect(shown?.stream.getVideoTracks()).toEqual([screen]);

    says(peer, { sharing: false, mid: null });
    expect(r.engine.getSnapshot().remoteShare).toBeNull();
    expect(r.engine.getSnapshot().remoteStream).toBe(camera);
  });

  it('a share-state that comes before its track is resolved when the renegotiation finishes', async () => {
    const r = rig();
    const peer = await inCall(r);
    says(peer, { sharing: true, mid: '4' });
    expect(r.engine.getSnapshot().remoteShare).toBeNull();
    const screen = fakeTrack('video', 'their-screen');
    peer.arrive('4', screen);
    peer.negotiated();
    expect(r.engine.getSnapshot().remoteShare?.stream.getVideoTracks()).toEqual([screen]);
  });

  it('a restart forgets the old call’s screen until the new call names it again', async () => {
    const r = rig();
    const peer = await inCall(r);
    peer.arrive('3', fakeTrack('video', 'their-screen'));
    says(peer, { sharing: true, mid: '3' });
    expect(r.engine.getSnapshot().remoteShare).not.toBeNull();
    r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
    expect(r.engine.getSnapshot().remoteShare).toBeNull();
  });

  it('a malformed share-state is ignored', async () => {
    const r = rig();
    const peer = await inCall(r);
    peer.emit('data', JSON.stringify({ v: 1, type: 'share-state', sharing: true, mid: '<script>' }));
    expect(r.engine.getSnapshot().remoteShare).toBeNull();
    expect(events(r)).toContain('room-message-ignored');
  });
});

describe('no screen capture in this browser', () => {
  it('says so, and never tries', async () => {
    const r = rig({ getDisplayMedia: null });
    await inCall(r);
    expect(local(r).blocked?.code).toBe(ShareFailure.UNSUPPORTED);
    expect(await r.engine.startScreenShare()).toBe(false);
  });
});
