/**
 * The consultation engine: framework-free; React only renders its snapshot.
 *
 * It owns the phase, and changes it in one place (`go`), through the pure transition table of phase.ts, whose
 * header is the diagram. The rest is delegated: clinic staff sign-in (the device credential, and proving it to
 * each new socket before anything else is said) to `StaffSignIn`, our place at the relay to `RelaySession`, each call's
 * lifecycle (signals in and out, early and stale signals, what a peer's close means) to `Calls`, restarting a
 * broken call to `CallRecovery`, the camera and microphone to `LocalMedia`, and a patient's device key (the
 * proof that it is the device its invite was redeemed on) to `PatientDevice`.
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
import { checkedNote } from '../../signaling/names';
import {
  type ClientMessageBody,
  CloseCode,
  ErrorCode,
  formatCode,
  type IceSettings,
  inviteSecret,
  LIMITS,
  type EndReason as RelayEndReason,
  type Role,
  type ServerMessage,
  type ServerMessageOf,
  type SignalData,
  type StaffMember,
  shortCode,
} from '../../signaling/protocol';
import { applyWaitingRoom } from '../../signaling/waiting-room';
import { BandwidthGuard, type QualityReading } from './bandwidth-policy';
import type { CallSession } from './call-session';
import { Calls } from './calls';
import { ChatRoom, type ChatSendOutcome } from './chat';
import { diagnoseConnectionFailure } from './diagnosis';
import { type DeviceKind, LocalMedia, type LocalMediaState } from './local-media';
import type { GetUserMedia } from './media';
import { MemoryPatientKeyStore, PatientDevice, type PatientKeyStore } from './patient-device';
import type { PeerFactory } from './peer';
import { hasConnected, isCallPhase, type PhaseEvent, transition } from './phase';
import { CallRecovery } from './recovery';
import { classifyRelayError, type Intent, type InviteKey, RelaySession, type SessionStore } from './relay-session';
import { PendingReplies } from './replies';
import { encodeRoomMessage, type MediaState, parseRoomMessage } from './room-messages';
import { browserDisplayMedia, DEFAULT_SHARE_POLICY, type GetDisplayMedia, ScreenShare } from './screen-share';
import { selectedPath } from './selected-path';
import {
  type CallEndReason,
  type CreatedInvite,
  type EngineSnapshot,
  FAILURES,
  INITIAL_SNAPSHOT,
  type Refusal,
  type SnapshotPatch,
} from './snapshot';
import { asSentence, MemoryCredentialStore, SignInFailure, type StaffCredentialStore, StaffSignIn } from './staff-sign-in';
import { Timeline, type TimelineEntry } from './timeline';
import type { RelayStatus, SignalingTransport } from './transport';
import { type Verification, verificationCode } from './verification-code';

export type { QualityReading } from './bandwidth-policy';
export type { ChatDelivery, ChatMessage, ChatSendOutcome, ChatState } from './chat';
export type { PatientKeyStore } from './patient-device';
export { isCallPhase, type Phase } from './phase';
export type { InviteKey, SessionStore, StoredSession } from './relay-session';
export type { MediaState } from './room-messages';
export type { CallEndReason, CreatedInvite, EngineSnapshot, PeerInfo, Refusal } from './snapshot';
export type { SignInStatus, StaffCredential, StaffCredentialStore } from './staff-sign-in';

export interface EngineDeps {
  transport: SignalingTransport;
  getUserMedia: GetUserMedia;
  /** The person's saved camera/microphone; used when present, the default device otherwise. */
  preferredDevices?: { cameraId: string | null; microphoneId: string | null };
  createPeer: PeerFactory;
  sessionStore?: SessionStore;
  /** This device's clinic staff credential for this relay; without one, sign-ins are forgotten on reload. */
  staffCredentials?: StaffCredentialStore;
  /** This device's patient key for this relay; without one, a reload is another device to the relay. */
  patientKeys?: PatientKeyStore;
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
  /** Screen capture for screen share (screen-share.ts); default: the page's getDisplayMedia, null where there is none. */
  getDisplayMedia?: GetDisplayMedia | null;
  /** Wraps the other side's screen track for a <video>; default: `new MediaStream([track])`. */
  streamOf?: (track: MediaStreamTrack) => MediaStream;
}

/** What came of asking the relay for an invite. */
export type InviteOutcome = { ok: true; invite: CreatedInvite } | ({ ok: false } & Refusal);
/** What came of a note to a waiting patient: delivered to their screen, or why not. */
export type NoteOutcome = { ok: true } | ({ ok: false } & Refusal);

/** Codes of refusals the relay never sends, beside protocol.ts's ErrorCode and SignInFailure. */
export const EngineFailure = {
  /** No socket to the relay (or it went before the answer came). */
  RELAY_UNREACHABLE: SignInFailure.RELAY_UNREACHABLE,
  DEVICE_KEY_FAILED: SignInFailure.DEVICE_KEY_FAILED,
} as const;

const RELAY_UNREACHABLE: InviteOutcome = {
  ok: false,
  code: EngineFailure.RELAY_UNREACHABLE,
  message: 'The clinic server could not be reached. Check the connection and try again.',
};

