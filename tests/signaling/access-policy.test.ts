import { describe, expect, it } from 'vitest';
import { type Action, type Actor, refusal } from '../../signaling/access-policy';

const anonymous: Actor = { staffId: null, seat: null };
const staff: Actor = { staffId: 's_1', seat: null };
const clinician: Actor = { staffId: 's_1', seat: { role: 'clinician', staffId: 's_1' } };
const patient: Actor = { staffId: null, seat: { role: 'patient', staffId: null } };
/** A socket that holds a clinician's seat but is signed in as someone else (a rebuilt seat, a bug): never trusted. */
const mismatched: Actor = { staffId: 's_2', seat: { role: 'clinician', staffId: 's_1' } };

const clinicianSeat = { role: 'clinician' as const, staffId: 's_1' };
const patientSeat = { role: 'patient' as const, staffId: null };

describe('refusal: who may do what', () => {
  it.each<[string, Actor, Action, string | null]>([
    ['anyone may enroll or sign in once', anonymous, { type: 'enroll' }, null],
    ['no second sign-in on one socket', staff, { type: 'authenticate' }, 'ALREADY_SIGNED_IN'],
    ['no sign-in from a seated socket', patient, { type: 'authenticate' }, 'ALREADY_JOINED'],
    ['anonymous create', anonymous, { type: 'create' }, 'NOT_SIGNED_IN'],
    ['a patient creating', patient, { type: 'create' }, 'ALREADY_JOINED'],
    ['staff create', staff, { type: 'create' }, null],
    ['anyone joins a waiting room', anonymous, { type: 'join' }, null],
    ['sign-out needs a sign-in', anonymous, { type: 'sign-out' }, 'NOT_SIGNED_IN'],
    ['no sign-out while seated', clinician, { type: 'sign-out' }, 'ALREADY_JOINED'],
    ['a patient seat comes back on its device', anonymous, { type: 'resume', seat: patientSeat, deviceProven: true }, null],
    ["a patient's token alone (copied elsewhere)", anonymous, { type: 'resume', seat: patientSeat, deviceProven: false }, 'INVALID_RESUME'],
    ["a clinician's token alone", anonymous, { type: 'resume', seat: clinicianSeat, deviceProven: false }, 'NOT_SIGNED_IN'],
    [
      "another staff member with a clinician's token",
      { staffId: 's_2', seat: null },
      { type: 'resume', seat: clinicianSeat, deviceProven: false },
      'NOT_SIGNED_IN',
    ],
    ['the clinician, signed in, takes the seat back', staff, { type: 'resume', seat: clinicianSeat, deviceProven: false }, null],
    ['anonymous invite', anonymous, { type: 'invite' }, 'NOT_JOINED'],
    ['a patient inviting', patient, { type: 'invite' }, 'WRONG_ROLE'],
    ['the signed-in clinician inviting', clinician, { type: 'invite' }, null],
    ['pre-call TURN for nobody', anonymous, { type: 'precall-ice' }, 'NOT_JOINED'],
    ['pre-call TURN for staff', staff, { type: 'precall-ice' }, null],
    ['pre-call TURN for a seated patient', patient, { type: 'precall-ice' }, null],
    ['admit without a seat', staff, { type: 'admit' }, 'NOT_JOINED'],
    ['a patient admitting', patient, { type: 'admit' }, 'WRONG_ROLE'],
    ['the signed-in clinician admitting', clinician, { type: 'admit' }, null],
    ['a clinician seat under another sign-in admitting', mismatched, { type: 'admit' }, 'NOT_SIGNED_IN'],
    ['signals without a seat', anonymous, { type: 'signal' }, 'NOT_JOINED'],
    ['a patient signalling', patient, { type: 'signal' }, null],
  ])('%s', (_label, actor, action, expected) => {
    expect(refusal(actor, action)?.code ?? null).toBe(expected);
  });

  it('explains every refusal in words', () => {
    const refused = refusal(anonymous, { type: 'create' });
    expect(refused?.message).toMatch(/signed-in clinic staff/);
  });
});
