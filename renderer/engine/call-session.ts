/**
 * One call = one peer. The session owns the peer's whole life: it exists only with local media in hand,
 * feeds it signals in arrival order (queuing those that come first), and removes every listener when done,
 * so a stale peer can never act on a newer call.
 */
import type { SignalData } from '../../signaling/protocol';
import { type CandidateSummary, countCandidate, emptyCandidates, type IceEvidence, parseCandidateLine } from './diagnosis';
import { type IcePlan, planIce, WIDEN_AFTER_CONNECT_MS, WIDEN_DEADLINE_MS, WIDEN_RETRY_MS, type WidenReason } from './ice-policy';
import type { PeerFactory, PeerLike } from './peer';
import { extractFingerprint } from './verification-code';

/** The other side's certificate changed mid-call (see `applyRemoteSignal`): the call is not the one verified. */
export const FINGERPRINT_CHANGED = 'ERR_FINGERPRINT_CHANGED';

export interface CallSessionEvents {
  /** Every signal our peer produces, including `renegotiate` / `transceiverRequest`: all must be relayed. */
  outgoingSignal(data: SignalData): void;
  connected(): void;
  remoteStream(stream: MediaStream): void;
  iceState(iceConnectionState: string, iceGatheringState: string): void;
  /** The remote side closed its peer on purpose (hang-up, reload, window closed). */
  remoteClosed(): void;
  failed(code: string, message: string): void;
  /** The call started relay-only and now may use direct paths too (see ice-policy.ts). */
  widened(reason: WidenReason | 'initiator-restarted'): void;
}

/** Who listens to the call's data channel (the engine's room messages, room-messages.ts). */
export interface ChannelListener {
  /** The channel is open (simple-peer's `connect` waits for it): say the current state now. */
  open(): void;
  message(text: string): void;
}

export interface CallSessionOptions {
  callId: string;
  initiator: boolean;
  localStream: MediaStream;
  iceServers: RTCIceServer[];
  /** The clinic's policy from the relay: 'relay' forces relay-only for the whole call. */
  iceTransportPolicy: RTCIceTransportPolicy;
  createPeer: PeerFactory;
  events: CallSessionEvents;
  /**
   * Whether signals reach the other side now (both are connected to the relay). Widening renegotiates; an
   * offer sent while either side is cut off from the relay would be lost, so it waits (media carries on).
   */
  canSignal?: () => boolean;
  /** Tests shorten these; the product uses WIDEN_DEADLINE_MS and WIDEN_AFTER_CONNECT_MS. */
  widenDeadlineMs?: number;
  widenAfterConnectMs?: number;
}

export class CallSession {
  readonly callId: string;
  readonly initiator: boolean;
  private peer: PeerLike | null;
  private ended = false;
  private sentSeq = 0;
  private appliedSeq = 0;
  /** Evidence for a failure diagnosis: what each side gathered, what the TURN server said. */
  private readonly localCandidates: CandidateSummary = emptyCandidates();
  private readonly remoteCandidates: CandidateSummary = emptyCandidates();
  private readonly candidateErrors: IceEvidence['candidateErrors'] = [];
  readonly icePlan: IcePlan;
  /** What the relay configured for this call (from its call-start): part of a failure's evidence. */
  private readonly configured: IceEvidence['configured'];
  private widened = false;
  private widenTimer: ReturnType<typeof setTimeout> | null = null;
  private offersApplied = 0;
  private readonly events: CallSessionEvents;
  private readonly canSignal: () => boolean;
  private channelOpen = false;
  /** The other side's DTLS fingerprint, from its first offer or answer (undefined before it; null: none in it). */
  private remoteFingerprint: string | null | undefined = undefined;
  /** The other side's camera and microphone: the first remote stream (see the 'stream' listener). */
  private remoteCamera: MediaStream | null = null;
  /** The first screen track sent on this call and its stream: simple-peer finds the sender by them (screen-share.ts). */
  private screenKey: { track: MediaStreamTrack; stream: MediaStream } | null = null;
  private readonly negotiatedListeners = new Set<() => void>();
  private readonly channelListeners = new Set<ChannelListener>();

