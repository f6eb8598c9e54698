/**
 * The consultation engine: framework-free, one owned state machine.
 *
 *   idle ─startPreview─▶ previewing ─create/join─▶ waiting ─call-start─▶ connecting ─▶ connected
 *                                                     ▲                       │            │   ▲
 *                                                     │                       │   (broke)  ▼   │ (restarted)
 *                                                     │                       │        reconnecting
 *                                                     └──── (admit again) ── ended | failed ◀┘
 *
 * Invariants that make the classic failures impossible:
 * - local media exists before a consultation is entered, so every peer is created with its tracks and
 *   the first offer carries them;
 * - exactly one peer per call (a duplicate call-start for the current call is ignored), and only the
 *   clinician initiates, as the relay decides;
 * - signals are applied only to the call they name; those that arrive before their call are held and
 *   replayed in order; those of finished calls are dropped;
 * - teardown removes every listener before destroying the peer;
 * - a call that had connected and breaks is restarted through the relay (new call id, fresh peers, same
 *   local media) a bounded number of times; one that never connected ends with a diagnosis instead.
 */
import type {
  IceSettings,
  EndReason as RelayEndReason,
  Role,
  ServerMessage,
  ServerMessageOf,
  SignalData,
  WaitingPatient,
} from '../../signaling/protocol';
import { CallSession } from './call-session';
import { type Diagnosis, diagnoseConnectionFailure } from './diagnosis';
import { type DeviceKind, LocalMedia, type LocalMediaState } from './local-media';
import type { GetUserMedia, MediaFailure } from './media';
import type { PeerFactory } from './peer';
import { CallRecovery } from './recovery';
import { Timeline, type TimelineEntry } from './timeline';
import type { RelayStatus, SignalingTransport } from './transport';

export type Phase = 'idle' | 'previewing' | 'waiting' | 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'failed';

/** Phases in which a call is on screen (its peer exists or is being replaced). */
export function isCallPhase(phase: Phase): boolean {
  return phase === 'connecting' || phase === 'connected' || phase === 'reconnecting';
}

/** Why the last call ended. The failures ('failed' phase) are the last three. */
export type CallEndReason =
  | 'hang-up'
  | 'remote-hang-up'
  | 'peer-left'
  | 'consultation-closed'
  | 'left'
  | 'connection-failed'
  | 'relay-lost'
  | 'media-error';

const FAILURES: ReadonlySet<CallEndReason> = new Set(['connection-failed', 'relay-lost', 'media-error']);

export interface PeerInfo {
  id: string;
  name: string;
  role: Role;
  present: boolean;
}

export interface EngineSnapshot {
  phase: Phase;
  role: Role | null;
  selfName: string | null;
  consultation: { code: string; joinUrl: string | null; clinicianName: string } | null;
  /** Clinician: everyone in the waiting room, in arrival order. */
  waitingRoom: WaitingPatient[];
  /** Patient: whether the clinician is connected to the relay. */
  clinicianPresent: boolean;
  /** The other participant of the current (or last) call. */
  peer: PeerInfo | null;
  callId: string | null;
  relay: RelayStatus;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  endReason: CallEndReason | null;
  mediaError: MediaFailure | null;
  /** Devices in use (browser deviceIds), and whether this side sends audio only. */
  devices: { cameraId: string | null; microphoneId: string | null; audioOnly: boolean };
  /** A device change nobody asked for (unplugged camera replaced by the default one). */
  mediaNotice: string | null;
  /** The last refusal from the relay, for the person to read (e.g. an unknown code). */
  relayError: { code: string; message: string } | null;
  iceConnectionState: string | null;
  /** While a broken call is being restarted: which attempt this is (0 otherwise). */
  recoveryAttempt: number;
  /** Why the last call could not connect, from evidence (null unless it failed to connect). */
  diagnosis: Diagnosis | null;
}

export interface StoredSession {
  resumeToken: string;
  role: Role;
}

/** Where the resume token survives a page reload (the browser's sessionStorage: per window). */
export interface SessionStore {
  load(): StoredSession | null;
  save(session: StoredSession): void;
  clear(): void;
}

