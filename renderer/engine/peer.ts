/**
 * The engine's view of a WebRTC peer: the part of simple-peer it uses, so unit tests can drive the engine
 * with a fake and the app uses the real thing.
 */
import type { SignalData } from '../../signaling/protocol';

export interface PeerEvents {
  signal: (data: SignalData) => void;
  connect: () => void;
  stream: (stream: MediaStream) => void;
  close: () => void;
  error: (err: Error & { code?: string }) => void;
  iceStateChange: (iceConnectionState: string, iceGatheringState: string) => void;
  /** A message on the call's data channel, as text (see room-messages.ts). */
  data: (text: string) => void;
  /** A renegotiation finished (signaling stable, none queued): a track added since has its m-line now. */
  negotiated: () => void;
}

export interface PeerLike {
  signal(data: SignalData): void;
  on<E extends keyof PeerEvents>(event: E, listener: PeerEvents[E]): void;
  /**
   * Swaps a sent track, or sends nothing (`newTrack` null: the camera turned off) without renegotiating;
   * `stream` must be the stream object the peer was created with (simple-peer #634), and `oldTrack` the track
   * that stream had for this sender (after a null, still the old one: simple-peer finds the sender by it).
   */
  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack | null, stream: MediaStream): void;
  /** Sends text on the call's data channel; throws when the channel is not open (before `connect`). */
  send(text: string): void;
  /**
   * Sends one more video track beside the camera (a shared screen, screen-share.ts), in `stream`: a renegotiation.
   * The initiator offers; the other side asks it to (simple-peer's `renegotiate`, then `transceiverRequest` when
   * no m-line is free). Later swaps, and null, go through replaceTrack with this track and stream, renegotiating nothing.
   */
  addTrack(track: MediaStreamTrack, stream: MediaStream): void;
  /** The mid of the m-line that sends `track` (a track given to addTrack), once negotiated; null before. */
  sentMid(track: MediaStreamTrack): string | null;
  /** The track that arrives on the m-line `mid`; null when this connection has none. */
  receivedTrack(mid: string): MediaStreamTrack | null;
  removeAllListeners(): void;
  destroy(): void;
  /**
   * Lets ICE use every kind of path from now on (the call started relay-only, see ice-policy.ts). The
   * initiator also restarts ICE, which renegotiates, so both sides gather their direct candidates.
   */
  allowAllPaths(): void;
  /** The underlying connection, for stats and states; null in fakes that have none. */
  readonly connection: RTCPeerConnection | null;
}

export interface PeerOptions {
  initiator: boolean;
  /** Local media: always present before the peer exists, so the first offer carries its tracks. */
  stream: MediaStream;
  iceServers: RTCIceServer[];
  /** The policy the connection starts with (see ice-policy.ts). */
  iceTransportPolicy: RTCIceTransportPolicy;
}

export type PeerFactory = (options: PeerOptions) => PeerLike;
