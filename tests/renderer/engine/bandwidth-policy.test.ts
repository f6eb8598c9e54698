/**
 * Low bandwidth (bandwidth-policy.ts): the pure policy as a table of indicator readings → decisions, the cap on
 * the camera sender's encodings, and the engine wiring through its real boundaries (fake relay, fake simple-peer
 * whose connection has a recording sender): cap, offer, audio only through the camera-off path, lift, restarts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BandwidthGuard,
  type BandwidthPolicyState,
  cameraSender,
  INITIAL_BANDWIDTH_POLICY,
  type LowBandwidthState,
  POOR_FOR_MS,
  type QualityReading,
  RECOVER_AFTER_MS,
  type SenderLike,
  setVideoMaxBitrate,
  stepBandwidth,
  VIDEO_CAP_BPS,
} from '../../../renderer/engine/bandwidth-policy';
import { ConsultEngine } from '../../../renderer/engine/engine';
import type { PeerOptions } from '../../../renderer/engine/peer';
import { FakePeer, FakeTransport, fakeStream, fakeTrack, NO_ICE, welcome, whenSent } from './fakes';

/** Readings one second apart from t = 0, written as letters: g(ood), f(air), p(oor), l(ost). */
function decisions(readings: string): string {
  const level: Record<string, QualityReading> = { g: 'good', f: 'fair', p: 'poor', l: 'lost' };
  let state: BandwidthPolicyState = INITIAL_BANDWIDTH_POLICY;
  let out = '';
  [...readings].forEach((letter, second) => {
    const reading = level[letter];
    if (!reading) throw new Error(`reading ${letter}?`);
    const step = stepBandwidth(state, reading, second * 1000);
    state = step.state;
    out += step.decision === 'cap' ? 'C' : step.decision === 'lift' ? 'L' : '.';
  });
  return out;
}

describe('the policy: readings → decisions', () => {
  // One letter per second; the decision column has a C where the cap goes on, an L where it is lifted.
  const table: [string, string, string][] = [
    ['good all along', 'gggggggggggg', '............'],
    ['fair all along', 'ffffffffffff', '............'],
    ['poor for 8 s: cap at the 9th reading (8 s after the first)', 'ppppppppppp', '........C..'],
    ['lost counts as poor', 'ppplllppppp', '........C..'],
    ['poor for 7 s only', 'pppppppgggg', '...........'],
    ['one stray better reading does not start the count again', 'ppppfpppppp', '........C..'],
    ['two better readings in a row do', 'ppppffpppppppp', '..............'],
    ['...and it starts again from the next poor one', 'ppppggppppppppp', '..............C'],
    ['capped once: staying poor decides nothing more', 'ppppppppppppppppp', '........C........'],
    ['lifted after 20 s without poor', `ppppppppp${'g'.repeat(21)}`, `........C${'.'.repeat(20)}L`],
    ['fair counts as recovered (the cap itself may read fair)', `ppppppppp${'f'.repeat(21)}`, `........C${'.'.repeat(20)}L`],
    ['a poor reading during recovery starts it again', `ppppppppp${'g'.repeat(15)}p${'g'.repeat(21)}`, `........C${'.'.repeat(36)}L`],
    ['poor again after the lift: capped again after 8 s', `ppppppppp${'g'.repeat(21)}ppppppppp`, `........C${'.'.repeat(20)}L........C`],
  ];
  it.each(table)('%s', (_name, readings, expected) => {
    expect(decisions(readings)).toBe(expected);
  });

  it('uses the product timings', () => {
    expect(POOR_FOR_MS).toBe(8000);
    expect(RECOVER_AFTER_MS).toBe(20_000);
    expect(VIDEO_CAP_BPS).toBe(250_000);
  });

  it('goes by time, not by the number of readings (ticks are late on a busy machine)', () => {
    let state = INITIAL_BANDWIDTH_POLICY;
    for (const at of [0, 3000, 6000]) state = stepBandwidth(state, 'poor', at).state;
    expect(stepBandwidth(state, 'poor', 7999).decision).toBeNull();
    expect(stepBandwidth(state, 'poor', 8000).decision).toBe('cap');
  });
});