export interface EngineDeps {
  transport: SignalingTransport;
  getUserMedia: GetUserMedia;
  /** The person's saved camera/microphone; used when present, the default device otherwise. */
  preferredDevices?: { cameraId: string | null; microphoneId: string | null };
  createPeer: PeerFactory;
  sessionStore?: SessionStore;
  /**
   * How long to wait, after the remote peer closes, for the relay to say why (a hang-up message races the
   * peer's own close) before calling it "peer left".
   */
  remoteCloseGraceMs?: number;
  /** How long ICE may stay `disconnected` (it often heals itself) before the call is restarted. */
  disconnectedGraceMs?: number;
  /** Restarts of a broken call before giving up. */
  maxRecoveryAttempts?: number;
  /** How long a restart may take to connect before it counts as failed and the next one begins. */
  recoveryTimeoutMs?: number;
  /** When a relay-first call tries direct paths too, if it has not connected / once it has (ice-policy.ts). */
  widenDeadlineMs?: number;
  widenAfterConnectMs?: number;
  timeline?: Timeline;
}

const INITIAL: EngineSnapshot = {
  phase: 'idle',
  role: null,
  selfName: null,
  consultation: null,
  waitingRoom: [],
  clinicianPresent: false,
  peer: null,
  callId: null,
  relay: 'closed',
  localStream: null,
  remoteStream: null,
  endReason: null,
  mediaError: null,
  devices: { cameraId: null, microphoneId: null, audioOnly: false },
  mediaNotice: null,
  relayError: null,
  iceConnectionState: null,
  recoveryAttempt: 0,
  diagnosis: null,
};

const MAX_EARLY_SIGNALS = 100;

type Intent = { type: 'create'; name: string } | { type: 'join'; code: string; name: string } | { type: 'resume'; token: string };

export class ConsultEngine {
  readonly timeline: Timeline;
  private snapshot: EngineSnapshot = INITIAL;
  private readonly listeners = new Set<() => void>();
  private readonly deps: EngineDeps;
  private call: CallSession | null = null;
  private callConnected = false;
  private readonly media: LocalMedia;
  /** Signals that arrived before their call-start, by call id. */
  private readonly earlySignals = new Map<string, { seq: number; data: SignalData }[]>();
  private readonly finishedCallIds = new Set<string>();
  /** What to say to the relay each time the socket (re)opens. */
  private intent: Intent | null = null;
  private resumeToken: string | null = null;
  private remoteCloseTimer: ReturnType<typeof setTimeout> | null = null;
  /** ICE servers and policy from the relay's last welcome (fresh TURN credentials each time). */
  private ice: IceSettings = { iceServers: [], iceTransportPolicy: 'all' };
  private readonly unsubscribeTransport: () => void;
  /** The current call (or its predecessor, restarted) has connected since the clinician admitted. */
  private wasConnected = false;
  /** Restarts a call that had connected and broke (see recovery.ts). */
  private readonly recovery: CallRecovery;

  constructor(deps: EngineDeps) {
    this.deps = deps;
    this.timeline = deps.timeline ?? new Timeline();
    this.media = new LocalMedia({
      getUserMedia: deps.getUserMedia,
      ...(deps.preferredDevices ? { preferred: deps.preferredDevices } : {}),
      onChange: (state) => this.onMediaChange(state),
      // A live call sends the new camera/microphone at once, without renegotiation.
      onTrackReplaced: (oldTrack, newTrack, stream) => this.call?.replaceTrack(oldTrack, newTrack, stream),
      log: (event, detail) => this.log(event, detail),
    });
    this.recovery = new CallRecovery(
      {
        disconnectedGraceMs: deps.disconnectedGraceMs ?? 4000,
        maxAttempts: deps.maxRecoveryAttempts ?? 3,
        attemptTimeoutMs: deps.recoveryTimeoutMs ?? 10_000,
      },
      {
        liveCallId: () => this.call?.callId ?? null,
        requestRestart: (callId) => this.send({ type: 'restart', callId }),
        peerPresent: () => this.snapshot.peer?.present !== false,
        stillDisconnected: (callId) => this.call?.callId === callId && this.snapshot.iceConnectionState === 'disconnected',
        attempting: (attempt) => this.update({ phase: 'reconnecting', recoveryAttempt: attempt }),
        giveUp: (callId) => {
          this.send({ type: 'hang-up', callId, reason: 'connection-failed' });
          this.finishCall('connection-failed');
        },
        log: (event, detail) => this.log(event, detail),
      },
    );
    this.unsubscribeTransport = deps.transport.subscribe({
      message: (message) => this.onRelayMessage(message),
      status: (status, detail) => this.onRelayStatus(status, detail),
    });
  }

  // ---- reading ---------------------------------------------------------------------------------------------

