/** What each relay refusal means for the seat and the sign-in (classifyRelayError: pure policy, every branch). */
import { describe, expect, it } from 'vitest';
import { classifyRelayError, type RelayErrorMeaning } from '../../../renderer/engine/relay-session';
import type { ErrorCode } from '../../../signaling/protocol';

const cases: [code: ErrorCode, ref: string | null, meaning: RelayErrorMeaning][] = [
  // Enrollment: every refusal is the person's to read (ALREADY_JOINED included), but a repeat on a signed-in socket.
  ['ENROLLMENT_INVALID', 'enroll', 'sign-in-refused'],
  ['ENROLLMENT_EXPIRED', 'enroll', 'sign-in-refused'],
  ['ENROLLMENT_USED', 'enroll', 'sign-in-refused'],
  ['STAFF_REVOKED', 'enroll', 'sign-in-refused'],
  ['PUBLIC_KEY_IN_USE', 'enroll', 'sign-in-refused'],
  ['CREDENTIAL_INVALID', 'enroll', 'sign-in-refused'],
  ['ALREADY_JOINED', 'enroll', 'sign-in-refused'],
  ['ALREADY_SIGNED_IN', 'enroll', 'harmless'],
  // Authentication: a dead credential is forgotten; a passing failure is shown; a repeat is harmless.
  ['STAFF_REVOKED', 'authenticate', 'credential-revoked'],
  ['CREDENTIAL_INVALID', 'authenticate', 'credential-revoked'],
  ['ALREADY_SIGNED_IN', 'authenticate', 'harmless'],
  ['RATE_LIMITED', 'authenticate', 'sign-in-refused'],
  // Sign-out refused (not signed in, or a seat held): the key is gone here anyway.
  ['NOT_SIGNED_IN', 'sign-out', 'harmless'],
  ['ALREADY_JOINED', 'sign-out', 'harmless'],
  // The seat.
  ['ALREADY_JOINED', 'join', 'harmless'],
  ['ALREADY_JOINED', 'create', 'harmless'],
  ['CALL_IN_PROGRESS', 'admit', 'harmless'],
  ['INVALID_RESUME', 'resume', 'seat-lost'],
  ['INVALID_RESUME', null, 'seat-lost'],
  ['UNKNOWN_CONSULTATION', 'resume', 'seat-lost'],
  ['NOT_SIGNED_IN', 'resume', 'seat-lost'],
  // A refused join is the patient's to read on the join form: every invite refusal, and the rest.
  ['INVITE_USED', 'join', 'join-refused'],
  ['INVITE_EXPIRED', 'join', 'join-refused'],
  ['INVITE_INVALID', 'join', 'join-refused'],
  ['UNKNOWN_CONSULTATION', 'join', 'join-refused'],
  ['RATE_LIMITED', 'join', 'join-refused'],
  ['CREDENTIAL_INVALID', 'join', 'join-refused'],
  ['BAD_MESSAGE', 'join', 'join-refused'],
  ['NOT_SIGNED_IN', 'create', 'refused'],
  // The clinician's invite, and the pre-call check's TURN credentials: answered where they were asked.
  ['NOT_SIGNED_IN', 'invite', 'invite-refused'],
  ['UNKNOWN_CONSULTATION', 'invite', 'invite-refused'],
  ['NOT_JOINED', 'precall-ice', 'precall-refused'],
  // Anything else is shown as it is.
  ['NOT_SIGNED_IN', 'admit', 'show'],
  ['NOT_JOINED', 'signal', 'show'],
  ['RATE_LIMITED', null, 'show'],
  ['BAD_JSON', null, 'show'],
];

describe('classifyRelayError', () => {
  it.each(cases)('%s answering %s is %s', (code, ref, meaning) => {
    expect(classifyRelayError({ code, ref })).toBe(meaning);
  });
});
