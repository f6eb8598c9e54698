/**
 * Our place at the relay: what we asked for (open a consultation, join one, take a seat back), the resume
 * token that proves the seat is ours across reconnects and reloads, and the ICE servers the relay handed us.
 * It says the right thing on each new socket, once the relay's hello was answered (staff-sign-in.ts); what a
 * welcome or a refusal means for the consultation is the engine's business, and what a refusal means for the
 * seat is `classifyRelayError`'s.
 */
import type { ClientMessageBody, IceSettings, Role, ServerMessageOf } from '../../signaling/protocol';

export type Intent = { type: 'create' } | { type: 'join'; code: string; name: string } | { type: 'resume'; token: string };

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
}

export class RelaySession {
  private intent: Intent | null = null;
  private resumeToken: string | null = null;
  /** ICE servers and policy from the relay's last welcome (fresh TURN credentials each time). */
  private iceSettings: IceSettings = { iceServers: [], iceTransportPolicy: 'all' };

  constructor(private readonly deps: RelaySessionDeps) {}

  /** We asked for a place (and have not left or been refused): losing the relay then matters. */
  get wanted(): boolean {
    return this.intent !== null;
  }

  get ice(): IceSettings {
    return this.iceSettings;
  }

  /** The seat saved before a reload, if any. */
  stored(): StoredSession | null {
    return this.deps.sessionStore?.load() ?? null;
  }

  /** Records what to ask for; `sayIntent` asks it now and after every reconnect. */
  want(intent: Intent): void {
    this.intent = intent;
  }

  sayIntent(): void {
    const intent = this.intent;
    if (!intent) return;
    const token = this.resumeToken ?? (intent.type === 'resume' ? intent.token : null);
    if (token) this.deps.send({ type: 'resume', resumeToken: token, callId: this.deps.liveCallId() });
    else if (intent.type === 'create') this.deps.send({ type: 'create' });
    else if (intent.type === 'join') this.deps.send({ type: 'join', code: intent.code, name: intent.name });
  }

  welcomed(message: ServerMessageOf<'welcome'>): void {
    this.resumeToken = message.self.resumeToken;
    this.iceSettings = message.ice;
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
    this.deps.sessionStore?.clear();
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
  /** The relay does not know our seat any more (expired token, another secret after a restart), or it is not ours to take back. */
  | 'seat-lost'
  /** Our create/join was refused (unknown code, not signed in, …): the person may try again. */
  | 'refused'
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
  if (error.ref === 'join' || error.ref === 'create') return 'refused';
  return 'show';
}