/** A sender as Chromium's behaves for the cap: parameters are a fresh copy each time; setParameters keeps them. */
class RecordingSender implements SenderLike {
  encodings: RTCRtpEncodingParameters[] = [{ active: true }];
  readonly calls: (number | undefined)[][] = [];
  fail: Error | null = null;
  getParameters(): RTCRtpSendParameters {
    return { transactionId: 't', encodings: this.encodings.map((e) => ({ ...e })) } as unknown as RTCRtpSendParameters;
  }
  async setParameters(parameters: RTCRtpSendParameters): Promise<void> {
    if (this.fail) throw this.fail;
    this.calls.push(parameters.encodings.map((e) => e.maxBitrate));
    this.encodings = parameters.encodings.map((e) => ({ ...e }));
  }
}

function connectionWith(...transceivers: { kind: 'audio' | 'video'; sender: SenderLike; direction?: string }[]) {
  return {
    getTransceivers: () =>
      transceivers.map((t) => ({ receiver: { track: { kind: t.kind } }, sender: t.sender, direction: t.direction ?? 'sendrecv' })),
  } as unknown as Pick<RTCPeerConnection, 'getTransceivers'>;
}

describe('the cap on the camera sender', () => {
  it('sets maxBitrate on every encoding, and removes it again', async () => {
    const sender = new RecordingSender();
    sender.encodings = [{ active: true }, { active: true, maxBitrate: 900_000 }];
    expect(await setVideoMaxBitrate(sender, 250_000)).toBe(true);
    expect(sender.encodings.map((e) => e.maxBitrate)).toEqual([250_000, 250_000]);
    expect(await setVideoMaxBitrate(sender, null)).toBe(true);
    expect(sender.encodings.map((e) => 'maxBitrate' in e)).toEqual([false, false]);
    sender.encodings = [];
    expect(await setVideoMaxBitrate(sender, 250_000)).toBe(false);
  });

  it('finds the camera’s sender: the first video transceiver, by its receiver (a camera that is off has no track)', () => {
    const audio = new RecordingSender();
    const camera = new RecordingSender();
    const screen = new RecordingSender();
    expect(
      cameraSender(connectionWith({ kind: 'audio', sender: audio }, { kind: 'video', sender: camera }, { kind: 'video', sender: screen })),
    ).toBe(camera);
    expect(cameraSender(connectionWith({ kind: 'audio', sender: audio }))).toBeNull();
    expect(cameraSender(connectionWith({ kind: 'video', sender: camera, direction: 'inactive' }, { kind: 'video', sender: screen }))).toBe(
      screen,
    );
  });
});