  getSnapshot = (): EngineSnapshot => this.snapshot;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Round-trip time of the relay heartbeat, ms (null before the first pong). */
  get relayRttMs(): number | null {
    return this.deps.transport.rttMs;
  }

  /** The ICE servers the relay gave this participant (empty before the welcome or when none are configured). */
  get iceSettings(): IceSettings {
    return this.ice;
  }

  get peerConnection(): RTCPeerConnection | null {
    return this.call?.connection ?? null;
  }

  timelineEntries(): readonly TimelineEntry[] {
    return this.timeline.list();
  }

  // ---- actions ---------------------------------------------------------------------------------------------

  /** Starts the camera and microphone (idempotent). Resolves with the stream, or null when media failed. */
  startPreview(options: { audioOnly?: boolean } = {}): Promise<MediaStream | null> {
    return this.media.start(options);
  }

  /** Switches camera or microphone, also in a call (the other side keeps decoding). */
  useDevice(kind: DeviceKind, deviceId: string): Promise<boolean> {
    return this.media.useDevice(kind, deviceId);
  }

  dismissMediaNotice(): void {
    this.media.dismissNotice();
  }

  /** Clinician: opens a consultation. */
  async create(name: string): Promise<boolean> {
    return this.enter({ type: 'create', name });
  }

  /** Patient: enters the waiting room of the consultation with this code. */
  async join(code: string, name: string): Promise<boolean> {
    return this.enter({ type: 'join', code, name });
  }

  /** Takes back the place saved before a reload, if any. Returns false when there was none. */
  async restore(): Promise<boolean> {
    const stored = this.deps.sessionStore?.load() ?? null;
    if (!stored) return false;
    this.log('restoring', stored.role);
    this.update({ role: stored.role });
    return this.enter({ type: 'resume', token: stored.resumeToken });
  }

  admit(patientId: string): void {
    if (this.snapshot.role !== 'clinician') return;
    if (this.call) return; // one call at a time; the relay refuses it too
    this.log('admit', patientId);
    this.send({ type: 'admit', patientId });
  }

  hangUp(): void {
    const callId = this.snapshot.callId;
    if (!callId || !this.call) return;
    this.send({ type: 'hang-up', callId });
    this.finishCall('hang-up');
  }

  /** Leaves the consultation for good (a clinician leaving closes it for everyone). */
  leave(): void {
    if (this.call) this.finishCall('left');
    this.send({ type: 'leave' });
    this.forgetSession();
    this.intent = null;
    this.update({ phase: 'ended', endReason: 'left', consultation: null, waitingRoom: [], peer: null });
    this.deps.transport.close();
  }

  /** Called by the view when the remote video shows its first frame (timing and diagnostics). */
  noteFirstRemoteFrame(): void {
    if (this.snapshot.callId) this.log('first-remote-frame', this.snapshot.callId);
  }

  /** Uses a camera/microphone stream another engine already opened (the relay changed; no new prompt). */
  adoptPreview(stream: MediaStream): void {
    this.media.adopt(stream);
  }

  /** Ends everything. `keepMedia` leaves the camera running for the engine that takes over. */
  dispose(options: { keepMedia?: boolean } = {}): void {
    if (this.call) this.finishCall('left');
    this.recovery.stop();
    this.unsubscribeTransport();
    this.deps.transport.close();
    if (!options.keepMedia) this.media.stop();
    this.listeners.clear();
  }

  // ---- relay -----------------------------------------------------------------------------------------------

  private async enter(intent: Intent): Promise<boolean> {
    const stream = await this.startPreview();
    if (!stream) return false; // media first, always: no consultation without tracks to send
    this.intent = intent;
    this.update({ relayError: null, selfName: intent.type === 'resume' ? this.snapshot.selfName : intent.name });
    if (this.deps.transport.status === 'open') this.sayIntent();
    else this.deps.transport.connect();
    return true;
  }

  private sayIntent(): void {
    const intent = this.intent;
    if (!intent) return;
    const token = this.resumeToken ?? (intent.type === 'resume' ? intent.token : null);
    if (token) this.send({ type: 'resume', resumeToken: token, callId: this.call ? this.call.callId : null });
    else if (intent.type === 'create') this.send({ type: 'create', name: intent.name });
    else if (intent.type === 'join') this.send({ type: 'join', code: intent.code, name: intent.name });
  }

