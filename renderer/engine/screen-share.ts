/**
 * Screen share, either role: this side's share (off → requesting → sharing → off) and the other side's, shown large.
 *
 * How it travels: a second video track beside the camera, in a stream of its own, so the other side keeps seeing
 * the person while it sees the screen. The first share of a call renegotiates (simple-peer's addTrack: the initiator
 * offers; the other side sends `renegotiate`, then `transceiverRequest` when no m-line is free); stopping and sharing
 * again swap the track on that sender (replaceTrack, null to stop) and renegotiate nothing. Measured with simple-peer
 * 9.11.1 in Chromium 156 here (16 runs, one page, ordered signals with jitter): the initiator's share decodes on the
 * other side after one offer/answer, the other side's after two (three with the transceiver request), 0.8–4.7 s
 * under load, also when the initiator's relay-first ICE restart (ice-policy.ts) runs at the same moment, and with both
 * sides sharing at once. Replacing the camera instead would renegotiate nothing, but the other side would lose the
 * person's face, which a consultation needs.
 *
 * Which incoming video is the screen: the room's `share-state {sharing, mid}` (room-messages.ts). The mid names the
 * same m-line on both sides by definition; stream ids survive too (msid), receiver track ids only sometimes. Both
 * sides say their state when the channel opens, so a peer that never says it cannot show a screen (an older app)
 * and this side does not share to it. A call restart (recovery.ts: a new peer) keeps the capture: the new call
 * sends it once its channel is open.
 *
 * The OS's own "stop sharing" ends the captured track (`ended`): that stops the share as the app's button does.
 * `contentHint = 'detail'`: the encoder keeps resolution (text, X-rays) and gives up frame rate instead.
 *
 * Who may share: the clinician always; a patient unless the clinic's relay says otherwise (`call-start.policy`).
 * Media never passes the relay, so the check that matters is in the apps: this side does not offer to share, and
 * the receiving side does not show a share the policy does not allow.
 */
import type { Role } from '../../signaling/protocol';
import type { CallSession } from './call-session';
import { encodeRoomMessage, type ShareState } from './room-messages';
import type { Refusal } from './snapshot';

/** The browser's (or the desktop app's, through its picker) screen capture, started from the person's click. */
export type GetDisplayMedia = () => Promise<MediaStream>;

/** Stable codes of the refusals this module gives (the snapshot's `localShare.blocked` / `.refusal`). */
export const ShareFailure = {
  /** This browser cannot capture a screen (most phones). */
  UNSUPPORTED: 'SHARE_UNSUPPORTED',
  /** The clinic lets only staff share. */
  NOT_ALLOWED: 'SHARE_NOT_ALLOWED',
  /** No call whose channel is open. */
  NO_CALL: 'SHARE_NO_CALL',
  /** The other side's app never said it can show a shared screen. */
  PEER_CANNOT_SHOW: 'SHARE_PEER_CANNOT_SHOW',
  /** The person closed the picker without choosing. */
  CANCELLED: 'SHARE_CANCELLED',
  /** The operating system does not let this app record the screen. */
  BLOCKED_BY_SYSTEM: 'SHARE_BLOCKED_BY_SYSTEM',
  FAILED: 'SHARE_FAILED',
} as const;
export type ShareFailureCode = (typeof ShareFailure)[keyof typeof ShareFailure];

/** The clinic's rule for this call (signaling/protocol.ts `callPolicy`); absent from an older relay: everyone may. */
export interface SharePolicy {
  patientsMayShare: boolean;
}
export const DEFAULT_SHARE_POLICY: SharePolicy = { patientsMayShare: true };

export type LocalShareStatus = 'off' | 'requesting' | 'sharing';

export interface LocalShare {
  status: LocalShareStatus;
  /** Why this side cannot start sharing now (null: it can). */
  blocked: Refusal | null;
  /** Why the last start did not share, until the next start. */
  refusal: Refusal | null;
}

/** The other side's shared screen, while it shares and this side shows it. */
export interface RemoteShare {
  stream: MediaStream;
  mid: string;
}