describe('the guard', () => {
  function guard(sender: RecordingSender | null) {
    let now = 0;
    const views: LowBandwidthState[] = [];
    const log: string[] = [];
    const g = new BandwidthGuard({
      connection: () => (sender ? connectionWith({ kind: 'video', sender }) : null),
      changed: (view) => views.push(view),
      log: (event, detail) => log.push(`${event}: ${detail ?? ''}`),
      now: () => now,
    });
    const readings = async (letters: string) => {
      for (const letter of letters) {
        g.reading(letter === 'p' ? 'poor' : 'good');
        now += 1000;
      }
      await Promise.resolve();
      await Promise.resolve();
    };
    return { g, views, log, readings };
  }

  it('caps, offers audio only, and lifts; each step in the timeline', async () => {
    const sender = new RecordingSender();
    const { g, log, readings } = guard(sender);
    await readings('ppppppppp');
    expect(sender.calls).toEqual([[250_000]]);
    expect(g.state).toEqual({ videoCapKbps: 250, offerAudioOnly: true, audioOnly: false });
    expect(log).toEqual(['bitrate-capped: video at most 250 kbps, after 8 s of poor quality']);
    await readings('g'.repeat(21));
    expect(sender.calls).toEqual([[250_000], [undefined]]);
    expect(g.state).toEqual({ videoCapKbps: null, offerAudioOnly: false, audioOnly: false });
    expect(log.at(-1)).toBe('bitrate-cap-lifted: 20 s without poor quality');
  });

  it('offers audio only even when the cap cannot be set, and says why it failed', async () => {
    const sender = new RecordingSender();
    sender.fail = Object.assign(new Error('Read-only field modified'), { name: 'InvalidModificationError' });
    const failing = guard(sender);
    await failing.readings('ppppppppp');
    expect(failing.g.state).toEqual({ videoCapKbps: null, offerAudioOnly: true, audioOnly: false });
    expect(failing.log).toEqual(['bitrate-cap-failed: InvalidModificationError: Read-only field modified']);
    const none = guard(null);
    await none.readings('ppppppppp');
    expect(none.log).toEqual(['bitrate-cap-failed: no video sender']);
    expect(none.g.state.offerAudioOnly).toBe(true);
  });

  it('audio only: labelled until the camera is on again; the offer is not shown meanwhile', async () => {
    const { g, log, readings } = guard(new RecordingSender());
    await readings('ppppppppp');
    g.audioOnlyChosen();
    expect(g.state).toEqual({ videoCapKbps: 250, offerAudioOnly: false, audioOnly: true });
    g.cameraOn();
    expect(g.state.audioOnly).toBe(false);
    g.cameraOn(); // said once
    expect(log.filter((line) => line.startsWith('audio-only'))).toEqual([
      'audio-only: on: the connection stayed poor',
      'audio-only: off: camera on',
    ]);
  });

  it('a cap still being applied when the peer changed shows nothing of the old call', async () => {
    const sender = new RecordingSender();
    const { g, readings } = guard(sender);
    await readings('pppppppp');
    g.reading('poor'); // the 9th: cap, applied asynchronously
    g.peerChanged();
    await Promise.resolve();
    await Promise.resolve();
    expect(g.state).toEqual({ videoCapKbps: null, offerAudioOnly: false, audioOnly: false });
  });

  it('"Not now" hides the offer until the next time it stays poor', async () => {
    const { g, readings } = guard(new RecordingSender());
    await readings('ppppppppp');
    g.dismissOffer();
    expect(g.state.offerAudioOnly).toBe(false);
    await readings('pppp');
    expect(g.state.offerAudioOnly).toBe(false);
    await readings(`${'g'.repeat(21)}ppppppppp`);
    expect(g.state.offerAudioOnly).toBe(true);
  });
});

// ---- the engine ------------------------------------------------------------------------------------------------

const DOCTOR = { id: 'p_doc', name: 'Dr. Who', role: 'clinician' as const };
const engines: ConsultEngine[] = [];

interface Rig {
  engine: ConsultEngine;
  transport: FakeTransport;
  peers: FakePeer[];
  senders: RecordingSender[];
}

/** The fake peer gets a connection whose camera sender records what the engine sets on it. */
function rig(): Rig {
  const transport = new FakeTransport();
  const peers: FakePeer[] = [];
  const senders: RecordingSender[] = [];
  const engine = new ConsultEngine({
    transport,
    getUserMedia: async () => fakeStream('local', [fakeTrack('audio'), fakeTrack('video')]),
    createPeer: (options: PeerOptions) => {
      const peer = new FakePeer(options);
      const sender = new RecordingSender();
      senders.push(sender);
      // What the engine and its call session use of a connection: events, stats (none here), transceivers.
      const connection = Object.assign(new EventTarget(), {
        getStats: async () => new Map(),
        ...connectionWith({ kind: 'audio', sender: new RecordingSender() }, { kind: 'video', sender }),
      });
      Object.defineProperty(peer, 'connection', { value: connection });
      peers.push(peer);
      return peer;
    },
  });
  engines.push(engine);
  return { engine, transport, peers, senders };
}

async function inCall(r: Rig, callId = 'c_1'): Promise<FakePeer> {
  if (!r.engine.getSnapshot().consultation) {
    await r.engine.join({ shortCode: 'ABCD-2345' }, 'Amy');
    await whenSent(r.transport, 'join');
    r.transport.receive(welcome('patient'));
  }
  r.transport.receive({ type: 'call-start', callId, initiator: false, peer: DOCTOR, ice: NO_ICE });
  const peer = r.peers.at(-1);
  if (!peer) throw new Error('no peer');
  peer.emit('connect');
  peer.emit('stream', fakeStream('remote'));
  return peer;
}

/** The indicator read `reading` for `seconds` seconds, once a second. */
function readFor(r: Rig, reading: QualityReading, seconds: number): void {
  for (let i = 0; i < seconds; i += 1) {
    r.engine.noteConnectionQuality(reading);
    vi.advanceTimersByTime(1000);
  }
}

