/**
 * Fakes for the engine's boundaries (transport, peer, media): unit tests drive the engine through exactly
 * the interfaces the real relay and simple-peer sit behind. The real ones are exercised in tests/e2e.
 */
import { EventEmitter } from 'node:events';
import { expect, vi } from 'vitest';
import type { SessionStore, StoredSession } from '../../../renderer/engine/engine';
import type { PeerEvents, PeerLike, PeerOptions } from '../../../renderer/engine/peer';
import type { RelayStatus, SignalingTransport, TransportListener } from '../../../renderer/engine/transport';
import type { ClientMessageBody, IceSettings, ServerMessageBody, SignalData } from '../../../signaling/protocol';
import { PROTOCOL_VERSION, type ServerMessage } from '../../../signaling/protocol';

export class FakeTransport implements SignalingTransport {
  status: RelayStatus = 'closed';
  rttMs: number | null = null;
  readonly sent: ClientMessageBody[] = [];
  connects = 0;
  /** The challenge of each socket's hello, oldest first. */
  readonly challenges: string[] = [];
  private readonly listeners = new Set<TransportListener>();

  connect(): void {
    this.connects += 1;
    this.setStatus('open');
  }

  send(message: ClientMessageBody): boolean {
    if (this.status !== 'open') return false;
    this.sent.push(message);
    return true;
  }

  subscribe(listener: TransportListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.status = 'closed';
  }

  /** The relay says something. */
  receive(message: ServerMessageBody): void {
    for (const listener of this.listeners) listener.message({ v: PROTOCOL_VERSION, ...message } as ServerMessage);
  }

  /** `closeCode`: the relay closed the socket on purpose and the transport gave up (status 'closed'). */
  setStatus(status: RelayStatus, detail = 'test', closeCode?: number): void {
    const opened = status === 'open' && this.status !== 'open';
    this.status = status;
    for (const listener of this.listeners) listener.status(status, detail, closeCode);
    if (!opened) return;
    // As the relay does: the first message on every socket is a fresh challenge.
    const challenge = `challenge${this.challenges.length + 1}`;
    this.challenges.push(challenge);
    this.receive({ type: 'hello', challenge });
  }

  sentOfType<T extends ClientMessageBody['type']>(type: T): Extract<ClientMessageBody, { type: T }>[] {
    return this.sent.filter((m): m is Extract<ClientMessageBody, { type: T }> => m.type === type);
  }
}

export class FakePeer implements PeerLike {
  readonly received: SignalData[] = [];
  destroyed = false;
  listenersRemoved = false;
  readonly connection = null;
  private readonly emitter = new EventEmitter();

  constructor(readonly options: PeerOptions) {}

  signal(data: SignalData): void {
    if (this.destroyed) throw new Error('cannot signal after peer is destroyed');
    this.received.push(data);
  }

  on<E extends keyof PeerEvents>(event: E, listener: PeerEvents[E]): void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
  }

  /** Tracks swapped for another one (device switch, camera back on). */
  readonly replaced: { oldTrack: MediaStreamTrack; newTrack: MediaStreamTrack; stream: MediaStream }[] = [];
  /** Senders told to send nothing (`replaceTrack(old, null)`: camera off). */
  readonly silenced: { oldTrack: MediaStreamTrack; stream: MediaStream }[] = [];

  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack | null, stream: MediaStream): void {
    if (newTrack) this.replaced.push({ oldTrack, newTrack, stream });
    else this.silenced.push({ oldTrack, stream });
  }

  /** Whether the data channel is open: as in simple-peer, from `connect` on, until destroyed. */
  channelOpen = false;
  /** What the engine sent on the data channel, oldest first. */
  readonly sentTexts: string[] = [];

  send(text: string): void {
    if (this.destroyed) throw new Error('cannot send after peer is destroyed');
    // What the browser does: RTCDataChannel.send throws InvalidStateError unless the channel is open.
    if (!this.channelOpen) throw new DOMException("Failed to execute 'send' on 'RTCDataChannel'", 'InvalidStateError');
    this.sentTexts.push(text);
  }

  /** How many times the session let ICE use every path (see ice-policy.ts). */
  allPathsAllowed = 0;

  allowAllPaths(): void {
    this.allPathsAllowed += 1;
  }

  /** Tracks sent beside the camera (a shared screen), each with its stream, oldest first; each renegotiates. */
  readonly added: { track: MediaStreamTrack; stream: MediaStream }[] = [];
  /** The mids their m-lines got, once the test says a renegotiation finished (`negotiated`). */
  private readonly mids = new Map<MediaStreamTrack, string>();
  /** What arrives on each m-line of the other side's (`arrive`). */
  private readonly incoming = new Map<string, MediaStreamTrack>();

  addTrack(track: MediaStreamTrack, stream: MediaStream): void {
    if (this.destroyed) throw new Error('cannot addTrack after peer is destroyed');
    this.added.push({ track, stream });
  }

  sentMid(track: MediaStreamTrack): string | null {
    return this.mids.get(track) ?? null;
  }

  receivedTrack(mid: string): MediaStreamTrack | null {
    return this.incoming.get(mid) ?? null;
  }

  /** A renegotiation finished: the last added track sends on `mid` (when given), and simple-peer says `negotiated`. */
  negotiated(mid?: string): void {
    const last = this.added.at(-1);
    if (last && mid !== undefined) this.mids.set(last.track, mid);
    this.emit('negotiated');
  }

  /** The other side's track on its m-line `mid` is here (as the browser has it once the description is applied). */
  arrive(mid: string, track: MediaStreamTrack): void {
    this.incoming.set(mid, track);
  }

  removeAllListeners(): void {
    this.listenersRemoved = true;
    this.emitter.removeAllListeners();
  }

  destroy(): void {
    this.destroyed = true;
    this.channelOpen = false;
  }

  /** simple-peer does something. Its `connect` comes once the data channel is open too. */
  emit<E extends keyof PeerEvents>(event: E, ...args: Parameters<PeerEvents[E]>): void {
    if (event === 'connect') this.channelOpen = true;
    this.emitter.emit(event, ...args);
  }
}

