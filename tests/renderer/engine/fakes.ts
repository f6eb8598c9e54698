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

  readonly replaced: { oldTrack: MediaStreamTrack; newTrack: MediaStreamTrack; stream: MediaStream }[] = [];

  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, stream: MediaStream): void {
    this.replaced.push({ oldTrack, newTrack, stream });
  }

  /** How many times the session let ICE use every path (see ice-policy.ts). */
  allPathsAllowed = 0;

  allowAllPaths(): void {
    this.allPathsAllowed += 1;
  }

  removeAllListeners(): void {
    this.listenersRemoved = true;
    this.emitter.removeAllListeners();
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** simple-peer does something. */
  emit<E extends keyof PeerEvents>(event: E, ...args: Parameters<PeerEvents[E]>): void {
    this.emitter.emit(event, ...args);
  }
}

export function fakeTrack(kind: 'audio' | 'video', deviceId = `${kind}-default`): MediaStreamTrack {
  const ended = new EventTarget();
  return Object.assign(ended, {
    kind,
    label: deviceId,
    contentHint: '',
    stopped: false,
    stop(this: { stopped: boolean }) {
      this.stopped = true;
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
