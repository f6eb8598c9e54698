/**
 * Mute and camera off, engine side (no React): every state of this side's microphone and camera, what the
 * call's peer is told to send, what the other side is told on the data channel, and what this side shows of
 * the other's. Driven through the engine's real boundaries (fake relay, fake simple-peer, fake getUserMedia).
 */
import { afterEach, describe, expect, it, type Mock, vi } from 'vitest';
import { ConsultEngine, type EngineDeps } from '../../../renderer/engine/engine';
import type { PeerOptions } from '../../../renderer/engine/peer';
import { FakePeer, FakeTransport, fakeStream, fakeTrack, NO_ICE, welcome, whenSent } from './fakes';

const DOCTOR = { id: 'p_doc', name: 'Dr. Who', role: 'clinician' as const };
const OTHER_DOCTOR = { id: 'p_doc2', name: 'Dr. Lee', role: 'clinician' as const };

interface Rig {
  engine: ConsultEngine;
  transport: FakeTransport;
  peers: FakePeer[];
  getUserMedia: Mock<(constraints: MediaStreamConstraints) => Promise<MediaStream>>;
}

const engines: ConsultEngine[] = [];

/** getUserMedia that returns tracks named after the device asked for (exact or ideal), like the device tests. */
async function namedDevices(constraints: MediaStreamConstraints): Promise<MediaStream> {
  const id = (c: boolean | MediaTrackConstraints | undefined, fallback: string): string => {
    const wanted = typeof c === 'object' ? (c.deviceId as { exact?: string; ideal?: string } | undefined) : undefined;
    return wanted?.exact ?? wanted?.ideal ?? fallback;
  };
  const tracks: MediaStreamTrack[] = [];
  if (constraints.audio) tracks.push(fakeTrack('audio', id(constraints.audio, 'mic-default')));
  if (constraints.video) tracks.push(fakeTrack('video', id(constraints.video, 'cam-default')));
  return fakeStream('gum', tracks);
}

function rig(overrides: Partial<EngineDeps> = {}): Rig {
  const transport = new FakeTransport();
  const peers: FakePeer[] = [];
  const getUserMedia = vi.fn(namedDevices);
  const engine = new ConsultEngine({
    transport,
    getUserMedia,
    createPeer: (options: PeerOptions) => {
      const peer = new FakePeer(options);
      peers.push(peer);
      return peer;
    },
    ...overrides,
  });
  engines.push(engine);
  return { engine, transport, peers, getUserMedia };
}

async function inCall(r: Rig, callId = 'c_1', peer = DOCTOR, options: { connect?: boolean } = {}): Promise<FakePeer> {
  if (!r.engine.getSnapshot().consultation) {
    await r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy');
    await whenSent(r.transport, 'join');
    r.transport.receive(welcome('patient'));
  }
  r.transport.receive({ type: 'call-start', callId, initiator: false, peer, ice: NO_ICE });
  const created = r.peers.at(-1);
  if (!created) throw new Error('no peer');
  if (options.connect !== false) {
    created.emit('connect');
    created.emit('stream', fakeStream('remote'));
  }
  return created;
}

/** The media-state messages a peer was sent, parsed. */
function mediaStates(peer: FakePeer): { mic: boolean; camera: boolean }[] {
  return peer.sentTexts
    .map((text) => JSON.parse(text) as { v: number; type: string; mic: boolean; camera: boolean })
    .filter((message) => message.type === 'media-state' && message.v === 1)
    .map(({ mic, camera }) => ({ mic, camera }));
}

function localTracks(r: Rig): { audio: MediaStreamTrack; video: MediaStreamTrack } {
  const stream = r.engine.getSnapshot().localStream;
  const audio = stream?.getAudioTracks()[0];
  const video = stream?.getVideoTracks()[0];
  if (!audio || !video) throw new Error('no local tracks');
  return { audio, video };
}

afterEach(() => {
  const illegal = engines.splice(0).flatMap((engine) => engine.timelineEntries().filter((e) => e.event === 'phase-illegal'));
  expect(illegal.map((e) => e.detail)).toEqual([]);
});

