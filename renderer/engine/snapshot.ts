/** What the views render: the engine's state as one immutable object, replaced on every change. */
import type { Role, WaitingPatient } from '../../signaling/protocol';
import type { LowBandwidthState } from './bandwidth-policy';
import type { ChatState } from './chat';
import type { Diagnosis } from './diagnosis';
import type { MediaFailure } from './media';
import type { Phase } from './phase';
import type { MediaState } from './room-messages';
import { LOCAL_SHARE_OFF, type LocalShare, type RemoteShare } from './screen-share';
import type { SignInState } from './staff-sign-in';
import type { RelayStatus } from './transport';

/** Why the last call ended. The failures ('failed' phase) are the last three. */
export type CallEndReason =
  | 'hang-up'
  | 'remote-hang-up'
  | 'peer-left'
  | 'consultation-closed'
  | 'left'
  /** IT revoked the clinician's sign-in: the relay closed the socket and the consultation. */
  | 'access-revoked'
  | 'connection-failed'
  | 'relay-lost'
  | 'media-error';

export const FAILURES: ReadonlySet<CallEndReason> = new Set(['connection-failed', 'relay-lost', 'media-error']);

export interface PeerInfo {
  id: string;
  name: string;
  role: Role;
  present: boolean;
}

/**
 * An invite this clinician made: one patient's single-use, expiring way in. The secret (the link) and the short
 * code are shown to the clinician to pass on; the relay keeps only their hashes.
 */
export interface CreatedInvite {
  id: string;
  /** Whom the clinician invited, if they said. */
  expectedName: string | null;
  /** Epoch ms after which the relay refuses it. */
  expiresAt: number;
  /** For dictation: XXXX-XXXX. */
  shortCode: string;
  /** The link's secret (43 characters, base64url). */
  secret: string;
  /** The web page that redeems it, when the relay serves the web app; desktop links are built by the view. */
  joinUrl: string | null;
}

/** Why something failed, for the person to read: `code` is the relay's error code (or one of the app's own). */
export interface Refusal {
  code: string;
  message: string;
}

export interface EngineSnapshot extends SignInState {
  phase: Phase;
  role: Role | null;
  selfName: string | null;
  consultation: { id: string; clinicianName: string } | null;
  /** Clinician: the invites made in this consultation (on this page), oldest first. */
  invites: CreatedInvite[];
  /** Clinician: everyone in the waiting room, in arrival order. */
  waitingRoom: WaitingPatient[];
  /** Patient: whether the clinician is connected to the relay. */
  clinicianPresent: boolean;
  /** Patient: the clinician's last note to the waiting room ("running 5 minutes late"), until the call starts. */
  waitingNote: { text: string; sentAt: number } | null;
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
  /** This side's choices, held across device switches and call restarts: false = muted / camera off. */
  micEnabled: boolean;
  cameraEnabled: boolean;
  /**
   * What the other side of the call said of its microphone and camera on the call's data channel (null until
   * it says; kept across a restart with the same person).
   */
  remoteMedia: MediaState | null;
  /** Chat with the person in the call (chat.ts): memory only, for this consultation. */
  chat: ChatState;
  /** The call stayed poor: the video cap and the audio-only offer (bandwidth-policy.ts). */
  lowBandwidth: LowBandwidthState;
  /** This side's screen share (screen-share.ts): off, the picker open, or sharing; and why it cannot start. */
  localShare: LocalShare;
  /** The other side's shared screen, shown large while they share (null otherwise). */
  remoteShare: RemoteShare | null;
  /** The last refusal from the relay, for the person to read. */
  relayError: Refusal | null;
  /** Patient: why the relay (or this device) refused the last join: an invite used elsewhere, expired, unknown, … */
  joinError: Refusal | null;
  iceConnectionState: string | null;
  /** While a broken call is being restarted: which attempt this is (0 otherwise). */
  recoveryAttempt: number;
  /** Why the last call could not connect, from evidence (null unless it failed to connect). */
  diagnosis: Diagnosis | null;
}

export const INITIAL_SNAPSHOT: EngineSnapshot = {
  phase: 'idle',
  role: null,
  selfName: null,
  consultation: null,
  invites: [],
  waitingRoom: [],
  clinicianPresent: false,
  waitingNote: null,
  peer: null,
  callId: null,
  relay: 'closed',
  localStream: null,
  remoteStream: null,
  endReason: null,
  mediaError: null,
  devices: { cameraId: null, microphoneId: null, audioOnly: false },
  mediaNotice: null,
  micEnabled: true,
  cameraEnabled: true,
  remoteMedia: null,
  chat: { messages: [], unread: 0 },
  lowBandwidth: { videoCapKbps: null, offerAudioOnly: false, audioOnly: false },
  localShare: LOCAL_SHARE_OFF,
  remoteShare: null,
  relayError: null,
  joinError: null,
  iceConnectionState: null,
  recoveryAttempt: 0,
  diagnosis: null,
  signIn: 'loading',
  staff: null,
  signInError: null,
};

/** Everything in the snapshot but the phase, which only `go` changes. */
export type SnapshotPatch = Partial<Omit<EngineSnapshot, 'phase'>>;