/** How long a note to the waiting room waits for the relay to say it arrived. */
const NOTE_TIMEOUT_MS = 10_000;
const NOTE_TIMEOUT: NoteOutcome = {
  ok: false,
  code: EngineFailure.RELAY_UNREACHABLE,
  message: 'The clinic server did not confirm the note. It may not have been shown; try again.',
};

/** How long the pre-call check waits for its TURN credentials. */
const PRECALL_ICE_TIMEOUT_MS = 5000;
/** Unreadable data channel messages logged per call; the rest are dropped without a word. */
const MAX_LOGGED_IGNORED = 10;
/** After connecting, when to look again at the call's path (a relay-first call widens after 1 s). */
const PATH_SETTLE_MS = 5000;

export class ConsultEngine {
  readonly timeline: Timeline;
  private snapshot: EngineSnapshot = INITIAL_SNAPSHOT;
  private readonly listeners = new Set<() => void>();
  private readonly media: LocalMedia;
  private readonly relay: RelaySession;
  private readonly signIn: StaffSignIn;
  private readonly device: PatientDevice;
  /** `invite` and `precall-ice` are answered in order on the socket that asked. */
  private readonly inviteReplies = new PendingReplies<InviteOutcome>();
  private readonly precallReplies = new PendingReplies<IceSettings | null>();
  private readonly noteReplies = new PendingReplies<NoteOutcome>();
  private readonly calls: Calls;
  /** Restarts a call that had connected and broke (see recovery.ts). */
  private readonly recovery: CallRecovery;
  /** Chat on the call's data channel (chat.ts), and the low-bandwidth cap and offer (bandwidth-policy.ts). */
  private readonly chat: ChatRoom;
  private readonly bandwidth: BandwidthGuard;
  /** This side's screen share and the other side's (screen-share.ts). */
  private readonly share: ScreenShare;
  private readonly unsubscribeTransport: () => void;