  private onMediaChange(state: LocalMediaState): void {
    this.update({
      localStream: state.stream,
      mediaError: state.error,
      devices: { cameraId: state.cameraId, microphoneId: state.microphoneId, audioOnly: state.audioOnly },
      mediaNotice: state.notice,
      phase: state.stream && this.snapshot.phase === 'idle' ? 'previewing' : this.snapshot.phase,
    });
  }

  private onRelayStatus(status: RelayStatus, detail: string): void {
    if (status !== this.snapshot.relay) this.log(`relay-${status}`, detail);
    this.update({ relay: status });
    if (status === 'open') this.sayIntent();
    if (status === 'closed' && this.intent) {
      // The relay is gone for good. A call whose media already flows peer to peer goes on; anything else fails.
      if (this.snapshot.phase !== 'connected') {
        // includes 'reconnecting': a restart needs the relay
        if (this.call) this.finishCall('relay-lost');
        else this.update({ phase: 'failed', endReason: 'relay-lost' });
      }
    }
  }

  private onRelayMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        return this.onWelcome(message);
      case 'waiting-room':
        this.update({ waitingRoom: message.patients });
        return;
      case 'presence':
        return this.onPresence(message);
      case 'call-start':
        return this.onCallStart(message.callId, message.initiator, message.peer);
      case 'signal':
        return this.onSignal(message.callId, message.seq, message.data);
      case 'call-ended':
        return this.onCallEnded(message.callId, message.reason, message.by);
      case 'consultation-closed':
        this.log('consultation-closed', message.reason);
        if (this.call) this.finishCall('consultation-closed');
        this.forgetSession();
        this.intent = null;
        this.update({ phase: 'ended', endReason: 'consultation-closed', consultation: null, waitingRoom: [] });
        return;
      case 'error':
        return this.onRelayError(message);
      case 'pong':
        return;
    }
  }

  private onWelcome(message: ServerMessageOf<'welcome'>): void {
    this.resumeToken = message.self.resumeToken;
    this.ice = message.ice;
    this.deps.sessionStore?.save({ resumeToken: message.self.resumeToken, role: message.self.role });
    this.log('welcome', `${message.self.role}; ICE: ${describeIce(message.ice)}`);
    // A call the relay does not (yet) know goes on: media flows peer to peer, and after a relay restart the
    // relay takes the call back once the other side resumes too. If it really ended, the peer closes.
    if (this.call && message.call?.callId !== this.call.callId) this.log('call-unknown-to-relay', this.call.callId);
    const phase: Phase = this.call || this.isAfterCall() ? this.snapshot.phase : 'waiting';
    this.update({
      phase,
      role: message.self.role,
      selfName: message.self.name,
      consultation: { code: message.consultation.code, joinUrl: message.joinUrl, clinicianName: message.consultation.clinicianName },
      relayError: null,
    });
    this.recovery.relayBack();
  }

  private onPresence(message: ServerMessageOf<'presence'>): void {
    const peer = this.snapshot.peer;
    const patch: Partial<EngineSnapshot> = {};
    if (message.role === 'clinician' && this.snapshot.role === 'patient') patch.clinicianPresent = message.present;
    if (peer && peer.id === message.participantId && peer.present !== message.present) {
      this.log(message.present ? 'peer-back' : 'peer-away', peer.id); // ids, not names: timelines get exported
      patch.peer = { ...peer, present: message.present };
    }
    this.update(patch);
    // A recovery that was waiting for the other side: it is back, so the broken call can be restarted.
    if (message.present && peer?.id === message.participantId) this.recovery.peerBack();
  }

  private onCallStart(callId: string, initiator: boolean, peer: { id: string; name: string; role: Role }): void {
    if (this.call?.callId === callId) return; // duplicate: exactly one peer per call
    if (this.finishedCallIds.has(callId)) return;
    const localStream = this.snapshot.localStream;
    if (this.call) this.finishCall('hang-up', { silent: true });
    this.log('call-start', `${callId} ${initiator ? 'initiator' : 'responder'} with ${peer.role}`);
    if (!localStream) {
      // Cannot happen through the UI (media comes first); refuse loudly rather than offer without tracks.
      this.send({ type: 'hang-up', callId, reason: 'connection-failed' });
      this.update({ phase: 'failed', endReason: 'media-error', callId });
      return;
    }
    this.callConnected = false;
    if (!this.recovery.active) this.wasConnected = false;
    this.update({
      phase: this.recovery.active ? 'reconnecting' : 'connecting',
      callId,
      peer: { ...peer, present: true },
      remoteStream: null,
      endReason: null,
      diagnosis: null,
      iceConnectionState: 'new',
    });
    const session: CallSession = new CallSession({
      callId,
      initiator,
      localStream,
      iceServers: this.ice.iceServers,
      iceTransportPolicy: this.ice.iceTransportPolicy,
      createPeer: this.deps.createPeer,
      widenDeadlineMs: this.deps.widenDeadlineMs,
      widenAfterConnectMs: this.deps.widenAfterConnectMs,
      // The relay drops signals for someone offline: both ends must be connected to it.
      canSignal: () => this.deps.transport.status === 'open' && this.snapshot.peer?.present === true,
      events: {
        signal: (data) => {
          this.log('signal-out', data.type);
          this.send({ type: 'signal', callId, seq: session.nextSeq(), data });
        },
        connected: () => {
          this.log('peer-connected', callId);
          this.callConnected = true;
          this.promoteIfConnected();
        },
        remoteStream: (stream) => {
          this.log(
            'remote-stream',
            stream
              .getTracks()
              .map((t) => t.kind)
              .join('+'),
          );
          this.update({ remoteStream: stream });
          this.promoteIfConnected();
        },
        iceState: (ice) => {
          this.log('ice-state', ice);
          this.update({ iceConnectionState: ice });
          if (this.wasConnected) this.recovery.iceState(callId, ice);
        },
        widened: (reason) => this.log('ice-widened', reason),
        remoteClosed: () => {
          this.log('peer-closed', callId);
          // Closed while away from the relay (reloading, its app or network gone): it may come back within
          // its grace period, so wait for it, as for a broken call.
          const awayFromRelay = (): boolean => this.wasConnected && this.snapshot.peer?.present === false;
          if (awayFromRelay()) {
            this.recovery.broke('the other side closed its connection');
            return;
          }
          // The relay usually says why (hang-up, replaced) within milliseconds; give it that long.
          this.remoteCloseTimer = setTimeout(() => {
            this.remoteCloseTimer = null;
            if (this.call?.callId !== callId) return;
            if (awayFromRelay()) this.recovery.broke('the other side closed its connection');
            else this.finishCall('peer-left');
          }, this.deps.remoteCloseGraceMs ?? 1500);
        },
        failed: (code, text) => {
          this.log('peer-failed', `${code}: ${text}`);
          if (this.wasConnected) {
            this.recovery.broke(`peer failed (${code})`);
            return;
          }
          this.send({ type: 'hang-up', callId, reason: 'connection-failed' });
          this.failToConnect();
        },
      },
    });
    this.call = session;
    this.log('ice-plan', `starts ${session.icePlan.start}${session.icePlan.widens ? ', widens to all' : ''}`);
    const early = this.earlySignals.get(callId) ?? [];
    this.earlySignals.clear();
    for (const { seq, data } of early) session.signal(seq, data);
  }

  private onSignal(callId: string, seq: number, data: SignalData): void {
    if (this.call?.callId === callId) {
      this.log(this.call.signal(seq, data) ? 'signal-in' : 'signal-duplicate', `${data.type} #${seq}`);
      return;
    }
    if (this.finishedCallIds.has(callId)) return;
    // A signal can only precede its call-start across a reconnect; hold it until the call exists.
    const queue = this.earlySignals.get(callId) ?? [];
    if (queue.length < MAX_EARLY_SIGNALS) queue.push({ seq, data });
    this.earlySignals.set(callId, queue);
  }

  private onCallEnded(callId: string, reason: RelayEndReason, by: Role | null): void {
    if (this.call?.callId !== callId) return;
    this.log('call-ended', `${reason}${by ? ` by ${by}` : ''}`);
    if (reason === 'replaced') {
      // The relay restarts the call at once (a restart, or someone reloaded); a new call-start follows.
      this.finishCall('hang-up', { silent: true });
      if (this.wasConnected) this.recovery.restartedByRelay('the call was restarted');
      this.update({ phase: this.recovery.active ? 'reconnecting' : 'connecting' });
      return;
    }
    if (reason === 'connection-failed' && !this.wasConnected) {
      this.failToConnect();
      return;
    }
    const mapped: CallEndReason = reason === 'hang-up' ? 'remote-hang-up' : reason;
    this.finishCall(mapped);
  }

  private onRelayError(message: ServerMessageOf<'error'>): void {
    this.log('relay-error', `${message.code}: ${message.message}`);
    // Only a repeated create/join/resume can get this: the first one already placed us.
    if (message.code === 'ALREADY_JOINED') return;
    if (message.code === 'INVALID_RESUME' || (message.ref === 'resume' && message.code === 'UNKNOWN_CONSULTATION')) {
      this.forgetSession();
      this.intent = null;
      if (this.call && this.snapshot.phase === 'connected') {
        // The relay forgot us (e.g. restarted with another secret), but media flows peer to peer: the call
        // goes on until someone hangs up; only the next call needs a new consultation.
        this.update({
          relayError: {
            code: message.code,
            message: 'The clinic server restarted; this call continues, but a new call needs a new consultation.',
          },
        });
        return;
      }
      this.update({
        phase: this.snapshot.localStream ? 'previewing' : 'idle',
        consultation: null,
        role: null,
        relayError: { code: message.code, message: message.message },
      });
      return;
    }
    if (message.ref === 'join' || message.ref === 'create') {
      this.intent = null;
      this.update({ relayError: { code: message.code, message: message.message } });
      return;
    }
    if (message.code === 'CALL_IN_PROGRESS') return; // a repeated admit: the call is already on its way
    this.update({ relayError: { code: message.code, message: message.message } });
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  private promoteIfConnected(): void {
    const phase = this.snapshot.phase;
    if (!this.callConnected || !this.snapshot.remoteStream || (phase !== 'connecting' && phase !== 'reconnecting')) return;
    this.log('connected', this.snapshot.callId ?? '');
    this.wasConnected = true;
    this.recovery.recovered();
    this.update({ phase: 'connected', recoveryAttempt: 0 });
  }

  /** The call never connected: say why, from what each side gathered. */
  private failToConnect(): void {
    const call = this.call;
    if (!call) return;
    const urls = this.ice.iceServers.flatMap((server) => server.urls);
    const diagnosis = diagnoseConnectionFailure(
      call.evidence({
        stun: urls.some((url) => url.startsWith('stun')),
        turn: urls.some((url) => url.startsWith('turn')),
        relayOnly: this.ice.iceTransportPolicy === 'relay',
      }),
    );
    this.log('diagnosis', `${diagnosis.code}: ${diagnosis.summary}`);
    this.finishCall('connection-failed');
    this.update({ diagnosis });
  }

  private finishCall(reason: CallEndReason, options: { silent?: boolean } = {}): void {
    const call = this.call;
    if (!call) return;
    this.call = null;
    this.callConnected = false;
    if (this.remoteCloseTimer) clearTimeout(this.remoteCloseTimer);
    this.remoteCloseTimer = null;
    this.finishedCallIds.add(call.callId);
    call.close();
    this.recovery.callClosed();
    if (options.silent) return;
    this.recovery.stop();
    this.wasConnected = false;
    this.log(FAILURES.has(reason) ? 'call-failed' : 'call-finished', reason);
    this.update({
      phase: FAILURES.has(reason) ? 'failed' : 'ended',
      endReason: reason,
      remoteStream: null,
      iceConnectionState: null,
      recoveryAttempt: 0,
    });
  }

  private isAfterCall(): boolean {
    return this.snapshot.phase === 'ended' || this.snapshot.phase === 'failed';
  }

  private forgetSession(): void {
    this.resumeToken = null;
    this.deps.sessionStore?.clear();
  }

  private send(message: Parameters<SignalingTransport['send']>[0]): boolean {
    const sent = this.deps.transport.send(message);
    if (!sent) this.log('relay-send-failed', message.type);
    return sent;
  }

  private log(event: string, detail?: string): void {
    this.timeline.add(event, detail);
  }

  private update(patch: Partial<EngineSnapshot>): void {
    let changed = false;
    for (const key of Object.keys(patch) as (keyof EngineSnapshot)[]) {
      if (this.snapshot[key] !== patch[key]) changed = true;
    }
    if (!changed) return;
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}

/** For the timeline: which kinds of ICE server the relay gave us, never credentials. */
function describeIce(ice: IceSettings): string {
  const urls = ice.iceServers.flatMap((server) => server.urls);
  if (urls.length === 0) return 'none (LAN only)';
  const kinds = [...new Set(urls.map((url) => url.split(':')[0]))].join('+');
  return `${kinds}${ice.iceTransportPolicy === 'relay' ? ', relay only' : ''}`;
}
