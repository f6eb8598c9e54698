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
}

export interface PeerLike {
  signal(data: SignalData): void;
  on<E extends keyof PeerEvents>(event: E, listener: PeerEvents[E]): void;
  /** Swaps a sent track; `stream` must be the stream object the peer was created with (simple-peer #634). */
  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, stream: MediaStream): void;
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
