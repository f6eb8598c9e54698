/**
 * A call keeps the other side's DTLS certificate it started with: a later offer or answer naming another one
 * (a relay putting itself in the middle after the two people compared verification codes) ends the call
 * instead of being applied.
 */
import { describe, expect, it } from 'vitest';
import { CallSession, type CallSessionEvents, FINGERPRINT_CHANGED } from '../../../renderer/engine/call-session';
import type { PeerOptions } from '../../../renderer/engine/peer';
import { FakePeer, fakeStream } from './fakes';

const A = 'AB:'.repeat(31) + 'AB';
const B = 'CD:'.repeat(31) + 'CD';
const sdp = (fingerprint: string) => `v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fingerprint:sha-256 ${fingerprint}\r\n`;

function session(initiator: boolean) {
  let peer: FakePeer | null = null;
  const failures: string[] = [];
  const events: CallSessionEvents = {
    outgoingSignal: () => {},
    connected: () => {},
    remoteStream: () => {},
    iceState: () => {},
    remoteClosed: () => {},
    failed: (code) => failures.push(code),
    widened: () => {},
  };
  const call = new CallSession({
    callId: 'c_1',
    initiator,
    localStream: fakeStream(),
    iceServers: [],
    iceTransportPolicy: 'all',
    events,
    createPeer: (options: PeerOptions) => {
      peer = new FakePeer(options);
      return peer;
    },
  });
  return { call, failures, peer: () => peer as unknown as FakePeer };
}

describe("the other side's certificate", () => {
  it('renegotiations with the same certificate are applied', () => {
    const s = session(true);
    expect(s.call.applyRemoteSignal(1, { type: 'answer', sdp: sdp(A) })).toBe(true);
    expect(s.call.applyRemoteSignal(2, { type: 'offer', sdp: sdp(A) })).toBe(true);
    expect(s.peer().received).toHaveLength(2);
    expect(s.failures).toEqual([]);
  });

  it('an offer or answer naming another certificate is refused and the call fails, for either side', () => {
    for (const initiator of [true, false]) {
      const s = session(initiator);
      s.call.applyRemoteSignal(1, { type: initiator ? 'answer' : 'offer', sdp: sdp(A) });
      expect(s.call.applyRemoteSignal(2, { type: 'offer', sdp: sdp(B) })).toBe(false);
      expect(s.peer().received).toHaveLength(1); // never reached the connection
      expect(s.failures).toEqual([FINGERPRINT_CHANGED]);
      // Ended: nothing more is applied.
      expect(s.call.applyRemoteSignal(3, { type: 'offer', sdp: sdp(A) })).toBe(false);
    }
  });
});