describe('this side: mute', () => {
  it('mutes by disabling the microphone track: nothing renegotiates, the other side is told at once', async () => {
    const r = rig();
    const peer = await inCall(r);
    const { audio } = localTracks(r);
    const signalsBefore = r.transport.sentOfType('signal').length;
    expect(mediaStates(peer)).toEqual([{ mic: true, camera: true }]); // said when the channel opened

    r.engine.setMicEnabled(false);
    expect(audio.enabled).toBe(false);
    expect(audio.readyState).toBe('live'); // still running: speech while muted can be noticed
    expect(r.engine.getSnapshot().micEnabled).toBe(false);
    expect(mediaStates(peer).at(-1)).toEqual({ mic: false, camera: true });
    expect(peer.replaced).toEqual([]);
    expect(peer.silenced).toEqual([]);
    expect(r.transport.sentOfType('signal')).toHaveLength(signalsBefore);
    expect(r.peers).toHaveLength(1);

    r.engine.setMicEnabled(true);
    expect(audio.enabled).toBe(true);
    expect(mediaStates(peer).at(-1)).toEqual({ mic: true, camera: true });
  });

  it('says nothing again when nothing changed', async () => {
    const r = rig();
    const peer = await inCall(r);
    r.engine.setMicEnabled(false);
    r.engine.setMicEnabled(false);
    expect(mediaStates(peer)).toEqual([
      { mic: true, camera: true },
      { mic: false, camera: true },
    ]);
  });

  it('a microphone switched while muted comes muted', async () => {
    const r = rig();
    const peer = await inCall(r);
    r.engine.setMicEnabled(false);
    expect(await r.engine.switchDevice('microphone', 'mic-2')).toBe(true);
    const { audio } = localTracks(r);
    expect(audio.label).toBe('mic-2');
    expect(audio.enabled).toBe(false);
    expect(peer.replaced.at(-1)?.newTrack).toBe(audio);
    expect(r.engine.getSnapshot().micEnabled).toBe(false);
  });

  it('a microphone that replaces an unplugged one comes muted too', async () => {
    const r = rig();
    await inCall(r);
    r.engine.setMicEnabled(false);
    localTracks(r).audio.dispatchEvent(new Event('ended'));
    await vi.waitFor(() => expect(r.engine.getSnapshot().mediaNotice).toContain('stopped working'));
    expect(localTracks(r).audio.enabled).toBe(false);
  });
});