  constructor(options: CallSessionOptions) {
    this.callId = options.callId;
    this.initiator = options.initiator;
    this.events = options.events;
    this.canSignal = options.canSignal ?? (() => true);
    this.icePlan = planIce({ iceServers: options.iceServers, iceTransportPolicy: options.iceTransportPolicy });
    const urls = options.iceServers.flatMap((server) => [server.urls].flat());
    this.configured = {
      stun: urls.some((url) => url.startsWith('stun')),
      turn: urls.some((url) => url.startsWith('turn')),
      relayOnly: options.iceTransportPolicy === 'relay',
    };
    const peer = options.createPeer({
      initiator: options.initiator,
      stream: options.localStream,
      iceServers: options.iceServers,
      iceTransportPolicy: this.icePlan.start,
    });
    this.peer = peer;
    const events = this.events;
    // One side decides when to widen, so the two never restart ICE against each other: the initiator.
    if (this.icePlan.widens && this.initiator) this.armWiden('deadline', options.widenDeadlineMs ?? WIDEN_DEADLINE_MS);
    peer.on('signal', (data) => {
      if (this.ended) return;
      if (data.type === 'candidate') this.count(this.localCandidates, data.candidate.candidate);
      events.outgoingSignal(data);
    });
    // How this side reached TURN (udp/tcp/tls) and what TURN answered are only on the connection itself.
    peer.connection?.addEventListener('icecandidate', (event: RTCPeerConnectionIceEvent) => {
      const candidate = event.candidate as (RTCIceCandidate & { relayProtocol?: string | null }) | null;
      if (
        candidate?.type === 'relay' &&
        candidate.relayProtocol &&
        !this.localCandidates.relayProtocols.includes(candidate.relayProtocol)
      ) {
        this.localCandidates.relayProtocols.push(candidate.relayProtocol);
      }
    });
    peer.connection?.addEventListener('icecandidateerror', (event: Event) => {
      const error = event as RTCPeerConnectionIceErrorEvent;
      if (this.candidateErrors.length < 20)
        this.candidateErrors.push({ url: error.url, errorCode: error.errorCode, errorText: error.errorText });
    });
    peer.on('connect', () => {
      if (this.ended) return;
      this.channelOpen = true;
      events.connected();
      for (const listener of [...this.channelListeners]) if (!this.ended) listener.open();
      // Not at once: the restart's renegotiation would compete with the call's first frames.
      if (this.icePlan.widens && this.initiator && !this.widened)
        this.armWiden('connected', options.widenAfterConnectMs ?? WIDEN_AFTER_CONNECT_MS);
    });
    peer.on('data', (text) => {
      if (this.ended) return;
      for (const listener of [...this.channelListeners]) listener.message(text);
    });
    peer.on('stream', (stream) => {
      if (this.ended) return;
      // The first stream is the other side's camera and microphone: its m-lines are in the call's first offer. A
      // later one is a shared screen, which the room's share-state names by mid (screen-share.ts), never the call's.
      if (this.remoteCamera !== null && this.remoteCamera.id !== stream.id) return;
      this.remoteCamera = stream;
      events.remoteStream(stream);
    });
    peer.on('negotiated', () => {
      if (this.ended) return;
      for (const listener of [...this.negotiatedListeners]) listener();
    });
    peer.on('iceStateChange', (ice, gathering) => {
      if (this.ended) return;
      events.iceState(ice, gathering);
      // TURN refused us or cannot be reached: a relay-only call cannot connect, so try the direct paths now.
      if (gathering === 'complete' && this.initiator && this.localCandidates.relay === 0) this.widen('no-relay-candidates');
    });
    peer.on('error', (err) => {
      if (this.ended) return;
      this.ended = true;
      // The other side closed its connection (hang-up, reload, window closed): with one bundled transport
      // Chromium often reports that as the data channel's SCTP abort before the peer's own close. It is a
      // remote close, not a failure: the relay says what it means within milliseconds.
      if (isRemoteAbort(err)) events.remoteClosed();
      else events.failed(err.code ?? 'ERR_PEER', err.message);
    });
    peer.on('close', () => {
      if (this.ended) return;
      this.ended = true;
      events.remoteClosed();
    });
  }

  get connection(): RTCPeerConnection | null {
    return this.peer?.connection ?? null;
  }

  /** Numbers this side's signals for the relay (1, 2, 3, …). */
  nextSeq(): number {
    this.sentSeq += 1;
    return this.sentSeq;
  }

  /**
   * Applies a signal from the other side, once: a number already applied is a duplicate and is dropped.
   * simple-peer itself queues candidates until the remote description is set.
   */
  applyRemoteSignal(seq: number, data: SignalData): boolean {
    if (this.ended || !this.peer || seq <= this.appliedSeq) return false;
    this.appliedSeq = seq;
    if ((data.type === 'offer' || data.type === 'answer') && !this.sameRemoteCertificate(data.sdp)) {
      // A renegotiation naming another certificate would make DTLS start over with whoever holds it (a relay
      // in the middle, after the two people compared verification codes): the call ends instead.
      this.ended = true;
      this.events.failed(FINGERPRINT_CHANGED, "the other side's security certificate changed during the call");
      return false;
    }
    if (data.type === 'candidate') this.count(this.remoteCandidates, data.candidate.candidate);
    if (data.type === 'offer') {
      // A second offer in a relay-first call is the initiator's ICE restart to widen: widen this side's
      // policy first, so the answer gathers direct candidates too.
      if (this.offersApplied > 0 && !this.initiator) this.widen('initiator-restarted');
      this.offersApplied += 1;
    }
    this.peer.signal(data);
    return true;
  }

