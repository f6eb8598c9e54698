/** The real peer: simple-peer 9.11.1 over the browser's RTCPeerConnection. */
import SimplePeer from 'simple-peer';
import type { SignalData } from '../../signaling/protocol';
import type { PeerEvents, PeerFactory, PeerLike } from './peer';

export const createSimplePeer: PeerFactory = (options) => {
  let connection: RTCPeerConnection | null = null;
  // simple-peer keeps its RTCPeerConnection private; handing it a subclass lets us hold the instance
  // (for getStats and states) without reaching into private fields.
  class ObservedPeerConnection extends RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      connection = this;
    }
  }
  const peer = new SimplePeer({
    initiator: options.initiator,
    stream: options.stream,
    trickle: true,
    // Never simple-peer's default public STUN servers: a LAN call must work with no internet at all.
    config: { iceServers: options.iceServers, iceTransportPolicy: options.iceTransportPolicy },
    wrtc: { RTCPeerConnection: ObservedPeerConnection, RTCSessionDescription, RTCIceCandidate },
  });
  const wrapped: PeerLike = {
    signal: (data: SignalData) => peer.signal(data as SimplePeer.SignalData),
    on: <E extends keyof PeerEvents>(event: E, listener: PeerEvents[E]) => {
      peer.on(event, listener as (...args: unknown[]) => void);
    },
    replaceTrack: (oldTrack, newTrack, stream) => peer.replaceTrack(oldTrack, newTrack, stream),
    removeAllListeners: () => {
      peer.removeAllListeners();
      // A destroyed simple-peer may still emit 'error' later; without a listener that would throw.
      peer.on('error', () => {});
    },
    destroy: () => peer.destroy(),
    get connection() {
      return connection;
    },
  };
  return wrapped;
};