const events = (r: Rig, prefix: string) =>
  r.engine
    .timelineEntries()
    .filter((e) => e.event.startsWith(prefix))
    .map((e) => `${e.event}: ${e.detail ?? ''}`);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
  const illegal = engines.splice(0).flatMap((engine) => engine.timelineEntries().filter((e) => e.event === 'phase-illegal'));
  expect(illegal.map((e) => e.detail)).toEqual([]);
});

describe('low bandwidth through the engine', () => {
  it('poor for 8 s: the video sender is capped and audio only offered; good for 20 s: lifted', async () => {
    const r = rig();
    await inCall(r);
    readFor(r, 'poor', 8);
    expect(r.senders[0]?.calls).toEqual([]);
    readFor(r, 'poor', 1);
    await vi.waitFor(() =>
      expect(r.engine.getSnapshot().lowBandwidth).toEqual({ videoCapKbps: 250, offerAudioOnly: true, audioOnly: false }),
    );
    expect(r.senders[0]?.encodings[0]?.maxBitrate).toBe(250_000);
    expect(events(r, 'bitrate')).toEqual(['bitrate-capped: video at most 250 kbps, after 8 s of poor quality']);
    readFor(r, 'good', 21);
    await vi.waitFor(() => expect(r.engine.getSnapshot().lowBandwidth.videoCapKbps).toBeNull());
    expect(r.senders[0]?.encodings[0]?.maxBitrate).toBeUndefined();
    expect(r.engine.getSnapshot().lowBandwidth.offerAudioOnly).toBe(false);
    expect(events(r, 'bitrate').at(-1)).toBe('bitrate-cap-lifted: 20 s without poor quality');
  });

  it('audio only is the camera-off path, labelled; turning the camera on leaves it', async () => {
    const r = rig();
    const peer = await inCall(r);
    readFor(r, 'poor', 9);
    await vi.waitFor(() => expect(r.engine.getSnapshot().lowBandwidth.offerAudioOnly).toBe(true));
    const camera = r.engine.getSnapshot().localStream?.getVideoTracks()[0];
    expect(await r.engine.switchToAudioOnly()).toBe(true);
    expect(camera?.readyState).toBe('ended'); // the camera stopped: nothing is sent
    expect(peer.silenced).toHaveLength(1); // replaceTrack(null) on the same sender: receiving goes on
    expect(r.engine.getSnapshot()).toMatchObject({
      cameraEnabled: false,
      micEnabled: true,
      lowBandwidth: { videoCapKbps: 250, offerAudioOnly: false, audioOnly: true },
    });
    const told = peer.sentTexts.map((t) => JSON.parse(t) as { type: string; camera?: boolean }).filter((m) => m.type === 'media-state');
    expect(told.at(-1)).toMatchObject({ camera: false }); // the other side shows "camera off"
    expect(events(r, 'audio-only')).toEqual(['audio-only: on: the connection stayed poor']);

    expect(await r.engine.setCameraEnabled(true)).toBe(true);
    expect(r.engine.getSnapshot().lowBandwidth.audioOnly).toBe(false);
    expect(events(r, 'audio-only').at(-1)).toBe('audio-only: off: camera on');
  });

  it('reads nothing outside a connected call, and a new peer starts uncapped', async () => {
    const r = rig();
    r.engine.noteConnectionQuality('poor');
    await inCall(r);
    readFor(r, 'poor', 9);
    await vi.waitFor(() => expect(r.engine.getSnapshot().lowBandwidth.videoCapKbps).toBe(250));
    // A restart (the relay replaced the call): a fresh peer, sending uncapped; the count starts again.
    r.transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
    expect(r.engine.getSnapshot().lowBandwidth).toEqual({ videoCapKbps: null, offerAudioOnly: false, audioOnly: false });
    readFor(r, 'poor', 20); // reconnecting: not read
    await inCall(r, 'c_2');
    readFor(r, 'poor', 8);
    expect(r.senders[1]?.calls).toEqual([]);
    r.engine.hangUp();
    readFor(r, 'poor', 20);
    expect(r.senders[1]?.calls).toEqual([]);
    expect(r.engine.getSnapshot().lowBandwidth.offerAudioOnly).toBe(false);
  });
});
