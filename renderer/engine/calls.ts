/**
 * The calls of a consultation, at most one live. This owns a call's lifecycle below the phase: creating its
 * session, numbering and relaying what its peer says, applying what the other side says (holding signals
 * that arrive before their call-start, dropping those of finished calls), and deciding what a peer's close
 * or error means. The engine hears about outcomes (`CallHost`) and owns the phase.
 */
import type { ClientMessageBody, SignalData } from '../../signaling/protocol';
import { CallSession } from './call-session';
import type { IceEvidence } from './diagnosis';
import type { PeerFactory } from './peer';

/** Signals held per call before its call-start; more means a broken or hostile relay. */
const MAX_EARLY_SIGNALS = 100;

export interface CallHost {
  send(message: ClientMessageBody): boolean;
  log(event: string, detail?: string): void;
  /** This call's peer is connected and its remote media has arrived. */
  up(callId: string): void;
  remoteStream(stream: MediaStream): void;
  iceState(callId: string, ice: string): void;
  /** The call on screen had connected before (so a break is recovered, not diagnosed). */
  hasConnected(): boolean;
  /** The other participant is away from the relay right now (reloading, its network down). */
  otherSideAway(): boolean;
  /** Signals reach the other side now (both connected to the relay). */
  canSignal(): boolean;
  /** A call that had connected broke: recover it. */
  broke(reason: string): void;
  /** The call never connected: end it with a diagnosis. */
  failedToConnect(): void;
  /** The other side closed its peer and the relay did not say why in time. */
  peerLeft(): void;
}

export interface CallStart {
  callId: string;
  initiator: boolean;
  localStream: MediaStream;
  /** The ICE servers (with this side's TURN credentials) and policy of this call's own call-start. */
  ice: { iceServers: RTCIceServer[]; iceTransportPolicy: RTCIceTransportPolicy };
}

export interface CallsOptions {
  createPeer: PeerFactory;
  /** How long to wait, after the remote peer closes, for the relay to say why before calling it "peer left". */
  remoteCloseGraceMs: number;
  widenDeadlineMs?: number | undefined;
  widenAfterConnectMs?: number | undefined;
}

export type RemoteSignalOutcome = 'applied' | 'duplicate' | 'held' | 'stale';

export class Calls {
  private live: CallSession | null = null;
  /** The live call's peer has reported `connect` (media may not have arrived yet). */
  private peerConnected = false;
  /** The engine heard that the live call is up (once per call). */
  private upReported = false;
  private liveRemoteStream: MediaStream | null = null;
  private readonly earlySignals = new Map<string, { seq: number; data: SignalData }[]>();
  private readonly finishedCallIds = new Set<string>();
  private remoteCloseTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly options: CallsOptions,
    private readonly host: CallHost,
  ) {}

  get current(): CallSession | null {
    return this.live;
  }

  /** A call-start for a call that exists or has finished is a duplicate: exactly one peer per call. */
  isKnown(callId: string): boolean {
    return this.live?.callId === callId || this.finishedCallIds.has(callId);
  }

  start(call: CallStart): CallSession {
    this.close();
    const { callId, initiator } = call;
    const session: CallSession = new CallSession({
      callId,
      initiator,
      localStream: call.localStream,
      iceServers: call.ice.iceServers,
      iceTransportPolicy: call.ice.iceTransportPolicy,
      createPeer: this.options.createPeer,
      widenDeadlineMs: this.options.widenDeadlineMs,
      widenAfterConnectMs: this.options.widenAfterConnectMs,
      // The relay drops signals for someone offline: both ends must be connected to it.
      canSignal: () => this.host.canSignal(),
      events: {
        outgoingSignal: (data) => {
          this.host.log('signal-out', data.type);
          this.host.send({ type: 'signal', callId, seq: session.nextSeq(), data });
        },
        connected: () => {
          this.host.log('peer-connected', callId);
          this.peerConnected = true;
          this.reportIfUp(callId);
        },
        remoteStream: (stream) => {
          this.host.log(
            'remote-stream',
            stream
              .getTracks()
              .map((t) => t.kind)
              .join('+'),
          );
          this.liveRemoteStream = stream;
          this.host.remoteStream(stream);
          this.reportIfUp(callId);
        },
        iceState: (ice) => {
          this.host.log('ice-state', ice);
          this.host.iceState(callId, ice);
        },
        widened: (reason) => this.host.log('ice-widened', reason),
        remoteClosed: () => this.onRemoteClosed(callId),
        failed: (code, text) => {
          this.host.log('peer-failed', `${code}: ${text}`);
          if (this.host.hasConnected()) {
            this.host.broke(`peer failed (${code})`);
            return;
          }
          this.host.send({ type: 'hang-up', callId, reason: 'connection-failed' });
          this.host.failedToConnect();
        },
      },
    });
    this.live = session;
    this.host.log('ice-plan', `starts ${session.icePlan.start}${session.icePlan.widens ? ', widens to all' : ''}`);
    const early = this.earlySignals.get(callId) ?? [];
    this.earlySignals.clear();
    for (const { seq, data } of early) session.applyRemoteSignal(seq, data);
    return session;
  }

  /** A signal from the other side, for the call it names. */
  applyRemoteSignal(callId: string, seq: number, data: SignalData): RemoteSignalOutcome {
    if (this.live?.callId === callId) return this.live.applyRemoteSignal(seq, data) ? 'applied' : 'duplicate';
    if (this.finishedCallIds.has(callId)) return 'stale';
    // A signal can only precede its call-start across a reconnect; hold it until the call exists.
    const queue = this.earlySignals.get(callId) ?? [];
    if (queue.length < MAX_EARLY_SIGNALS) queue.push({ seq, data });
    this.earlySignals.set(callId, queue);
    return 'held';
  }

  replaceTrack(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, stream: MediaStream): void {
    this.live?.replaceTrack(oldTrack, newTrack, stream);
  }

  evidence(): IceEvidence | null {
    return this.live?.evidence() ?? null;
  }

  /** Tears the live call down (no event of it fires afterwards) and remembers its id as finished. */
  close(): CallSession | null {
    const call = this.live;
    if (!call) return null;
    this.live = null;
    this.peerConnected = false;
    this.upReported = false;
    this.liveRemoteStream = null;
    if (this.remoteCloseTimer) clearTimeout(this.remoteCloseTimer);
    this.remoteCloseTimer = null;
    this.finishedCallIds.add(call.callId);
    call.close();
    return call;
  }

  private reportIfUp(callId: string): void {
    if (this.live?.callId !== callId || !this.peerConnected || !this.liveRemoteStream || this.upReported) return;
    this.upReported = true;
    this.host.up(callId);
  }

  private onRemoteClosed(callId: string): void {
    this.host.log('peer-closed', callId);
    // Closed while away from the relay (reloading, its app or network gone): it may come back within its
    // grace period, so wait for it, as for a broken call.
    const awayFromRelay = (): boolean => this.host.hasConnected() && this.host.otherSideAway();
    if (awayFromRelay()) {
      this.host.broke('the other side closed its connection');
      return;
    }
    // The relay usually says why (hang-up, replaced) within milliseconds; give it that long.
    this.remoteCloseTimer = setTimeout(() => {
      this.remoteCloseTimer = null;
      if (this.live?.callId !== callId) return;
      if (awayFromRelay()) this.host.broke('the other side closed its connection');
      else this.host.peerLeft();
    }, this.options.remoteCloseGraceMs);
  }
}
