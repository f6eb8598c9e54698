/**
 * Who may do what on the relay. Every decision is here, as one pure function of who the socket has proved to
 * be and what it asks; the server asks before acting, and each rule has a test that tries the attack.
 *
 * What a socket can prove: that it is signed-in staff (a device key enrolled by IT signed this socket's
 * challenge), and which seat it holds (a clinician's or a patient's place in one consultation).
 */
import { ErrorCode, type Role } from './protocol';

export interface Actor {
  /** The staff member this socket signed in as, if any. */
  readonly staffId: string | null;
  /** The seat this socket holds, if any; a clinician's seat belongs to the staff member who opened it. */
  readonly seat: Seat | null;
}

export interface Seat {
  readonly role: Role;
  /** The clinician's staff id; null for a patient. */
  readonly staffId: string | null;
}

export type Action =
  | { readonly type: 'enroll' | 'authenticate' | 'sign-out' | 'create' | 'join' | 'precall-ice' }
  /**
   * Taking back the seat a resume token names. `deviceProven`: the socket signed its challenge with the key
   * of the device a patient's invite was redeemed on.
   */
  | { readonly type: 'resume'; readonly seat: Seat; readonly deviceProven: boolean }
  | { readonly type: 'invite' | 'admit' | 'waiting-note' | 'signal' | 'hang-up' | 'restart' | 'leave' | 'call-path' };

export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
}

/** What a consultation's clinician alone may do, in the words its refusals use. */
const CLINICIAN_ACTS = {
  invite: 'invite patients',
  admit: 'admit patients',
  'waiting-note': 'send notes to the waiting room',
} as const;

const refuse = (code: ErrorCode, message: string): Refusal => ({ code, message });

/** Null when `actor` may do `action`; else why not, in words a person can act on. */
export function refusal(actor: Actor, action: Action): Refusal | null {
  switch (action.type) {
    case 'enroll':
    case 'authenticate':
      if (actor.staffId !== null) return refuse(ErrorCode.ALREADY_SIGNED_IN, 'this connection is already signed in');
      if (actor.seat) return refuse(ErrorCode.ALREADY_JOINED, 'sign in before taking a place in a consultation');
      return null;
    case 'sign-out':
      if (actor.staffId === null) return refuse(ErrorCode.NOT_SIGNED_IN, 'this connection is not signed in');
      if (actor.seat) return refuse(ErrorCode.ALREADY_JOINED, 'close the consultation before signing out');
      return null;
    case 'create':
      if (actor.seat) return refuse(ErrorCode.ALREADY_JOINED, 'this connection already has a place; leave first');
      if (actor.staffId === null) return refuse(ErrorCode.NOT_SIGNED_IN, 'only signed-in clinic staff can open a consultation');
      return null;
    case 'join':
      if (actor.seat) return refuse(ErrorCode.ALREADY_JOINED, 'this connection already has a place; leave first');
      return null;
    case 'precall-ice':
      // TURN is for the clinic's people: its staff, and patients who came in on an invite.
      if (actor.staffId === null && !actor.seat) return refuse(ErrorCode.NOT_JOINED, 'sign in or join a consultation first');
      return null;
    case 'resume':
      if (actor.seat) return refuse(ErrorCode.ALREADY_JOINED, 'this connection already has a place; leave first');
      // A clinician's seat carries the waiting room and the power to admit: a copied token is not enough.
      if (action.seat.role === 'clinician' && (actor.staffId === null || actor.staffId !== action.seat.staffId)) {
        return refuse(ErrorCode.NOT_SIGNED_IN, 'sign in as the clinician who opened this consultation to take it back');
      }
      // A patient's seat is its device's: a copied token alone takes nothing.
      if (action.seat.role === 'patient' && !action.deviceProven) {
        return refuse(ErrorCode.INVALID_RESUME, 'this place belongs to the device that joined with the invite');
      }
      return null;
    case 'invite':
    case 'admit':
    case 'waiting-note': {
      const what = CLINICIAN_ACTS[action.type];
      if (!actor.seat) return refuse(ErrorCode.NOT_JOINED, 'create, join or resume a consultation first');
      if (actor.seat.role !== 'clinician') return refuse(ErrorCode.WRONG_ROLE, `only the clinician can ${what}`);
      if (actor.staffId === null || actor.staffId !== actor.seat.staffId) {
        return refuse(ErrorCode.NOT_SIGNED_IN, `only the signed-in clinician of this consultation can ${what}`);
      }
      return null;
    }
    case 'signal':
    case 'call-path':
    case 'hang-up':
    case 'restart':
    case 'leave':
      if (!actor.seat) return refuse(ErrorCode.NOT_JOINED, 'create, join or resume a consultation first');
      return null;
  }
}