const NO_CALL: Refusal = { code: ShareFailure.NO_CALL, message: 'Screen sharing starts once the call is connected.' };
export const LOCAL_SHARE_OFF: LocalShare = { status: 'off', blocked: NO_CALL, refusal: null };

/** Whether someone in `role` may share under `policy`. Pure. */
export function mayShare(role: Role | null, policy: SharePolicy): boolean {
  return role === 'clinician' || (role === 'patient' && policy.patientsMayShare);
}

export interface ShareConditions {
  supported: boolean;
  role: Role | null;
  policy: SharePolicy;
  /** The call's data channel is open. */
  channelOpen: boolean;
  /** The other side said its share state (it can show a screen). */
  peerCanShow: boolean;
}

/** Why this side cannot start sharing, or null. Pure; the order is what the person can do least about first. */
export function shareBlock(conditions: ShareConditions): Refusal | null {
  if (!conditions.supported) {
    return { code: ShareFailure.UNSUPPORTED, message: 'This browser cannot share a screen. Use a computer, or the Clinic Consult app.' };
  }
  if (!mayShare(conditions.role, conditions.policy)) {
    return { code: ShareFailure.NOT_ALLOWED, message: 'Your clinic lets only its staff share their screen.' };
  }
  if (!conditions.channelOpen) return NO_CALL;
  if (!conditions.peerCanShow) {
    return {
      code: ShareFailure.PEER_CANNOT_SHOW,
      message: 'The other person’s app cannot show a shared screen. They need to update Clinic Consult.',
    };
  }
  return null;
}

/** What a failed getDisplayMedia means to the person. Pure. */
export function describeShareError(err: unknown): Refusal {
  const name = (err as { name?: unknown } | null)?.name;
  const message = String((err as { message?: unknown } | null)?.message ?? '');
  // Chromium says NotAllowedError both for a closed picker and for the OS's refusal ("…denied by system").
  if (name === 'NotAllowedError' && /system/i.test(message)) {
    return {
      code: ShareFailure.BLOCKED_BY_SYSTEM,
      message:
        'Your computer does not let this app record the screen. On a Mac: System Settings > Privacy & Security > ' +
        'Screen & System Audio Recording, turn it on for this app (or your browser), then reopen it.',
    };
  }
  if (name === 'NotAllowedError' || name === 'AbortError') {
    return { code: ShareFailure.CANCELLED, message: 'Screen sharing was cancelled: nothing is shared.' };
  }
  if (name === 'NotSupportedError' || name === 'TypeError') {
    return { code: ShareFailure.UNSUPPORTED, message: 'This browser cannot share a screen. Use a computer, or the Clinic Consult app.' };
  }
  return { code: ShareFailure.FAILED, message: 'Your screen could not be shared. Try again, or choose another screen or window.' };
}

/** The page's own getDisplayMedia, or null where the browser has none (phones, old browsers). */
export function browserDisplayMedia(): GetDisplayMedia | null {
  const devices = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices;
  if (!devices || typeof devices.getDisplayMedia !== 'function') return null;
  // Video only; 15 fps is plenty for documents and images, and leaves bandwidth to the camera.
  return () => devices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
}

export type StopReason = 'app' | 'ended' | 'call-ended' | 'not-allowed';

export interface ScreenShareDeps {
  getDisplayMedia: GetDisplayMedia | null;
  /** The other side's screen track as a stream for a <video> (`new MediaStream([track])` in a browser). */
  streamOf(track: MediaStreamTrack): MediaStream;
  changed(local: LocalShare, remote: RemoteShare | null): void;
  log(event: string, detail?: string): void;
}

/** The call this share is on, and who is in it. */
export interface ShareCall {
  role: Role | null;
  peerRole: Role;
  policy: SharePolicy;
}

