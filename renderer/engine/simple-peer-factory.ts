/** The real peer: simple-peer 9.11.1 over the browser's RTCPeerConnection. */
import SimplePeer from 'simple-peer';
import type { SignalData } from '../../signaling/protocol';
import type { PeerEvents, PeerFactory, PeerLike } from './peer';

const textDecoder = new TextDecoder();

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
    // max-bundle: one transport for audio, video and data, so one set of candidates, one TURN allocation per
    // server URL and one set of checks, instead of one per m-line until the answer arrives.
    config: { iceServers: options.iceServers, iceTransportPolicy: options.iceTransportPolicy, bundlePolicy: 'max-bundle' },
    wrtc: { RTCPeerConnection: ObservedPeerConnection, RTCSessionDescription, RTCIceCandidate },
  });
  /** Senders of the tracks given to addTrack (a shared screen), by that track. */
  const addedSenders = new Map<MediaStreamTrack, RTCRtpSender>();
  const wrapped: PeerLike = {
    signal: (data: SignalData) => peer.signal(data as SimplePeer.SignalData),
    on: <E extends keyof PeerEvents>(event: E, listener: PeerEvents[E]) => {
      if (event === 'data') {
        // simple-peer is a byte stream: a text message arrives as a Buffer (a Uint8Array).
        const onText = listener as PeerEvents['data'];
        peer.on('data', (chunk: unknown) => onText(typeof chunk === 'string' ? chunk : textDecoder.decode(chunk as Uint8Array)));
        return;
      }
      peer.on(event, listener as (...args: unknown[]) => void);
    },
    // simple-peer's typings say MediaStreamTrack, but it hands newTrack to RTCRtpSender.replaceTrack, which takes null.
    replaceTrack: (oldTrack, newTrack, stream) => peer.replaceTrack(oldTrack, newTrack as MediaStreamTrack, stream),
    send: (text) => peer.send(text),
    addTrack: (track, stream) => {
      peer.addTrack(track, stream);
      // Held by the track first added: after replaceTrack(…, null) the sender has no track to be found by.
      const sender = connection?.getSenders().find((candidate) => candidate.track === track);
      if (sender) addedSenders.set(track, sender);
    },
    sentMid: (track) => {
      const sender = addedSenders.get(track);
      return connection?.getTransceivers().find((transceiver) => transceiver.sender === sender)?.mid ?? null;
    },
    receivedTrack: (mid) => connection?.getTransceivers().find((transceiver) => transceiver.mid === mid)?.receiver.track ?? null,
    removeAllListeners: () => {
      peer.removeAllListeners();
      // A destroyed simple-peer may still emit 'error' later; without a listener that would throw.
      peer.on('error', () => {});
    },
    destroy: () => peer.destroy(),
    allowAllPaths: () => {
      if (!connection || connection.signalingState === 'closed') return;
      connection.setConfiguration({ ...connection.getConfiguration(), iceTransportPolicy: 'all' });
      if (!options.initiator) return;
      // Without an ICE restart neither side gathers again; restartIce() marks the next offer, and
      // simple-peer's negotiate() makes it (9.11.1 does not listen for negotiationneeded).
      connection.restartIce();
      (peer as SimplePeer.Instance & { negotiate(): void }).negotiate();
    },
    get connection() {
      return connection;
    },
  };
  return wrapped;
};