  constructor(private readonly deps: EngineDeps) {
    this.timeline = deps.timeline ?? new Timeline();
    this.media = new LocalMedia({
      getUserMedia: deps.getUserMedia,
      ...(deps.preferredDevices ? { preferred: deps.preferredDevices } : {}),
      onChange: (state) => this.onMediaChange(state),
      // A live call sends the new camera/microphone (or, camera off, nothing) at once, without renegotiation.
      onTrackReplaced: (oldTrack, newTrack, stream) => this.calls.current?.replaceTrack(oldTrack, newTrack, stream),
      log: (event, detail) => this.log(event, detail),
    });
    this.device = new PatientDevice({
      store: deps.patientKeys ?? new MemoryPatientKeyStore(),
      log: (event, detail) => this.log(event, detail),
    });
    this.relay = new RelaySession({
      send: (message) => this.send(message),
      sessionStore: deps.sessionStore,
      liveCallId: () => this.liveCallId(),
      prove: (challenge) => this.device.prove(challenge),
      currentChallenge: () => this.signIn.currentChallenge,
      unprovable: () =>
        this.update({
          joinError: {
            code: EngineFailure.DEVICE_KEY_FAILED,
            message: 'This browser could not make or use its device key, so it cannot join. Try again, or use another browser.',
          },
        }),
    });
    this.signIn = new StaffSignIn({
      store: deps.staffCredentials ?? new MemoryCredentialStore(),
      send: (message) => this.send(message),
      connect: () => deps.transport.connect(),
      changed: (state) => this.update(state),
      log: (event, detail) => this.log(event, detail),
    });
    this.calls = new Calls(
      {
        createPeer: deps.createPeer,
        remoteCloseGraceMs: deps.remoteCloseGraceMs ?? 1500,
        widenDeadlineMs: deps.widenDeadlineMs,
        widenAfterConnectMs: deps.widenAfterConnectMs,
      },
      {
        send: (message) => this.send(message),
        log: (event, detail) => this.log(event, detail),
        up: () => this.onCallUp(),
        remoteStream: (stream) => this.update({ remoteStream: stream }),
        iceState: (callId, ice) => {
          this.update({ iceConnectionState: ice });
          if (hasConnected(this.snapshot.phase)) this.recovery.iceState(callId, ice);
        },
        hasConnected: () => hasConnected(this.snapshot.phase),
        otherSideAway: () => this.snapshot.peer?.present === false,
        canSignal: () => this.deps.transport.status === 'open' && this.snapshot.peer?.present === true,
        broke: (reason) => this.recovery.broke(reason),
        failedToConnect: () => this.failToConnect(),
        peerLeft: () => this.finishCall('peer-left'),
      },
    );
    this.recovery = new CallRecovery(
      {
        disconnectedGraceMs: deps.disconnectedGraceMs ?? 4000,
        maxAttempts: deps.maxRecoveryAttempts ?? 3,
        attemptTimeoutMs: deps.recoveryTimeoutMs ?? 10_000,
      },
      {
        liveCallId: () => this.liveCallId(),
        requestRestart: (callId) => this.send({ type: 'restart', callId }),
        peerPresent: () => this.snapshot.peer?.present !== false,
        stillDisconnected: (callId) => this.liveCallId() === callId && this.snapshot.iceConnectionState === 'disconnected',
        attempting: (attempt) => this.go('call-broke', { recoveryAttempt: attempt }),
        giveUp: (callId) => {
          this.send({ type: 'hang-up', callId, reason: 'connection-failed' });
          this.finishCall('connection-failed');
        },
        log: (event, detail) => this.log(event, detail),
      },
    );
    this.chat = new ChatRoom({
      send: (text) => this.calls.current?.send(text) ?? false,
      changed: (chat) => this.update({ chat }),
      log: (event, detail) => this.log(event, detail),
    });
    this.share = new ScreenShare({
      getDisplayMedia: deps.getDisplayMedia === undefined ? browserDisplayMedia() : deps.getDisplayMedia,
      streamOf: deps.streamOf ?? ((track) => new MediaStream([track])),
      changed: (localShare, remoteShare) => this.update({ localShare, remoteShare }),
      log: (event, detail) => this.log(event, detail),
    });
    this.bandwidth = new BandwidthGuard({
      connection: () => this.peerConnection,
      changed: (lowBandwidth) => this.update({ lowBandwidth }),
      log: (event, detail) => this.log(event, detail),
    });
    this.unsubscribeTransport = deps.transport.subscribe({
      message: (message) => this.onRelayMessage(message),
      status: (status, detail, closeCode) => this.onRelayStatus(status, detail, closeCode),
      log: (event, detail) => this.log(event, detail),
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

  get peerConnection(): RTCPeerConnection | null {
    return this.calls.current?.connection ?? null;
  }

  /**
   * The live call's verification code (verification-code.ts), from the descriptions in effect: the same on both
   * sides unless something in between swapped the DTLS fingerprints. ICE restarts keep it; a restarted call
   * (new peer, new certificates) gets a new one. No code before the call is connected.
   */
  verificationCode(): Promise<Verification> {
    const connection = this.snapshot.phase === 'connected' ? this.peerConnection : null;
    const local = connection?.currentLocalDescription ?? connection?.localDescription ?? null;
    const remote = connection?.currentRemoteDescription ?? connection?.remoteDescription ?? null;
    return verificationCode(local?.sdp ?? null, remote?.sdp ?? null);
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
  switchDevice(kind: DeviceKind, deviceId: string): Promise<boolean> {
    return this.media.switchDevice(kind, deviceId);
  }

  /**
   * Shares a screen or window with the person in the call (the browser's picker, or the desktop app's): true once
   * sharing. False when it cannot (the snapshot's `localShare.refusal` says why: cancelled, not allowed, …).
   */
  startScreenShare(): Promise<boolean> {
    return this.share.start();
  }

  /** Stops sharing the screen; the other side goes back to the camera. */
  stopScreenShare(): void {
    this.share.stop('app');
  }

  dismissMediaNotice(): void {
    this.media.dismissNotice();
  }

  /** Mutes (false) or unmutes this side; the other side is told on the call's data channel. */
  setMicEnabled(on: boolean): void {
    this.media.setMicEnabled(on);
  }

  /**
   * Turns the camera off (its light goes off, the call sends no video) or on again; the other side is told.
   * False when the camera could not start again (the snapshot's mediaError says why).
   */
  async setCameraEnabled(on: boolean): Promise<boolean> {
    const done = await this.media.setCameraEnabled(on);
    if (on && done) this.bandwidth.cameraOn(); // turning the camera on leaves audio only
    return done;
  }

  /**
   * Sends a chat message to the person in the call (at most MAX_CHAT_CHARS characters; never cut). While the
   * call's channel is closed (a restart) it waits and goes when the channel opens again.
   */
  sendChat(text: string): ChatSendOutcome {
    if (!this.calls.current) return { ok: false, code: 'CHAT_NO_CALL', message: 'There is no call to send it to.' };
    return this.chat.send(text);
  }

  /** The person has seen the chat (its panel is open): no unread badge. */
  markChatRead(): void {
    this.chat.read();
  }

  /** One reading of the call's quality indicator (about once a second, from the diagnostics collector). */
  noteConnectionQuality(reading: QualityReading): void {
    if (this.snapshot.phase === 'connected') this.bandwidth.reading(reading);
  }

  /** The connection stayed poor: stop sending video (the camera goes off), keep receiving. */
  async switchToAudioOnly(): Promise<boolean> {
    const done = await this.media.setCameraEnabled(false);
    if (done) this.bandwidth.audioOnlyChosen();
    return done;
  }

  dismissAudioOnlyOffer(): void {
    this.bandwidth.dismissOffer();
  }

  /** Clinic staff, the first time on this device: redeems IT's one-time enrollment code. True once signed in. */
  enroll(code: string): Promise<boolean> {
    return this.signIn.enroll(code.trim());
  }

  /** Forgets this device's staff sign-in (and revokes it at the relay when this socket is signed in with it). */
  signOut(): void {
    this.signIn.signOut();
  }

  /** Whom this device signs in as on this relay, once its stored credential was read (null: nobody). */
  storedStaff(): Promise<StaffMember | null> {
    return this.signIn.storedStaff();
  }

  /** Signed-in staff: opens a consultation, under the name IT enrolled them with. */
  async create(): Promise<boolean> {
    return this.enter({ type: 'create' });
  }

  /**
   * Patient: enters the waiting room on an invite (the link's secret, or the short code read out), under the
   * name they give; this device's key signs for the seat. A malformed invite is refused here, without asking.
   */
  async join(invite: InviteKey, name: string): Promise<boolean> {
    const checked = checkInvite(invite);
    if ('code' in checked) {
      this.update({ joinError: checked, relayError: null });
      return false;
    }
    return this.enter({ type: 'join', invite: checked, name: name.trim() });
  }

  /** Takes back the place saved before a reload, if any. Returns false when there was none. */
  async restore(): Promise<boolean> {
    const stored = this.relay.stored();
    if (!stored) return false;
    this.log('restoring', stored.role);
    this.update({ role: stored.role });
    return this.enter({ type: 'resume', token: stored.resumeToken, role: stored.role });
  }

  /**
   * Clinician: asks the relay for a single-use invite for one patient (`expectedName` is whom they expect, or
   * null), valid for `ttlMinutes` (the relay's default: 24 hours). The invite joins the snapshot's list.
   */
  async invite(expectedName: string | null, ttlMinutes?: number): Promise<InviteOutcome> {
    if (this.snapshot.role !== 'clinician' || !this.snapshot.consultation) {
      return { ok: false, code: ErrorCode.NOT_JOINED, message: 'Open a consultation first.' };
    }
    const name = expectedName?.trim() || null;
    if (name !== null && name.length > LIMITS.maxDisplayNameLength) {
      return { ok: false, code: ErrorCode.BAD_MESSAGE, message: `A name has at most ${LIMITS.maxDisplayNameLength} characters.` };
    }
    // Said on a socket whose sign-in and seat were said first (the relay handles a socket's messages in order).
    if (this.deps.transport.status !== 'open' || !this.signIn.greeted) return RELAY_UNREACHABLE;
    const reply = this.inviteReplies.wait(RELAY_UNREACHABLE);
    if (!this.send({ type: 'invite', expectedName: name, ...(ttlMinutes === undefined ? {} : { ttlMinutes }) })) {
      this.inviteReplies.cancelAll(RELAY_UNREACHABLE);
    }
    return reply;
  }

  /**
   * ICE servers with short-lived TURN credentials for the pre-call check (staff, or a seated patient); null when
   * the relay cannot be asked or does not answer. Calls get their own with each call-start.
   */
  async precallIce(): Promise<IceSettings | null> {
    if (this.deps.transport.status !== 'open' || !this.signIn.greeted) return null;
    const reply = this.precallReplies.wait(null, PRECALL_ICE_TIMEOUT_MS);
    if (!this.send({ type: 'precall-ice' })) this.precallReplies.cancelAll(null);
    return reply;
  }

  /** Clinician: a short note to one waiting patient, shown in their waiting room (the relay keeps none). */
  async sendWaitingNote(patientId: string, text: string): Promise<NoteOutcome> {
    if (this.snapshot.role !== 'clinician') return { ok: false, code: ErrorCode.WRONG_ROLE, message: 'Only the clinician sends notes.' };
    const checked = checkedNote(text);
    if (!checked.ok) return { ok: false, code: ErrorCode.BAD_MESSAGE, message: asSentence(checked.problem, 'The note cannot be sent.') };
    if (this.deps.transport.status !== 'open' || !this.signIn.greeted) return RELAY_UNREACHABLE;
    // Answered in order on this socket; a refusal without a ref (a socket-wide rate limit) would leave it
    // unanswered, so it gives up after a while rather than leave the form "sending".
    const reply = this.noteReplies.wait(NOTE_TIMEOUT, NOTE_TIMEOUT_MS);
    if (!this.send({ type: 'waiting-note', patientId, text: checked.text })) this.noteReplies.cancelAll(RELAY_UNREACHABLE);
    return reply;
  }

  admit(patientId: string): void {
    if (this.snapshot.role !== 'clinician') return;
    if (this.calls.current) return; // one call at a time; the relay refuses it too
    this.log('admit', patientId);
    this.send({ type: 'admit', patientId });
  }

  hangUp(): void {
    const callId = this.liveCallId();
    if (!callId) return;
    this.send({ type: 'hang-up', callId });
    this.finishCall('hang-up');
  }

  /** Leaves the consultation for good (a clinician leaving closes it for everyone). */
  leave(): void {
    this.finishCall('left');
    this.send({ type: 'leave' });
    this.relay.forget();
    this.go('left', { endReason: 'left', consultation: null, invites: [], waitingRoom: [], peer: null });
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
    this.finishCall('left');
    this.recovery.stop();
    this.signIn.dispose();
    this.unsubscribeTransport();
    this.deps.transport.close();
    if (!options.keepMedia) this.media.stop();
    this.listeners.clear();
  }

  // ---- the relay -------------------------------------------------------------------------------------------

  private async enter(intent: Intent): Promise<boolean> {
    const stream = await this.startPreview();
    if (!stream) return false; // media first, always: no consultation without tracks to send
    this.relay.want(intent);
    const selfName =
      intent.type === 'join' ? intent.name : intent.type === 'create' ? (this.snapshot.staff?.name ?? null) : this.snapshot.selfName;
    this.update({ relayError: null, joinError: null, selfName });
    // On a socket whose hello is answered, say it now; otherwise the next hello's answer says it.
    const challenge = this.signIn.currentChallenge;
    if (challenge !== null) this.relay.sayIntent(challenge);
    else this.deps.transport.connect();
    return true;
  }

  private onRelayStatus(status: RelayStatus, detail: string, closeCode?: number): void {
    const previous = this.snapshot.relay;
    if (status !== previous) this.log(`relay-${status}`, detail);
    this.update({ relay: status });
    if (status === 'open') return; // the relay's hello comes next, and answering it says the intent
    // Answers to this socket's requests can no longer come.
    this.inviteReplies.cancelAll(RELAY_UNREACHABLE);
    this.precallReplies.cancelAll(null);
    this.noteReplies.cancelAll(RELAY_UNREACHABLE);
    if (status === 'closed') this.signIn.relayGone();
    else this.signIn.socketGone();
    if (closeCode === CloseCode.STAFF_REVOKED) {
      this.accessRevoked();
      return;
    }
    // The relay is gone for good. A call whose media already flows peer to peer goes on; anything else fails
    // ('reconnecting' included: a restart needs the relay).
    if (status === 'closed' && this.relay.wanted && this.snapshot.phase !== 'connected') {
      if (this.calls.current) this.finishCall('relay-lost');
      else {
        this.recovery.stop();
        this.go('relay-lost', { endReason: 'relay-lost', recoveryAttempt: 0 });
      }
    }
  }

  private onRelayMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'hello':
        this.signIn.hello(message.challenge, () => this.relay.sayIntent(message.challenge));
        break;
      case 'signed-in':
        this.signIn.signedIn(message);
        break;
      case 'signed-out':
        this.signIn.signedOut();
        break;
      case 'welcome':
        this.onWelcome(message);
        break;
      case 'waiting-room':
      case 'waiting-room-changes':
        this.update({ waitingRoom: applyWaitingRoom(this.snapshot.waitingRoom, message) });
        break;
      case 'waiting-note':
        this.log('waiting-note'); // never its text: timelines get exported
        this.update({ waitingNote: { text: message.text, sentAt: message.sentAt } });
        break;
      case 'waiting-note-sent':
        this.noteReplies.answer({ ok: true });
        break;
      case 'presence':
        this.onPresence(message);
        break;
      case 'call-start':
        if (this.snapshot.waitingNote) this.update({ waitingNote: null }); // it was about the wait, which is over
        this.onCallStart(message);
        break;
      case 'invite-created':
        this.onInviteCreated(message);
        break;
      case 'precall-ice':
        this.precallReplies.answer(message.ice);
        break;
      case 'signal':
        this.onRemoteSignal(message.callId, message.seq, message.data);
        break;
      case 'call-ended':
        this.onCallEnded(message.callId, message.reason, message.by);
        break;
      case 'consultation-closed':
        this.log('consultation-closed', message.reason);
        this.finishCall('consultation-closed');
        this.relay.forget();
        this.go('left', { endReason: 'consultation-closed', consultation: null, invites: [], waitingRoom: [] });
        break;
      case 'error':
        this.onRelayError(message);
        break;
      case 'pong':
        break;
    }
  }

  private onWelcome(message: ServerMessageOf<'welcome'>): void {
    this.relay.welcomed(message);
    this.log('welcome', message.self.role);
    // A call the relay does not (yet) know goes on: media flows peer to peer, and after a relay restart the
    // relay takes the call back once the other side resumes too. If it really ended, the peer closes.
    const callId = this.liveCallId();
    if (callId && message.call?.callId !== callId) this.log('call-unknown-to-relay', callId);
    if (!callId && !message.call && (this.snapshot.phase === 'connecting' || this.snapshot.phase === 'reconnecting')) {
      // Away between a replaced call and its successor, and meanwhile the other side hung up or left: no
      // call-start will come.
      this.recovery.stop();
      this.go('call-gone', { recoveryAttempt: 0 });
    }
    this.go('entered', {
      role: message.self.role,
      selfName: message.self.name,
      consultation: { id: message.consultation.id, clinicianName: message.consultation.clinicianName },
      relayError: null,
      joinError: null,
    });
    this.recovery.relayBack();
  }

  private onInviteCreated(message: ServerMessageOf<'invite-created'>): void {
    const invite: CreatedInvite = { ...message.invite, joinUrl: message.joinUrl };
    this.log('invite-created', invite.id); // ids only: timelines get exported
    this.update({ invites: [...this.snapshot.invites, invite] });
    // Nobody waits for it when the request was sent twice: the invite is valid all the same, and listed.
    this.inviteReplies.answer({ ok: true, invite });
  }

  private onPresence(message: ServerMessageOf<'presence'>): void {
    const peer = this.snapshot.peer;
    const patch: SnapshotPatch = {};
    if (message.role === 'clinician' && this.snapshot.role === 'patient') patch.clinicianPresent = message.present;
    if (peer && peer.id === message.participantId && peer.present !== message.present) {
      this.log(message.present ? 'peer-back' : 'peer-away', peer.id); // ids, not names: timelines get exported
      patch.peer = { ...peer, present: message.present };
    }
    this.update(patch);
    // A recovery that was waiting for the other side: it is back, so the broken call can be restarted.
    if (message.present && peer?.id === message.participantId) this.recovery.peerBack();
  }

  private onRelayError(error: ServerMessageOf<'error'>): void {
    this.log('relay-error', `${error.code}: ${error.message}`);
    const relayError = { code: error.code, message: error.message };
    switch (classifyRelayError(error)) {
      case 'harmless':
        return;
      case 'seat-lost':
        this.relay.forget();
        if (this.snapshot.phase === 'connected') {
          // The relay forgot us (e.g. restarted with another secret), but media flows peer to peer: the call
          // goes on until someone hangs up; only the next call needs a new consultation.
          const message = 'The clinic server restarted; this call continues, but a new call needs a new consultation.';
          this.update({ relayError: { code: error.code, message } });
          return;
        }
        this.closeCall(); // a call still setting up cannot finish without the relay
        this.recovery.stop();
        this.go('seat-lost', { consultation: null, invites: [], role: null, relayError });
        return;
      case 'refused':
        this.relay.refused();
        // A create refused for want of a sign-in that was itself just refused: the sign-in error says why.
        if (error.code !== ErrorCode.NOT_SIGNED_IN || this.snapshot.signInError === null) this.update({ relayError });
        return;
      case 'join-refused':
        this.relay.refused();
        this.update({ joinError: { code: error.code, message: asSentence(error.message, 'The clinic server did not let you in.') } });
        return;
      case 'invite-refused':
        this.inviteReplies.answer({
          ok: false,
          code: error.code,
          message: asSentence(error.message, 'The clinic server could not make the invite.'),
        });
        return;
      case 'precall-refused':
        this.precallReplies.answer(null);
        return;
      case 'note-refused':
        this.noteReplies.answer({ ok: false, code: error.code, message: asSentence(error.message, 'The note was not sent.') });
        return;
      case 'sign-in-refused':
        this.signIn.refused(error);
        return;
      case 'credential-revoked':
        this.signIn.revoked(error.code === ErrorCode.STAFF_REVOKED ? ErrorCode.STAFF_REVOKED : ErrorCode.CREDENTIAL_INVALID);
        return;
      case 'show':
        this.update({ relayError });
        return;
    }
  }

  /**
   * IT revoked this staff member or device: the relay closed the socket (for good) and the consultation this
   * clinician ran, for its patients too. The credential is forgotten and the clinician is back at the start.
   */
  private accessRevoked(): void {
    this.signIn.revoked(ErrorCode.STAFF_REVOKED);
    if (!this.relay.wanted && this.snapshot.consultation === null) return; // signed in, but in no consultation
    this.finishCall('access-revoked');
    this.recovery.stop();
    this.relay.forget();
    this.go('left', { endReason: 'access-revoked', consultation: null, invites: [], waitingRoom: [], peer: null });
  }

  // ---- the call --------------------------------------------------------------------------------------------

  private onCallStart({ callId, initiator, peer, ice, policy }: ServerMessageOf<'call-start'>): void {
    if (this.calls.isKnown(callId)) return; // a duplicate: exactly one peer per call
    const from = this.snapshot.phase;
    if (transition(from, 'call-started') === null) {
      this.log('phase-illegal', `call-started in ${from}; call ${callId} refused`);
      // Said to the relay, so the other side ends the call at once instead of waiting for ICE to give up.
      this.send({ type: 'hang-up', callId, reason: 'connection-failed' });
      return;
    }
    this.closeCall();
    this.log('call-start', `${callId} ${initiator ? 'initiator' : 'responder'} with ${peer.role}; ICE: ${describeIce(ice)}`);
    const localStream = this.snapshot.localStream;
    if (!localStream) {
      // Cannot happen through the UI (media comes first); refuse loudly rather than offer without tracks.
      this.send({ type: 'hang-up', callId, reason: 'connection-failed' });
      this.go('call-failed', { endReason: 'media-error', callId });
      return;
    }
    if (this.snapshot.peer?.id !== peer.id) {
      this.chat.clear(); // a chat is with one person
      this.share.stop('call-ended'); // and so is a screen share
    }
    this.go('call-started', {
      callId,
      peer: { ...peer, present: true },
      remoteStream: null,
      endReason: null,
      diagnosis: null,
      iceConnectionState: 'new',
      // A restart with the same person keeps what they said until their new call says it again.
      ...(this.snapshot.peer?.id === peer.id ? {} : { remoteMedia: null }),
    });
    // This call's own ICE: TURN credentials come with each call-start (a restart brings fresh ones).
    const session = this.calls.start({ callId, initiator, localStream, ice });
    this.listenToRoom(session);
    this.share.attach(session, { role: this.snapshot.role, peerRole: peer.role, policy: policy ?? DEFAULT_SHARE_POLICY });
  }

  // ---- the room: what the two sides say on the call's data channel (room-messages.ts) ---------------------

  /** The session's listeners go with it (CallSession.close), so a finished call's channel is never heard. */
  private listenToRoom(session: CallSession): void {
    this.ignoredRoomMessages = 0;
    session.onChannel({
      // State, not events: saying it again on every open is harmless, and nothing said before is lost.
      open: () => {
        this.sendMediaState(session);
        this.chat.channelOpened(); // what was written while it was closed, or never acknowledged
        this.share.channelOpened();
      },
      message: (text) => this.onRoomMessage(text),
    });
  }

  /** What the other side must show of us: a camera that is off, or absent (audio only), is off. */
  private localMediaState(): MediaState {
    const stream = this.snapshot.localStream;
    const camera = this.snapshot.cameraEnabled && (stream?.getVideoTracks().some((track) => track.readyState === 'live') ?? false);
    return { mic: this.snapshot.micEnabled, camera };
  }

  private sendMediaState(session: CallSession | null = this.calls.current): void {
    if (!session) return;
    const state = this.localMediaState();
    if (session.send(encodeRoomMessage({ type: 'media-state', ...state }))) {
      this.log('media-state-out', `mic ${state.mic ? 'on' : 'muted'}, camera ${state.camera ? 'on' : 'off'}`);
    }
  }

  private onRoomMessage(text: string): void {
    const parsed = parseRoomMessage(text);
    if (!parsed.ok) {
      // A newer peer's message (unknown type or version) is ignored; a malformed one is only logged, a few per
      // call (a flood must not push the call's story out of the timeline). Types and reasons only: never a
      // message's content, timelines get exported.
      this.ignoredRoomMessages += 1;
      if (this.ignoredRoomMessages > MAX_LOGGED_IGNORED) return;
      this.log('room-message-ignored', `${parsed.reason}${parsed.type ? ` (${parsed.type.slice(0, 64)})` : ''}`);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'media-state': {
        const previous = this.snapshot.remoteMedia;
        if (previous?.mic === message.mic && previous.camera === message.camera) return;
        this.log('media-state-in', `mic ${message.mic ? 'on' : 'muted'}, camera ${message.camera ? 'on' : 'off'}`);
        this.update({ remoteMedia: { mic: message.mic, camera: message.camera } });
        return;
      }
      case 'chat':
        this.chat.received(message);
        return;
      case 'share-state':
        this.share.received(message);
        return;
      case 'chat-ack':
        this.chat.acknowledged(message.id);
        return;
    }
  }

  private onRemoteSignal(callId: string, seq: number, data: SignalData): void {
    const outcome = this.calls.applyRemoteSignal(callId, seq, data);
    if (outcome === 'applied') this.log('signal-in', `${data.type} #${seq}`);
    else if (outcome === 'duplicate') this.log('signal-duplicate', `${data.type} #${seq}`);
  }

  private onCallEnded(callId: string, reason: RelayEndReason, by: Role | null): void {
    if (this.liveCallId() !== callId) return;
    this.log('call-ended', `${reason}${by ? ` by ${by}` : ''}`);
    if (reason === 'replaced') {
      // The relay restarts the call at once (a restart, or someone reloaded); a new call-start follows.
      this.closeCall();
      if (hasConnected(this.snapshot.phase)) this.recovery.restartedByRelay('the call was restarted');
      this.go('call-replaced');
      return;
    }
    if (reason === 'connection-failed' && !hasConnected(this.snapshot.phase)) {
      this.failToConnect();
      return;
    }
    this.finishCall(reason === 'hang-up' ? 'remote-hang-up' : reason);
  }

  private onCallUp(): void {
    this.log('connected', this.snapshot.callId ?? '');
    this.recovery.recovered();
    this.go('call-up', { recoveryAttempt: 0 });
    const callId = this.snapshot.callId;
    if (callId) {
      void this.reportPath(callId, null);
      // A relay-first call may move to a direct path once ICE widens (ice-policy.ts): report where it settled.
      setTimeout(() => void this.reportPath(callId, this.reportedPath), PATH_SETTLE_MS);
    }
  }

  private reportedPath: string | null = null;

  /** Tells the relay (for the clinic's record) which kinds of candidates the call connected through. */
  private async reportPath(callId: string, previous: string | null): Promise<void> {
    const connection = this.peerConnection;
    if (!connection || this.snapshot.callId !== callId) return;
    const path = selectedPath(await connection.getStats().catch(() => new Map() as unknown as RTCStatsReport));
    if (!path || this.snapshot.callId !== callId) return;
    const text = `${path.local}/${path.remote}`;
    if (text === previous) return;
    this.reportedPath = text;
    this.log('path', text);
    this.send({ type: 'call-path', callId, ...path });
  }

  /** The call never connected: say why, from what each side gathered. */
  private failToConnect(): void {
    const evidence = this.calls.evidence();
    if (!evidence) return;
    const diagnosis = diagnoseConnectionFailure(evidence);
    this.log('diagnosis', `${diagnosis.code}: ${diagnosis.summary}`);
    this.finishCall('connection-failed', { diagnosis });
  }

  /** Ends the live call for good (no-op without one). */
  private finishCall(reason: CallEndReason, extra: SnapshotPatch = {}): void {
    if (!this.closeCall()) return;
    this.recovery.stop();
    this.chat.callFinished();
    this.share.stop('call-ended');
    const failure = FAILURES.has(reason);
    this.log(failure ? 'call-failed' : 'call-finished', reason);
    this.go(failure ? 'call-failed' : 'call-ended', {
      endReason: reason,
      remoteStream: null,
      remoteMedia: null,
      iceConnectionState: null,
      recoveryAttempt: 0,
      ...extra,
    });
  }

  /** Tears the live call down without ending the phase (it is being replaced). False when there was none. */
  private closeCall(): boolean {
    if (!this.calls.close()) return false;
    this.share.detach(); // a share in progress goes on with the next call of a restart
    this.recovery.callClosed();
    this.bandwidth.peerChanged(); // the cap went with the peer; the next one sends uncapped, counted afresh
    return true;
  }

  private liveCallId(): string | null {
    return this.calls.current?.callId ?? null;
  }

  // ---- state -----------------------------------------------------------------------------------------------

  private onMediaChange(state: LocalMediaState): void {
    const patch: SnapshotPatch = {
      localStream: state.stream,
      mediaError: state.error,
      devices: { cameraId: state.cameraId, microphoneId: state.microphoneId, audioOnly: state.audioOnly },
      mediaNotice: state.notice,
      micEnabled: state.micEnabled,
      cameraEnabled: state.cameraEnabled,
    };
    if (state.stream && this.snapshot.phase === 'idle') this.go('media-ready', patch);
    else this.update(patch);
    // Compared with what it was, not with the old snapshot: the stream's tracks have already changed under it.
    const now = this.localMediaState();
    if (now.mic === this.lastLocalMedia.mic && now.camera === this.lastLocalMedia.camera) return;
    this.lastLocalMedia = now;
    // The other side sees a change within a message's flight time (nothing to renegotiate).
    this.sendMediaState();
  }

  /** What the other side was last told of us (or would have been, had a call been up). */
  private lastLocalMedia: MediaState = { mic: true, camera: true };
  /** Messages of this call's data channel that were not taken (see onRoomMessage). */
  private ignoredRoomMessages = 0;

  /** The only way the phase changes: through the transition table (phase.ts). An illegal event is logged. */
  private go(event: PhaseEvent, patch: SnapshotPatch = {}): void {
    const from = this.snapshot.phase;
    const to = transition(from, event);
    if (to === null) {
      this.log('phase-illegal', `${event} in ${from}`);
      return;
    }
    if (to !== from) this.log('phase', `${from} -> ${to} (${event})`);
    if (event === 'left' || event === 'seat-lost') this.chat.clear(); // nothing of the chat outlives the consultation
    // Out of a call by any way (ended, failed, gone while being restarted, seat lost): the screen stops being
    // captured, so it can never go to the next call, perhaps with another patient, without a click.
    if (!isCallPhase(to)) this.share.stop('call-ended');
    const endsWait = event === 'left' || event === 'seat-lost';
    this.apply({ ...patch, ...(endsWait ? { waitingNote: null } : {}), phase: to });
  }

  private update(patch: SnapshotPatch): void {
    this.apply(patch);
  }

  private apply(patch: Partial<EngineSnapshot>): void {
    let changed = false;
    for (const key of Object.keys(patch) as (keyof EngineSnapshot)[]) {
      if (this.snapshot[key] !== patch[key]) changed = true;
    }
    if (!changed) return;
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  private send(message: ClientMessageBody): boolean {
    const sent = this.deps.transport.send(message);
    if (!sent) this.log('relay-send-failed', message.type);
    return sent;
  }

  private log(event: string, detail?: string): void {
    this.timeline.add(event, detail);
  }
}

/** For the timeline: which kinds of ICE server the relay gave us, never credentials. */
function describeIce(ice: IceSettings): string {
  const urls = ice.iceServers.flatMap((server) => server.urls);
  if (urls.length === 0) return 'none (LAN only)';
  const kinds = [...new Set(urls.map((url) => url.split(':')[0]))].join('+');
  return `${kinds}${ice.iceTransportPolicy === 'relay' ? ', relay only' : ''}`;
}

/** An invite as the relay accepts it (a short code formatted XXXX-XXXX), or why it cannot be one. Pure. */
export function checkInvite(invite: InviteKey): InviteKey | Refusal {
  if ('secret' in invite) {
    const secret = inviteSecret.safeParse(invite.secret.trim());
    if (secret.success) return { secret: secret.data };
    return { code: ErrorCode.INVITE_INVALID, message: 'This invite link is damaged. Open it again from the clinic’s message.' };
  }
  const code = shortCode.safeParse(invite.shortCode);
  if (code.success) return { shortCode: formatCode(code.data) };
  return { code: ErrorCode.INVITE_INVALID, message: 'An invite code has 8 letters and digits, like ABCD-2345. Check it and try again.' };
}