export class ScreenShare {
  private session: CallSession | null = null;
  private call: ShareCall | null = null;
  private unsubscribe: (() => void) | null = null;
  private channelOpen = false;
  private peerCanShow = false;
  private capture: { stream: MediaStream; track: MediaStreamTrack } | null = null;
  private status: LocalShareStatus = 'off';
  private refusal: Refusal | null = null;
  /** Counts starts and stops: a picker answered after a stop (or another start) is not shared. */
  private requests = 0;
  /** The track was added to this call's peer and its renegotiation has not finished: no mid to say yet. */
  private negotiating = false;
  /** What this side last said on this channel ("true:3", "false:"), so a repeat is not sent. */
  private said: string | null = null;
  /** The m-line the other side says its screen is on (null: not sharing). */
  private remoteMid: string | null = null;
  private remote: RemoteShare | null = null;
  private last: { local: LocalShare; remote: RemoteShare | null } = { local: LOCAL_SHARE_OFF, remote: null };

  constructor(private readonly deps: ScreenShareDeps) {}

  get local(): LocalShare {
    return this.last.local;
  }

  /** A new call, or a restarted one (a new peer): a share in progress goes on on it once its channel opens. */
  attach(session: CallSession, call: ShareCall): void {
    this.detach();
    this.session = session;
    this.call = call;
    this.unsubscribe = session.onNegotiated(() => this.onNegotiated(session));
    if (this.capture && !mayShare(call.role, call.policy)) this.stop('not-allowed');
    this.emit();
  }