describe('this side: camera off', () => {
  it('stops the camera (its light goes off) and sends nothing, keeping the ended track in the same stream', async () => {
    const r = rig();
    const peer = await inCall(r);
    const stream = r.engine.getSnapshot().localStream;
    const { video } = localTracks(r);
    expect(await r.engine.setCameraEnabled(false)).toBe(true);
    expect(video.readyState).toBe('ended');
    expect(peer.silenced).toEqual([{ oldTrack: video, stream }]);
    expect(stream?.getVideoTracks()).toEqual([video]);
    expect(r.engine.getSnapshot().cameraEnabled).toBe(false);
    expect(mediaStates(peer).at(-1)).toEqual({ mic: true, camera: false });
    expect(r.transport.sentOfType('signal')).toEqual([]); // nothing renegotiates
  });

  it('turns back on with a fresh track from the same camera, on the same sender and stream', async () => {
    const r = rig({ preferredDevices: { cameraId: 'cam-usb', microphoneId: null } });
    const peer = await inCall(r);
    const stream = r.engine.getSnapshot().localStream;
    const { video: first } = localTracks(r);
    await r.engine.setCameraEnabled(false);
    expect(await r.engine.setCameraEnabled(true)).toBe(true);
    const { video: again } = localTracks(r);
    expect(again).not.toBe(first);
    expect(again.readyState).toBe('live');
    expect(again.label).toBe('cam-usb');
    // exact: Chromium weighs an ideal deviceId against the ideal size and frame rate and may pick another camera.
    expect(r.getUserMedia).toHaveBeenLastCalledWith({ video: expect.objectContaining({ deviceId: { exact: 'cam-usb' } }) });
    // simple-peer finds the sender by the track it was created with (the ended one) and needs the original stream.
    expect(peer.replaced).toEqual([{ oldTrack: first, newTrack: again, stream }]);
    expect(stream?.getVideoTracks()).toEqual([again]);
    expect(again.contentHint).toBe('detail');
    expect(r.engine.getSnapshot().cameraEnabled).toBe(true);
    expect(mediaStates(peer).slice(-2)).toEqual([
      { mic: true, camera: false },
      { mic: true, camera: true },
    ]);
  });

  it('comes back on the default camera when the one in use is gone', async () => {
    const r = rig({ preferredDevices: { cameraId: 'cam-usb', microphoneId: null } });
    const peer = await inCall(r);
    await r.engine.setCameraEnabled(false);
    r.getUserMedia.mockRejectedValueOnce(Object.assign(new Error('gone'), { name: 'OverconstrainedError' }));
    expect(await r.engine.setCameraEnabled(true)).toBe(true);
    expect(localTracks(r).video.label).toBe('cam-default');
    expect(r.getUserMedia.mock.calls.at(-1)?.[0].video).not.toHaveProperty('deviceId');
    expect(peer.replaced).toHaveLength(1);
  });

  it('says camera on only once the new track is being sent', async () => {
    const r = rig();
    const peer = await inCall(r);
    await r.engine.setCameraEnabled(false);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    r.getUserMedia.mockImplementationOnce(async (constraints: MediaStreamConstraints) => {
      await gate;
      return namedDevices(constraints);
    });
    const turningOn = r.engine.setCameraEnabled(true);
    expect(r.engine.getSnapshot().cameraEnabled).toBe(false);
    expect(mediaStates(peer).at(-1)).toEqual({ mic: true, camera: false });
    release();
    expect(await turningOn).toBe(true);
    expect(mediaStates(peer).at(-1)).toEqual({ mic: true, camera: true });
  });

  it('turned off again while the camera was starting: the new camera stops and is never sent', async () => {
    const r = rig();
    const peer = await inCall(r);
    await r.engine.setCameraEnabled(false);
    const started: MediaStreamTrack[] = [];
    r.getUserMedia.mockImplementationOnce(async (constraints: MediaStreamConstraints) => {
      const stream = await namedDevices(constraints);
      started.push(...(stream?.getTracks() ?? []));
      return stream;
    });
    const turningOn = r.engine.setCameraEnabled(true);
    await r.engine.setCameraEnabled(false);
    expect(await turningOn).toBe(false);
    expect(started).toHaveLength(1);
    expect(started[0]?.readyState).toBe('ended');
    expect(peer.replaced).toEqual([]);
    expect(r.engine.getSnapshot().cameraEnabled).toBe(false);
    expect(localTracks(r).video.readyState).toBe('ended');
  });

  it('a camera that cannot start again says why and stays off', async () => {
    const r = rig();
    const peer = await inCall(r);
    await r.engine.setCameraEnabled(false);
    r.getUserMedia.mockRejectedValueOnce(Object.assign(new Error('busy'), { name: 'NotReadableError' }));
    expect(await r.engine.setCameraEnabled(true)).toBe(false);
    expect(r.engine.getSnapshot()).toMatchObject({ cameraEnabled: false, mediaError: { kind: 'device-in-use' } });
    expect(peer.replaced).toEqual([]);
    expect(mediaStates(peer).at(-1)).toEqual({ mic: true, camera: false });
  });

  it('a camera chosen while off is remembered, not started; it is the one that comes on', async () => {
    const r = rig();
    await inCall(r);
    await r.engine.setCameraEnabled(false);
    const asked = r.getUserMedia.mock.calls.length;
    expect(await r.engine.switchDevice('camera', 'cam-2')).toBe(true);
    expect(r.getUserMedia.mock.calls.length).toBe(asked); // the light stays off
    expect(r.engine.getSnapshot().devices.cameraId).toBe('cam-2');
    expect(localTracks(r).video.readyState).toBe('ended');
    await r.engine.setCameraEnabled(true);
    expect(localTracks(r).video.label).toBe('cam-2');
  });

  it('a camera switch that finishes after the camera was turned off does not turn it back on', async () => {
    const r = rig();
    const peer = await inCall(r);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    r.getUserMedia.mockImplementationOnce(async (constraints: MediaStreamConstraints) => {
      await gate;
      return namedDevices(constraints);
    });
    const switching = r.engine.switchDevice('camera', 'cam-2');
    await r.engine.setCameraEnabled(false);
    release();
    await switching;
    expect(localTracks(r).video.readyState).toBe('ended');
    expect(peer.replaced).toEqual([]);
    expect(r.engine.getSnapshot()).toMatchObject({ cameraEnabled: false, devices: { cameraId: 'cam-2' } });
  });

  it('switching camera while it is on keeps it on and says nothing new', async () => {
    const r = rig();
    const peer = await inCall(r);
    await r.engine.switchDevice('camera', 'cam-2');
    expect(localTracks(r).video.label).toBe('cam-2');
    expect(mediaStates(peer)).toEqual([{ mic: true, camera: true }]);
  });

  it('audio only: the camera is off for the other side and cannot be turned on', async () => {
    const r = rig();
    await r.engine.startPreview({ audioOnly: true });
    const peer = await inCall(r);
    expect(mediaStates(peer)).toEqual([{ mic: true, camera: false }]);
    expect(await r.engine.setCameraEnabled(true)).toBe(false);
    expect(r.getUserMedia).toHaveBeenCalledTimes(1);
  });
});

