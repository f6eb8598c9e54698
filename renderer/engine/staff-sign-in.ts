/**
 * Clinic staff sign-in on one relay, for the engine: the device credential this app holds for the relay (read
 * once from the injected store), and how it is proved on each new socket. The relay opens every socket with a
 * `hello` challenge; a device holding a credential signs it (`authenticate`), one redeeming IT's enrollment
 * code signs it with a fresh key (`enroll`), and then the engine says what it came for (create, resume, …) at
 * once: the relay handles a socket's messages in order, so nothing waits for `signed-in`.
 *
 * The private key is made non-extractable (signaling/device-auth.ts): it is only ever handed to WebCrypto.
 */
import { createDeviceKey, type DeviceKey, signChallenge } from '../../signaling/device-auth';
import { type ClientMessageBody, ErrorCode, type ServerMessageOf, type StaffMember } from '../../signaling/protocol';

export interface StaffCredential {
  credentialId: string;
  staff: StaffMember;
  /** Its private half is non-extractable: it signs, is never read, and is stored (IndexedDB) as it is. */
  keyPair: CryptoKeyPair;
}

/** Where this device keeps its credential for one relay: IndexedDB in the app (bridge/), memory in tests. */
export interface StaffCredentialStore {
  load(): Promise<StaffCredential | null>;
  save(credential: StaffCredential): Promise<void>;
  clear(): Promise<void>;
}

/** A store that forgets on reload: for tests, and for an engine given none. */
export class MemoryCredentialStore implements StaffCredentialStore {
  constructor(private credential: StaffCredential | null = null) {}

  async load(): Promise<StaffCredential | null> {
    return this.credential;
  }

  async save(credential: StaffCredential): Promise<void> {
    this.credential = credential;
  }

  async clear(): Promise<void> {
    this.credential = null;
  }
}

/** 'loading' until the stored credential was read; 'enrolling' while an enrollment code is being redeemed. */
export type SignInStatus = 'loading' | 'signed-out' | 'enrolling' | 'signed-in';

export interface SignInState {
  signIn: SignInStatus;
  /** Whom this device signs in as on this relay (its stored credential); null when it holds none. */
  staff: StaffMember | null;
  /** Why the last enrollment or sign-in failed, for the person to read; `code` is the relay's error code or one below. */
  signInError: { code: string; message: string } | null;
}

/** Codes of failures the relay never names, beside protocol.ts's ErrorCode. */
export const SignInFailure = {
  /** The socket was gone for good before the relay answered the enrollment. */
  RELAY_UNREACHABLE: 'RELAY_UNREACHABLE',
  /** WebCrypto could not make or use the device key. */
  DEVICE_KEY_FAILED: 'DEVICE_KEY_FAILED',
} as const;

const REVOKED_TEXT = 'IT revoked this sign-in. Ask them for a new enrollment code.';
const CREDENTIAL_INVALID_TEXT = 'This clinic server no longer knows this device. Ask IT for a new enrollment code and sign in again.';

export interface StaffSignInDeps {
  store: StaffCredentialStore;
  /** False when no socket is open (nothing is queued). */
  send(message: ClientMessageBody): boolean;
  /** Opens a socket unless one is open or opening: its hello starts the sign-in. */
  connect(): void;
  changed(state: Partial<SignInState>): void;
  log(event: string, detail?: string): void;
}

interface Enrollment {
  readonly code: string;
  readonly key: DeviceKey;
  /** The socket it was sent on (it is sent once per socket). */
  sentOn: number | null;
  settle(signedIn: boolean): void;
}

export class StaffSignIn {
  private credential: StaffCredential | null = null;
  private readonly loaded: Promise<void>;
  private isLoaded = false;
  private enrollment: Enrollment | null = null;
  /** Counts sockets, so that what was signed for one socket is never sent on the next. */
  private socket = 0;
  /** The current socket's challenge once its hello was answered; null before that and between sockets. */
  private challenge: string | null = null;
  /** The relay said `signed-in` on the current socket. */
  private signedInHere = false;

