/**
 * Our place at the relay: what we asked for (open a consultation, join one on an invite, take a seat back) and
 * the resume token that proves the seat is ours across reconnects and reloads. It says the right thing on each
 * new socket, once the relay's hello was answered (staff-sign-in.ts); a patient proves with its device key
 * (patient-device.ts) that it is the device the invite was redeemed on, on every socket. What a welcome or a
 * refusal means for the consultation is the engine's business, and what a refusal means for the seat is
 * `classifyRelayError`'s.
 */
import type { ClientMessageBody, Role, ServerMessageOf } from '../../signaling/protocol';
import type { DeviceProof } from './patient-device';

/** A patient's invite: the link's secret, or the short code the clinic read out. */
export type InviteKey = { secret: string } | { shortCode: string };

export type Intent = { type: 'create' } | { type: 'join'; invite: InviteKey; name: string } | { type: 'resume'; token: string; role: Role };

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

export interface RelaySessionDeps {
  send(message: ClientMessageBody): boolean;
  sessionStore?: SessionStore | undefined;
  /** The call we are in, so a resume takes it back too. */
  liveCallId(): string | null;
  /** This device's patient key signs `challenge`; null when it cannot. */
  prove(challenge: string): Promise<DeviceProof | null>;
  /** The challenge of the socket whose hello was answered, null between sockets: a proof is only sent on its own socket. */
  currentChallenge(): string | null;
  /** This device could not prove itself, so nothing was said: the person is told, and may try again. */
  unprovable(): void;
}

export class RelaySession {
  private intent: Intent | null = null;
  private resumeToken: string | null = null;
  /** Whose seat the resume token is: a patient's resume carries the device's proof, a clinician's does not. */
  private seatRole: Role | null = null;

  constructor(private readonly deps: RelaySessionDeps) {}

  /** We asked for a place (and have not left or been refused): losing the relay then matters. */
  get wanted(): boolean {
    return this.intent !== null;
  }

  /** The seat saved before a reload, if any. */
  stored(): StoredSession | null {
    return this.deps.sessionStore?.load() ?? null;
  }

  /** Records what to ask for; `sayIntent` asks it now and after every reconnect. */
  want(intent: Intent): void {
    this.intent = intent;
    if (intent.type === 'resume') this.seatRole = intent.role;
  }

  /** Says the intent on the socket whose hello carried `challenge` (a resume once we hold a seat). */
  sayIntent(challenge: string): void {
    const intent = this.intent;
    if (!intent) return;
    const token = this.resumeToken ?? (intent.type === 'resume' ? intent.token : null);
    if (token) {
      if (this.seatRole !== 'patient') {
        this.deps.send({ type: 'resume', resumeToken: token, callId: this.deps.liveCallId(), signature: null });
        return;
      }
      void this.proveThen(challenge, (proof) =>
        this.deps.send({ type: 'resume', resumeToken: token, callId: this.deps.liveCallId(), signature: proof.signature }),
      );
    } else if (intent.type === 'create') {
      this.deps.send({ type: 'create' });
    } else if (intent.type === 'join') {
      const { invite, name } = intent;
      void this.proveThen(challenge, (proof) => this.deps.send({ type: 'join', invite, name, ...proof }));
    }
  }

  welcomed(message: ServerMessageOf<'welcome'>): void {
    this.resumeToken = message.self.resumeToken;
    this.seatRole = message.self.role;
    this.deps.sessionStore?.save({ resumeToken: message.self.resumeToken, role: message.self.role });
  }

  /** The create/join was refused: nothing to say on the next reconnect. */
  refused(): void {
    this.intent = null;
  }

  /** Left, closed, or forgotten by the relay: the seat is gone, here and in the reload store. */
  forget(): void {
    this.intent = null;
    this.resumeToken = null;
    this.seatRole = null;
    this.deps.sessionStore?.clear();
  }

  private async proveThen(challenge: string, say: (proof: DeviceProof) => void): Promise<void> {
    const intent = this.intent;
    const proof = await this.deps.prove(challenge);
    // Signing takes a moment: the socket may have gone (the next hello says it again), or the intent changed.
    if (this.deps.currentChallenge() !== challenge || this.intent !== intent) return;
    if (proof) say(proof);
    else {
      this.intent = null;
      this.deps.unprovable();
    }
  }
}

/** What a relay refusal means for our place, and for this device's staff sign-in. */
export type RelayErrorMeaning =
  /**
   * A repeated create/join/resume: the first one already placed us. A repeated admit: the call is coming. A
   * repeated sign-in on one socket. A refused sign-out: the device forgot its key anyway, so the credential is
   * useless to anyone.
   */
  | 'harmless'
  /**
   * The relay does not know our seat any more (expired token, another secret after a restart), or it is not ours
   * to take back (a patient's seat without its device's proof, a clinician's without their sign-in).
   */
  | 'seat-lost'
  /** Our create was refused (not signed in, …): the person may try again. */
  | 'refused'
  /**
   * Our join was refused: the invite is used on another device, expired, unknown or tampered with, the
   * consultation closed, too many failed tries. Shown on the patient's join form; they may try again.
   */
  | 'join-refused'
  /** The clinician's invite could not be made: said where it was asked for. */
  | 'invite-refused'
  /** The clinician's note to the waiting room was not delivered: said where it was written. */
  | 'note-refused'
  /** No TURN credentials for the pre-call check: the check says so, nothing else needs to. */
  | 'precall-refused'
  /** The enrollment code did not work (unknown, expired, used), or a sign-in failed for a passing reason. */
  | 'sign-in-refused'
  /** The credential itself is dead (IT revoked it, or the relay does not know it): the device forgets it. */
  | 'credential-revoked'
  /** Anything else: show it. */
  | 'show';

export function classifyRelayError(error: Pick<ServerMessageOf<'error'>, 'code' | 'ref'>): RelayErrorMeaning {
  if (error.code === 'ALREADY_SIGNED_IN') return 'harmless'; // the relay answered the first one with signed-in
  if (error.ref === 'enroll') return 'sign-in-refused';
  if (error.ref === 'authenticate') {
    return error.code === 'STAFF_REVOKED' || error.code === 'CREDENTIAL_INVALID' ? 'credential-revoked' : 'sign-in-refused';
  }
  if (error.ref === 'sign-out') return 'harmless';
  if (error.code === 'ALREADY_JOINED' || error.code === 'CALL_IN_PROGRESS') return 'harmless';
  if (error.code === 'INVALID_RESUME') return 'seat-lost';
  // A clinician's seat is taken back only by the staff member who opened it, signed in on this socket.
  if (error.ref === 'resume' && (error.code === 'UNKNOWN_CONSULTATION' || error.code === 'NOT_SIGNED_IN')) return 'seat-lost';
  if (error.ref === 'join') return 'join-refused';
  if (error.ref === 'create') return 'refused';
  if (error.ref === 'invite') return 'invite-refused';
  if (error.ref === 'precall-ice') return 'precall-refused';
  if (error.ref === 'waiting-note') return 'note-refused';
  return 'show';
}