describe('before the channel is open, and across calls', () => {
  it('a change before the channel opens is not lost: the state is said when it opens', async () => {
    const r = rig();
    const peer = await inCall(r, 'c_1', DOCTOR, { connect: false });
    r.engine.setMicEnabled(false);
    await r.engine.setCameraEnabled(false);
    expect(peer.sentTexts).toEqual([]); // send() would throw: the engine does not try
    peer.emit('connect');
    expect(mediaStates(peer)).toEqual([{ mic: false, camera: false }]);
  });

  it('survives a call restart: the new peer is made from the muted, camera-off stream and says so', async () => {
    const r = rig();
    const first = await inCall(r);
    r.engine.setMicEnabled(false);
    await r.engine.setCameraEnabled(false);
    r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
    const second = await inCall(r, 'c_2');
    expect(second).not.toBe(first);
    const stream = second.options.stream;
    expect(stream).toBe(r.engine.getSnapshot().localStream);
    expect(stream.getAudioTracks()[0]?.enabled).toBe(false);
    expect(stream.getVideoTracks()[0]?.readyState).toBe('ended'); // a video sender that sends nothing
    expect(mediaStates(second)).toEqual([{ mic: false, camera: false }]);
    expect(r.engine.getSnapshot()).toMatchObject({ phase: 'connected', micEnabled: false, cameraEnabled: false });
    // And the camera comes back on the new call's sender.
    await r.engine.setCameraEnabled(true);
    expect(second.replaced).toHaveLength(1);
    expect(first.replaced).toEqual([]);
  });

  it('survives the end of a call: the next call starts muted too', async () => {
    const r = rig();
    await inCall(r);
    r.engine.setMicEnabled(false);
    r.engine.hangUp();
    const next = await inCall(r, 'c_2');
    expect(mediaStates(next)).toEqual([{ mic: false, camera: true }]);
  });

  it('a finished call is never told anything more', async () => {
    const r = rig();
    const peer = await inCall(r);
    r.engine.hangUp();
    r.engine.setMicEnabled(false);
    expect(mediaStates(peer)).toEqual([{ mic: true, camera: true }]);
  });

  it('an engine taking over the stream (the relay changed) keeps the choices made on it', async () => {
    const first = rig();
    const stream = await first.engine.startPreview();
    first.engine.setMicEnabled(false);
    await first.engine.setCameraEnabled(false);
    first.engine.dispose({ keepMedia: true });
    const second = rig();
    if (!stream) throw new Error('no stream');
    second.engine.adoptPreview(stream);
    expect(second.engine.getSnapshot()).toMatchObject({ micEnabled: false, cameraEnabled: false });
  });
});