  constructor(private readonly deps: StaffSignInDeps) {
    this.loaded = deps.store
      .load()
      .then(
        (credential) => {
          this.credential = credential;
        },
        (err: unknown) => deps.log('staff-credential-unreadable', errorText(err)),
      )
      .then(() => {
        this.isLoaded = true;
        deps.changed(this.credential ? { signIn: 'signed-in', staff: this.credential.staff } : { signIn: 'signed-out' });
      });
  }

  /** The current socket's hello was answered: the intent may be said now. */
  get greeted(): boolean {
    return this.challenge !== null;
  }

  /** The current socket's challenge once its hello was answered (what a patient's device signs); else null. */
  get currentChallenge(): string | null {
    return this.challenge;
  }

  /** Whom this device signs in as here, once the stored credential was read. */
  async storedStaff(): Promise<StaffMember | null> {
    await this.loaded;
    return this.credential?.staff ?? null;
  }

  /**
   * The relay's hello on a new socket: proves who we are, if anyone, then calls `ready` (the engine says its
   * intent). Synchronously when there is nothing to sign, as for every patient.
   */
  hello(challenge: string, ready: () => void): void {
    this.socketGone();
    const socket = this.socket;
    if (this.isLoaded && !this.credential && !this.enrollment) {
      this.challenge = challenge;
      ready();
      return;
    }
    void this.proveOn(socket, challenge).then(() => {
      if (socket !== this.socket) return; // that socket is gone; the next hello starts over
      this.challenge = challenge;
      ready();
    });
  }

  /** The socket closed or is being replaced: nothing proved on it counts any more. */
  socketGone(): void {
    this.socket += 1;
    this.challenge = null;
    this.signedInHere = false;
  }

  /** The relay is gone for good (the transport gave up): an enrollment waiting for it fails. */
  relayGone(): void {
    this.socketGone();
    this.failEnrollment({
      code: SignInFailure.RELAY_UNREACHABLE,
      message: 'The clinic server could not be reached. Check the connection and try again.',
    });
  }

  /** Redeems IT's one-time code with a fresh device key. Resolves true once the relay signed us in. */
  async enroll(code: string): Promise<boolean> {
    await this.loaded;
    if (this.credential) {
      this.deps.changed({
        signInError: { code: ErrorCode.ALREADY_SIGNED_IN, message: `Already signed in as ${this.credential.staff.name}; sign out first.` },
      });
      return false;
    }
    this.failEnrollment(null); // a newer code replaces one still on its way
    this.deps.changed({ signIn: 'enrolling', signInError: null });
    let key: DeviceKey;
    try {
      key = await createDeviceKey();
    } catch (err) {
      this.deps.log('device-key-failed', errorText(err));
      this.deps.changed({
        signIn: 'signed-out',
        signInError: { code: SignInFailure.DEVICE_KEY_FAILED, message: 'This browser could not make a device key, so it cannot sign in.' },
      });
      return false;
    }
    return new Promise<boolean>((settle) => {
      this.enrollment = { code, key, sentOn: null, settle };
      const challenge = this.challenge;
      if (challenge !== null) void this.sendEnrollment(this.socket, challenge);
      else this.deps.connect(); // its hello sends the enrollment
    });
  }

  signedIn(message: ServerMessageOf<'signed-in'>): void {
    this.signedInHere = true;
    const enrollment = this.enrollment;
    this.deps.log(enrollment ? 'staff-enrolled' : 'staff-signed-in', message.staff.id); // ids only: timelines get exported
    if (enrollment) {
      this.enrollment = null;
      const credential = { credentialId: message.credentialId, staff: message.staff, keyPair: enrollment.key.keyPair };
      this.keep(credential, (kept) => enrollment.settle(kept));
    } else if (this.credential && this.credential.staff.name !== message.staff.name) {
      this.keep({ ...this.credential, staff: message.staff }); // IT renamed them
    }
  }

  /** The relay revoked this device's credential at our request. */
  signedOut(): void {
    this.signedInHere = false;
  }

  /** The relay refused an enrollment, or a sign-in for a reason that does not condemn the credential. */
  refused(error: Pick<ServerMessageOf<'error'>, 'code' | 'message' | 'ref'>): void {
    const signInError = { code: error.code, message: asSentence(error.message) };
    if (error.ref === 'enroll') this.failEnrollment(signInError);
    else this.deps.changed({ signInError });
  }