/** A track as the browser's behaves for the engine: stop() ends it (and fires no 'ended'), enabled is a flag. */
export function fakeTrack(kind: 'audio' | 'video', deviceId = `${kind}-default`): MediaStreamTrack {
  const ended = new EventTarget();
  return Object.assign(ended, {
    kind,
    label: deviceId,
    contentHint: '',
    enabled: true,
    readyState: 'live',
    stopped: false,
    stop(this: { stopped: boolean; readyState: string }) {
      this.stopped = true;
      this.readyState = 'ended';
    },
    getSettings: () => ({ deviceId }),
  }) as unknown as MediaStreamTrack;
}

export function fakeStream(label = 'local', tracks: MediaStreamTrack[] = [fakeTrack('audio'), fakeTrack('video')]): MediaStream {
  return {
    id: label,
    getTracks: () => [...tracks],
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video'),
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio'),
    addTrack: (track: MediaStreamTrack) => tracks.push(track),
    removeTrack: (track: MediaStreamTrack) => tracks.splice(tracks.indexOf(track), 1),
  } as unknown as MediaStream;
}

export class MemorySessionStore implements SessionStore {
  value: StoredSession | null = null;
  load(): StoredSession | null {
    return this.value;
  }
  save(session: StoredSession): void {
    this.value = session;
  }
  clear(): void {
    this.value = null;
  }
}

/** No STUN, no TURN: a LAN relay's ICE (what most call-starts in these tests carry). */
export const NO_ICE: IceSettings = { iceServers: [], iceTransportPolicy: 'all' };

export function welcome(role: 'clinician' | 'patient', call: { callId: string; initiator: boolean } | null = null): ServerMessageBody {
  return {
    type: 'welcome',
    self: {
      participantId: role === 'clinician' ? 'p_doc' : 'p_pat',
      role,
      name: role === 'clinician' ? 'Dr. Who' : 'Amy',
      resumeToken: `token-${role}-0123456789`,
    },
    consultation: { id: 'k_1', clinicianName: 'Dr. Who' },
    call: call
      ? {
          ...call,
          peer: { id: role === 'clinician' ? 'p_pat' : 'p_doc', name: 'Other', role: role === 'clinician' ? 'patient' : 'clinician' },
        }
      : null,
  };
}

/** The messages of `type` the engine sent, once there are `count` (a patient's join and resume are signed first). */
export async function whenSent<T extends ClientMessageBody['type']>(
  transport: FakeTransport,
  type: T,
  count = 1,
): Promise<Extract<ClientMessageBody, { type: T }>[]> {
  await vi.waitFor(() => expect(transport.sentOfType(type).length).toBeGreaterThanOrEqual(count), { interval: 1 });
  return transport.sentOfType(type);
}

export const OFFER: SignalData = { type: 'offer', sdp: 'v=0 offer' };
export const ANSWER: SignalData = { type: 'answer', sdp: 'v=0 answer' };
export const CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
};