  /** The first description's DTLS fingerprint is the call's; every later one must name the same. */
  private sameRemoteCertificate(sdp: string): boolean {
    const extracted = extractFingerprint(sdp);
    const fingerprint = extracted.ok ? extracted.fingerprint : null;
    if (this.remoteFingerprint === undefined) {
      this.remoteFingerprint = fingerprint;
      return true;
    }
    return fingerprint === this.remoteFingerprint;
  }

  private armWiden(reason: WidenReason, afterMs: number): void {
    if (this.widenTimer) clearTimeout(this.widenTimer);
    this.widenTimer = setTimeout(() => this.widen(reason), afterMs);
  }

  private widen(reason: WidenReason | 'initiator-restarted'): void {
    if (this.widenTimer) clearTimeout(this.widenTimer);
    this.widenTimer = null;
    if (this.ended || !this.peer || this.widened || !this.icePlan.widens) return;
    if (reason !== 'initiator-restarted' && !this.canSignal()) {
      this.armWiden(reason, WIDEN_RETRY_MS);
      return;
    }
    this.widened = true;
    this.peer.allowAllPaths();
    this.events.widened(reason);
  }

  /**
   * Sends another camera/microphone track on the same sender, or none (null: camera off): no renegotiation,
   * the other side keeps decoding.
   */
  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack | null, stream: MediaStream): void {
    if (!this.ended && this.peer) this.peer.replaceTrack(oldTrack, newTrack, stream);
  }

  /** Listens to the call's data channel until `close()` or the returned function. */
  onChannel(listener: ChannelListener): () => void {
    this.channelListeners.add(listener);
    return () => this.channelListeners.delete(listener);
  }

  /**
   * Sends a shared screen as a second video track (screen-share.ts). The first one renegotiates (addTrack); later
   * ones, and `null` (stop), swap the track on that sender and renegotiate nothing.
   */
  sendScreen(track: MediaStreamTrack | null, stream: MediaStream | null): void {
    if (this.ended || !this.peer) return;
    const key = this.screenKey;
    if (key) this.peer.replaceTrack(key.track, track, key.stream);
    else if (track && stream) {
      this.screenKey = { track, stream };
      this.peer.addTrack(track, stream);
    }
  }

  /** The mid of the m-line that carries this side's screen, once negotiated (null before, or never shared). */
  screenMid(): string | null {
    if (this.ended || !this.peer || !this.screenKey) return null;
    return this.peer.sentMid(this.screenKey.track);
  }

  /** The track the other side's screen arrives on, by the mid its share-state named. */
  receivedTrack(mid: string): MediaStreamTrack | null {
    if (this.ended || !this.peer) return null;
    return this.peer.receivedTrack(mid);
  }

  /** Hears each finished renegotiation until `close()` or the returned function. */
  onNegotiated(listener: () => void): () => void {
    this.negotiatedListeners.add(listener);
    return () => this.negotiatedListeners.delete(listener);
  }

  /** Sends text on the data channel. False (nothing sent) before it opens or after the call ended. */
  send(text: string): boolean {
    if (this.ended || !this.peer || !this.channelOpen) return false;
    try {
      this.peer.send(text);
      return true;
    } catch {
      return false; // closing under us: the peer's own close/error says what happened
    }
  }

  evidence(): IceEvidence {
    return {
      configured: { ...this.configured },
      local: { ...this.localCandidates, relayProtocols: [...this.localCandidates.relayProtocols] },
      remote: { ...this.remoteCandidates, relayProtocols: [] },
      candidateErrors: [...this.candidateErrors],
    };
  }

  private count(summary: CandidateSummary, line: string): void {
    const parsed = parseCandidateLine(line);
    if (parsed) countCandidate(summary, parsed.type);
  }

  /** Tears the peer down; no event fires after this returns. */
  close(): void {
    this.ended = true;
    this.channelOpen = false;
    this.channelListeners.clear();
    this.negotiatedListeners.clear();
    if (this.widenTimer) clearTimeout(this.widenTimer);
    this.widenTimer = null;
    const peer = this.peer;
    this.peer = null;
    if (!peer) return;
    peer.removeAllListeners();
    peer.destroy();
  }
}

/** Chromium's words for an SCTP association the other side closed ("User-Initiated Abort, reason=Close called"). */
export function isRemoteAbort(err: Error & { code?: string }): boolean {
  return err.code === 'ERR_DATA_CHANNEL' && /User-Initiated Abort/i.test(err.message);
}