describe('the other side', () => {
  const say = (peer: FakePeer, message: unknown) => peer.emit('data', JSON.stringify(message));

  it('shows what the other side says, from its first message on', async () => {
    const r = rig();
    const peer = await inCall(r);
    expect(r.engine.getSnapshot().remoteMedia).toBeNull();
    say(peer, { v: 1, type: 'media-state', mic: false, camera: true });
    expect(r.engine.getSnapshot().remoteMedia).toEqual({ mic: false, camera: true });
    say(peer, { v: 1, type: 'media-state', mic: false, camera: false });
    expect(r.engine.getSnapshot().remoteMedia).toEqual({ mic: false, camera: false });
    const logged = r.engine.timelineEntries().filter((e) => e.event === 'media-state-in');
    expect(logged.map((e) => e.detail)).toEqual(['mic muted, camera on', 'mic muted, camera off']);
  });

  it('ignores what it cannot read (a newer peer, a broken one) and keeps what it knew', async () => {
    const r = rig();
    const peer = await inCall(r);
    say(peer, { v: 1, type: 'media-state', mic: false, camera: true });
    const before = r.engine.getSnapshot();
    say(peer, { v: 1, type: 'whiteboard', id: 'm1', text: 'hello' }); // a later version's message type
    say(peer, { v: 2, type: 'media-state', mic: true, camera: true }); // a version this side does not speak
    say(peer, { v: 1, type: 'media-state', mic: 'yes', camera: true });
    peer.emit('data', 'not json');
    peer.emit('data', JSON.stringify({ v: 1, type: 'media-state', mic: true, camera: true, pad: 'x'.repeat(20_000) }));
    expect(r.engine.getSnapshot()).toBe(before);
    const ignored = r.engine.timelineEntries().filter((e) => e.event === 'room-message-ignored');
    expect(ignored.map((e) => e.detail)).toEqual([
      'unknown-type (whiteboard)',
      'unsupported-version (media-state)',
      'bad-message (media-state)',
      'bad-json',
      'too-large',
    ]);
    expect(JSON.stringify(r.engine.timelineEntries())).not.toContain('hello'); // contents never reach the timeline
  });

  it('logs only the first few unreadable messages of a call: a flood does not push the call out of the timeline', async () => {
    const r = rig();
    const peer = await inCall(r);
    for (let i = 0; i < 300; i += 1) peer.emit('data', 'junk');
    say(peer, { v: 1, type: 'media-state', mic: false, camera: true }); // still heard
    expect(r.engine.getSnapshot().remoteMedia).toEqual({ mic: false, camera: true });
    expect(r.engine.timelineEntries().filter((e) => e.event === 'room-message-ignored')).toHaveLength(10);
    expect(r.engine.timelineEntries().some((e) => e.event === 'call-start')).toBe(true);
  });

  it('keeps what the same person said across a restart, and forgets it for someone else or after the call', async () => {
    const r = rig();
    const peer = await inCall(r);
    say(peer, { v: 1, type: 'media-state', mic: false, camera: false });
    r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
    await inCall(r, 'c_2', DOCTOR, { connect: false });
    expect(r.engine.getSnapshot().remoteMedia).toEqual({ mic: false, camera: false });
    r.engine.hangUp();
    expect(r.engine.getSnapshot().remoteMedia).toBeNull();
    const third = await inCall(r, 'c_3', DOCTOR);
    say(third, { v: 1, type: 'media-state', mic: true, camera: false });
    r.transport.receive({ type: 'call-ended', callId: 'c_3', reason: 'replaced', by: null });
    await inCall(r, 'c_4', OTHER_DOCTOR, { connect: false });
    expect(r.engine.getSnapshot().remoteMedia).toBeNull();
  });

  it("does not hear a finished call's peer", async () => {
    const r = rig();
    const peer = await inCall(r);
    r.engine.hangUp();
    say(peer, { v: 1, type: 'media-state', mic: false, camera: false });
    expect(r.engine.getSnapshot().remoteMedia).toBeNull();
  });
});