  /** The call's peer is gone (ended, or being replaced by a restart): what was said on it is gone too. */
  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.session = null;
    this.channelOpen = false;
    this.peerCanShow = false;
    this.negotiating = false;
    this.said = null;
    this.remoteMid = null;
    if (this.remote) this.deps.log('remote-share-off', 'call closed');
    this.remote = null;
    this.emit();
  }

  /** The call's data channel opened: say this side's state, and send a share in progress on this call. */
  channelOpened(): void {
    const session = this.session;
    if (!session) return;
    this.channelOpen = true;
    this.said = null;
    if (this.capture) this.sendCapture(session);
    this.announce();
    this.emit();
  }

  /** The other side's share-state. */
  received(message: ShareState): void {
    const first = !this.peerCanShow;
    this.peerCanShow = true;
    const mid = message.sharing ? message.mid : null;
    if (mid !== null && this.call && !mayShare(this.call.peerRole, this.call.policy)) {
      this.deps.log('remote-share-refused', 'the clinic lets only staff share');
      if (first) this.emit();
      return;
    }
    if (mid === this.remoteMid) {
      if (first) this.emit();
      return;
    }
    this.remoteMid = mid;
    if (mid === null) {
      if (this.remote) this.deps.log('remote-share-off');
      this.remote = null;
      this.emit();
      return;
    }
    this.resolveRemote();
    this.emit();
  }

  /** Starts sharing: the browser's (or the app's) picker opens. True once sharing. */
  async start(): Promise<boolean> {
    if (this.status === 'sharing') return true;
    if (this.status === 'requesting') return false; // one picker at a time
    const blocked = this.blocked();
    const getDisplayMedia = this.deps.getDisplayMedia;
    if (blocked || !getDisplayMedia) {
      this.refusal = blocked ?? shareBlock({ ...this.conditions(), supported: false });
      this.deps.log('share-refused', this.refusal?.code);
      this.emit();
      return false;
    }
    const request = ++this.requests;
    this.status = 'requesting';
    this.refusal = null;
    this.deps.log('share-requested');
    this.emit();
    let stream: MediaStream;
    try {
      stream = await getDisplayMedia();
    } catch (err) {
      if (request !== this.requests) return false;
      this.status = 'off';
      this.refusal = describeShareError(err);
      this.deps.log('share-refused', this.refusal.code);
      this.emit();
      return false;
    }
    const track = stream.getVideoTracks()[0];
    if (request !== this.requests || !track) {
      // Stopped (or the call ended) while the picker was open, or nothing to send: nothing is captured.
      for (const t of stream.getTracks()) t.stop();
      if (request === this.requests) {
        this.status = 'off';
        this.refusal = describeShareError(null);
        this.deps.log('share-refused', this.refusal.code);
        this.emit();
      }
      return false;
    }
    for (const extra of stream.getTracks()) if (extra !== track) extra.stop(); // video only, whatever came
    track.contentHint = 'detail';
    // The OS's (or browser's) own "Stop sharing" ends the track; stop() from here does not fire it.
    track.addEventListener('ended', () => {
      if (this.capture?.track === track) this.stop('ended');
    });
    this.capture = { stream, track };
    this.status = 'sharing';
    this.deps.log('share-started');
    if (this.session && this.channelOpen) {
      this.sendCapture(this.session);
      this.announce();
    }
    this.emit();
    return true;
  }

  /** Stops sharing (or a picker still open): the other side goes back to the camera at once. */
  stop(reason: StopReason): void {
    this.requests += 1;
    const capture = this.capture;
    const was = this.status;
    this.capture = null;
    this.status = 'off';
    this.negotiating = false;
    if (capture) {
      this.session?.sendScreen(null, null); // the sender first: no frame of a stopping track goes out
      capture.track.stop();
    }
    if (was === 'off') return;
    this.deps.log('share-stopped', reason);
    this.announce();
    this.emit();
  }

  private sendCapture(session: CallSession): void {
    const capture = this.capture;
    if (!capture) return;
    const added = session.screenMid() === null;
    session.sendScreen(capture.track, capture.stream);
    // A first track renegotiates: its mid is said once that is done (onNegotiated), never before.
    this.negotiating = added;
  }

  private onNegotiated(session: CallSession): void {
    if (session !== this.session) return;
    if (this.negotiating && session.screenMid() !== null) this.negotiating = false;
    this.announce();
    const before = this.remote;
    this.resolveRemote();
    if (this.remote !== before) this.emit();
  }

  /** Says this side's state on the channel, unless it said the same already. */
  private announce(): void {
    const session = this.session;
    if (!session || !this.channelOpen) return;
    const sharing = this.capture !== null;
    const mid = sharing ? session.screenMid() : null;
    if (sharing && (mid === null || this.negotiating)) return; // said once the renegotiation is done
    const text = `${sharing}:${mid ?? ''}`;
    if (text === this.said) return;
    if (session.send(encodeRoomMessage({ type: 'share-state', sharing, mid }))) {
      this.said = text;
      this.deps.log('share-state-out', sharing ? `sharing on mid ${mid}` : 'not sharing');
    }
  }

  /** The other side's screen, from the track on the m-line it named (it may come with the next renegotiation). */
  private resolveRemote(): void {
    const mid = this.remoteMid;
    if (mid === null || !this.session) return;
    const track = this.session.receivedTrack(mid);
    if (!track || (this.remote?.mid === mid && this.remote.stream.getVideoTracks()[0] === track)) return;
    this.remote = { stream: this.deps.streamOf(track), mid };
    this.deps.log('remote-share-on', `mid ${mid}`);
  }

  private conditions(): ShareConditions {
    return {
      supported: this.deps.getDisplayMedia !== null,
      role: this.call?.role ?? null,
      policy: this.call?.policy ?? DEFAULT_SHARE_POLICY,
      channelOpen: this.session !== null && this.channelOpen,
      peerCanShow: this.peerCanShow,
    };
  }

  private blocked(): Refusal | null {
    return shareBlock(this.conditions());
  }

  private emit(): void {
    const previous = this.last.local;
    const blocked = this.status === 'off' ? this.blocked() : null;
    const local =
      previous.status === this.status && previous.refusal === this.refusal && sameRefusal(previous.blocked, blocked)
        ? previous
        : { status: this.status, blocked, refusal: this.refusal };
    if (local === previous && this.remote === this.last.remote) return;
    this.last = { local, remote: this.remote };
    this.deps.changed(local, this.remote);
  }
}

function sameRefusal(a: Refusal | null, b: Refusal | null): boolean {
  return a === b || (a !== null && b !== null && a.code === b.code && a.message === b.message);
}