  /** IT revoked this staff member or device, or the relay no longer knows the credential: forget it here too. */
  revoked(code: typeof ErrorCode.STAFF_REVOKED | typeof ErrorCode.CREDENTIAL_INVALID): void {
    this.deps.log('staff-credential-revoked', code);
    this.signedInHere = false;
    this.forget({ code, message: code === ErrorCode.STAFF_REVOKED ? REVOKED_TEXT : CREDENTIAL_INVALID_TEXT });
  }

  /**
   * Signs this device out: the relay revokes the credential when this socket is signed in with it (it refuses
   * while the socket holds a seat); the key is forgotten here in any case, which leaves the credential unusable.
   */
  signOut(): void {
    if (this.signedInHere && this.greeted) this.deps.send({ type: 'sign-out' });
    this.failEnrollment(null);
    this.forget(null);
  }

  /** The engine is going away: nobody waits on an enrollment any more. */
  dispose(): void {
    this.failEnrollment(null);
  }

  private async proveOn(socket: number, challenge: string): Promise<void> {
    await this.loaded;
    const credential = this.credential;
    if (credential) {
      const signature = await this.sign(credential.keyPair.privateKey, 'staff-sign-in', challenge);
      if (socket !== this.socket || !signature) return;
      this.deps.send({ type: 'authenticate', credentialId: credential.credentialId, signature });
    }
    await this.sendEnrollment(socket, challenge);
  }

  private async sendEnrollment(socket: number, challenge: string): Promise<void> {
    const enrollment = this.enrollment;
    if (!enrollment || enrollment.sentOn === socket) return;
    enrollment.sentOn = socket;
    const signature = await this.sign(enrollment.key.keyPair.privateKey, 'enroll', challenge);
    if (socket !== this.socket || this.enrollment !== enrollment) return;
    if (!signature) {
      this.failEnrollment({ code: SignInFailure.DEVICE_KEY_FAILED, message: 'This browser could not use its device key.' });
      return;
    }
    this.deps.send({ type: 'enroll', code: enrollment.code, publicKey: enrollment.key.publicKey, signature });
  }

  private async sign(privateKey: CryptoKey, purpose: 'staff-sign-in' | 'enroll', challenge: string): Promise<string | null> {
    try {
      return await signChallenge(privateKey, purpose, challenge);
    } catch (err) {
      this.deps.log('device-key-failed', errorText(err));
      return null;
    }
  }

  /** Ends a pending enrollment as failed (`signInError` says why; null: replaced or withdrawn, nothing to say). */
  private failEnrollment(signInError: SignInState['signInError']): void {
    const enrollment = this.enrollment;
    if (!enrollment) return;
    this.enrollment = null;
    this.deps.changed({ signIn: this.credential ? 'signed-in' : 'signed-out', ...(signInError ? { signInError } : {}) });
    enrollment.settle(false);
  }

  /** Holds and stores the credential; the snapshot says signed in once it is stored, so a reload right after keeps it. */
  private keep(credential: StaffCredential, then?: (kept: boolean) => void): void {
    this.credential = credential;
    void this.deps.store
      .save(credential)
      .catch((err: unknown) => this.deps.log('staff-credential-not-saved', errorText(err)))
      .then(() => {
        const kept = this.credential === credential; // else forgotten (signed out, revoked) while it was being stored
        if (kept) this.deps.changed({ signIn: 'signed-in', staff: credential.staff, signInError: null });
        then?.(kept);
      });
  }

  private forget(signInError: SignInState['signInError']): void {
    this.credential = null;
    void this.deps.store.clear().catch((err: unknown) => this.deps.log('staff-credential-not-cleared', errorText(err)));
    this.deps.changed({ signIn: this.enrollment ? 'enrolling' : 'signed-out', staff: null, signInError });
  }
}

/** The relay's messages are often lower-case clauses ("this enrollment code was already used; ask IT for a new one"). */
export function asSentence(text: string, fallback = 'The clinic server refused the sign-in.'): string {
  const trimmed = text.trim();
  if (trimmed === '') return fallback;
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
