/**
 * Relay first, direct when it works (renderer/engine/ice-policy.ts): which policy a call starts with, and
 * when the call session widens it. Driven through the session's real code with a fake simple-peer; the real
 * thing is measured in tests/network (relayed calls, and a LAN call that moves off the relay).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallSession, type CallSessionEvents } from '../../../renderer/engine/call-session';
import { planIce, WIDEN_AFTER_CONNECT_MS, WIDEN_DEADLINE_MS, WIDEN_RETRY_MS } from '../../../renderer/engine/ice-policy';
import type { PeerOptions } from '../../../renderer/engine/peer';
import type { SignalData } from '../../../signaling/protocol';
import { ANSWER, CANDIDATE, FakePeer, fakeStream, OFFER } from './fakes';

const TURN = [
  { urls: ['turn:198.18.0.1:3478?transport=udp', 'turn:198.18.0.1:3478?transport=tcp'], username: '1900000000:p_1', credential: 'c' },
];
const STUN_ONLY = [{ urls: ['stun:198.18.0.1:3478'] }];
const RELAY_CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: {
    candidate: 'candidate:2 1 udp 41885439 198.18.0.1 49160 typ relay raddr 198.18.0.11 rport 40000',
    sdpMid: '0',
    sdpMLineIndex: 0,
  },
};

describe('planIce', () => {
  it('starts relay-only and widens later when a TURN server is configured', () => {
    expect(planIce({ iceServers: TURN, iceTransportPolicy: 'all' })).toEqual({ start: 'relay', widens: true });
    expect(planIce({ iceServers: [{ urls: 'turns:turn.clinic.example:443?transport=tcp' }], iceTransportPolicy: 'all' })).toEqual({
      start: 'relay',
      widens: true,
    });
  });

  it('keeps a clinic-forced relay-only policy for the whole call', () => {
    expect(planIce({ iceServers: TURN, iceTransportPolicy: 'relay' })).toEqual({ start: 'relay', widens: false });
  });

  it('uses every path from the start without TURN (LAN-only clinic, or STUN only)', () => {
    expect(planIce({ iceServers: [], iceTransportPolicy: 'all' })).toEqual({ start: 'all', widens: false });
    expect(planIce({ iceServers: STUN_ONLY, iceTransportPolicy: 'all' })).toEqual({ start: 'all', widens: false });
  });
});

describe('CallSession widening', () => {
  let peer: FakePeer;
  let widened: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    widened = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function session(
    initiator: boolean,
    iceServers: RTCIceServer[],
    iceTransportPolicy: RTCIceTransportPolicy = 'all',
    canSignal?: () => boolean,
  ): CallSession {
    const events: CallSessionEvents = {
      outgoingSignal: () => {},
      connected: () => {},
      remoteStream: () => {},
      iceState: () => {},
      remoteClosed: () => {},
      failed: () => {},
      widened: (reason) => widened.push(reason),
    };
    return new CallSession({
      callId: 'c_1',
      initiator,
      localStream: fakeStream(),
      iceServers,
      iceTransportPolicy,
      events,
      canSignal,
      createPeer: (options: PeerOptions) => {
        peer = new FakePeer(options);
        return peer;
      },
    });
  }

  it('creates the peer relay-only, then the initiator lets ICE try direct paths a moment after connecting', () => {
    session(true, TURN);
    expect(peer.options.iceTransportPolicy).toBe('relay');
    peer.emit('connect');
    // Not during the first frames: the restart's renegotiation would compete with them.
    vi.advanceTimersByTime(WIDEN_AFTER_CONNECT_MS - 1);
    expect(peer.allPathsAllowed).toBe(0);
    vi.advanceTimersByTime(1);
    expect(peer.allPathsAllowed).toBe(1);
    expect(widened).toEqual(['connected']);
    // Once only, whatever happens later.
    peer.emit('iceStateChange', 'connected', 'complete');
    vi.advanceTimersByTime(WIDEN_DEADLINE_MS * 2);
    expect(peer.allPathsAllowed).toBe(1);
  });

  it('widens at the deadline when the relay path has not connected', () => {
    session(true, TURN);
    vi.advanceTimersByTime(WIDEN_DEADLINE_MS - 1);
    expect(peer.allPathsAllowed).toBe(0);
    vi.advanceTimersByTime(1);
    expect(widened).toEqual(['deadline']);
  });

  it('widens at once when its own TURN gathering ended without a relay candidate (refused or unreachable)', () => {
    session(true, TURN);
    peer.emit('signal', CANDIDATE); // a host candidate: the relay policy filters those, but count only relay
    peer.emit('iceStateChange', 'checking', 'complete');
    expect(widened).toEqual(['no-relay-candidates']);
  });

  it('does not widen early while its relay candidates are there', () => {
    session(true, TURN);
    peer.emit('signal', RELAY_CANDIDATE);
    peer.emit('iceStateChange', 'checking', 'complete');
    expect(widened).toEqual([]);
  });

  it('responder: widens only when the initiator re-offers (its ICE restart), before applying that offer', () => {
    const responder = session(false, TURN);
    expect(peer.options.iceTransportPolicy).toBe('relay');
    responder.applyRemoteSignal(1, OFFER);
    peer.emit('connect');
    vi.advanceTimersByTime(WIDEN_DEADLINE_MS * 2);
    expect(peer.allPathsAllowed).toBe(0); // the responder never decides by itself
    const widenedBeforeOffer: number[] = [];
    const signal = peer.signal.bind(peer);
    peer.signal = (data) => {
      if (data.type === 'offer') widenedBeforeOffer.push(peer.allPathsAllowed);
      signal(data);
    };
    responder.applyRemoteSignal(2, { type: 'offer', sdp: 'v=0 restart' });
    expect(widenedBeforeOffer).toEqual([1]);
    expect(widened).toEqual(['initiator-restarted']);
  });

  it('waits to widen while the other side cannot be reached through the relay (its offer would be lost)', () => {
    let reachable = false;
    session(true, TURN, 'all', () => reachable);
    peer.emit('connect');
    vi.advanceTimersByTime(WIDEN_AFTER_CONNECT_MS + WIDEN_RETRY_MS * 3);
    expect(peer.allPathsAllowed).toBe(0);
    reachable = true;
    vi.advanceTimersByTime(WIDEN_RETRY_MS);
    expect(peer.allPathsAllowed).toBe(1);
    expect(widened).toEqual(['connected']);
  });

  it('never widens a clinic-forced relay-only call, nor a call without TURN', () => {
    session(true, TURN, 'relay');
    peer.emit('iceStateChange', 'checking', 'complete');
    peer.emit('connect');
    vi.advanceTimersByTime(WIDEN_DEADLINE_MS * 2);
    expect(peer.allPathsAllowed).toBe(0);

    session(true, []);
    expect(peer.options.iceTransportPolicy).toBe('all');
    peer.emit('connect');
    vi.advanceTimersByTime(WIDEN_DEADLINE_MS * 2);
    expect(peer.allPathsAllowed).toBe(0);
    expect(widened).toEqual([]);
  });

  it('a closed session never widens later', () => {
    const closed = session(true, TURN);
    closed.applyRemoteSignal(1, ANSWER);
    closed.close();
    vi.advanceTimersByTime(WIDEN_DEADLINE_MS * 2);
    expect(peer.allPathsAllowed).toBe(0);
    expect(widened).toEqual([]);
  });
});
