/** Call restarts and relay restarts, on the registry itself (no sockets). */
import { describe, expect, it } from 'vitest';
import { ConsultationRegistry, RelayError, type SeatDetails } from '../../signaling/consultations';
import { ErrorCode, type ServerMessageBody, type SignalData } from '../../signaling/protocol';
import { ResumeTokens } from '../../signaling/resume-tokens';

const SECRET = 'relay-secret-for-tests-0123456789abcdef';
const OFFER: SignalData = { type: 'offer', sdp: 'v=0\r\n' };

type Delivered = { to: string; message: ServerMessageBody };

function relay(secret = SECRET) {
  const log: Delivered[] = [];
  const registry = new ConsultationRegistry({
    deliver: (to, message) => log.push({ to, message }),
    graceMs: 60_000,
    tokens: new ResumeTokens(secret),
  });
  const of = <T extends ServerMessageBody['type']>(to: string, type: T) =>
    log.filter((d) => d.to === to && d.message.type === type).map((d) => d.message as Extract<ServerMessageBody, { type: T }>);
  return { registry, log, of };
}

let invites = 0;
function join(registry: ConsultationRegistry, consultationId: string, name: string) {
  invites += 1;
  return registry.joinInvited({ consultationId, inviteId: `i_${invites}`, name, invitedAs: null, deviceKey: 'device' });
}

/** What the server reads from its store for a seat a restarted relay rebuilds (tokens carry ids only). */
function fromStore(name: string): SeatDetails {
  return { code: 'ABCD2345', clinicianName: 'Dr. Rivera', name, invitedAs: null, deviceKey: 'device' };
}
const noop = (): void => {};

function consultationInCall() {
  const first = relay();
  const clinician = first.registry.create({ id: 's_rivera', name: 'Dr. Rivera' });
  const code = clinician.consultationId;
  const patient = join(first.registry, code, 'Sam');
  first.registry.admit(clinician.id, patient.id);
  const callId = first.of(clinician.id, 'call-start')[0]?.callId ?? '';
  return { first, clinician, patient, code, callId };
}

function refusal(action: () => unknown): string | null {
  try {
    action();
    return null;
  } catch (err) {
    return err instanceof RelayError ? err.code : String(err);
  }
}

describe('restart', () => {
  it('replaces the call with a new one, clinician still the initiator', () => {
    const { first, clinician, patient, callId } = consultationInCall();
    first.registry.restart(patient.id, callId);
    for (const who of [clinician.id, patient.id]) {
      expect(first.of(who, 'call-ended').at(-1)).toMatchObject({ callId, reason: 'replaced' });
    }
    const [, next] = first.of(clinician.id, 'call-start');
    expect(next?.callId).not.toBe(callId);
    expect(next?.initiator).toBe(true);
    expect(first.of(patient.id, 'call-start').at(-1)).toMatchObject({ callId: next?.callId, initiator: false });
  });

  it('treats a second restart of the same call (both sides noticed) as a duplicate', () => {
    const { first, clinician, patient, callId } = consultationInCall();
    first.registry.restart(clinician.id, callId);
    first.registry.restart(patient.id, callId);
    expect(first.of(clinician.id, 'call-start')).toHaveLength(2);
  });

  it('refuses to restart a call one is not in', () => {
    const { first, clinician, code } = consultationInCall();
    const other = join(first.registry, code, 'Kim');
    const callId = first.of(clinician.id, 'call-start')[0]?.callId ?? '';
    expect(refusal(() => first.registry.restart(other.id, callId))).toBe(ErrorCode.NOT_IN_CALL);
  });
});

describe('a relay that restarted (same secret)', () => {
  it('rebuilds the consultation from the patient who comes back first, and the call once both hold it', () => {
    const { clinician, patient, code, callId } = consultationInCall();
    const second = relay();

    second.registry.resume(patient.resumeToken, callId, noop, fromStore('Sam'));
    const welcome = second.of(patient.id, 'welcome')[0];
    expect(welcome).toMatchObject({ self: { name: 'Sam' }, consultation: { id: code, clinicianName: 'Dr. Rivera' }, call: null });
    expect(second.of(patient.id, 'presence').at(-1)).toMatchObject({ participantId: clinician.id, present: false });

    second.registry.resume(clinician.resumeToken, callId, noop, fromStore('Dr. Rivera'));
    expect(second.of(clinician.id, 'welcome')[0]?.call).toMatchObject({ callId, initiator: true, peer: { id: patient.id } });
    expect(second.of(patient.id, 'presence').at(-1)).toMatchObject({ participantId: clinician.id, present: true });

    // Signaling flows again on the same call: the next renegotiation works.
    second.registry.signal(clinician.id, callId, 1, OFFER);
    expect(second.of(patient.id, 'signal')).toEqual([{ type: 'signal', callId, seq: 1, data: OFFER }]);
    expect(second.registry.size).toEqual({ consultations: 1, participants: 2, calls: 1 });
  });

  it('keeps the waiting-room order of arrival', () => {
    const first = relay();
    const clinician = first.registry.create({ id: 's_rivera', name: 'Dr. Rivera' });
    const code = clinician.consultationId;
    const ann = join(first.registry, code, 'Ann');
    const bob = join(first.registry, code, 'Bob');
    const second = relay();
    second.registry.resume(bob.resumeToken, null, noop, fromStore('Bob'));
    second.registry.resume(ann.resumeToken, null, noop, fromStore('Ann'));
    second.registry.resume(clinician.resumeToken, null, noop, fromStore('Dr. Rivera'));
    expect(
      second
        .of(clinician.id, 'waiting-room')
        .at(-1)
        ?.patients.map((p) => p.name),
    ).toEqual(['Ann', 'Bob']);
  });

  it('rebuilds nothing without what the store knows of the seat', () => {
    const { patient } = consultationInCall();
    expect(refusal(() => relay().registry.resume(patient.resumeToken, null))).toBe(ErrorCode.INVALID_RESUME);
  });

  it('refuses tokens signed with another secret', () => {
    const { patient } = consultationInCall();
    const other = relay(`${SECRET}-other`);
    expect(refusal(() => other.registry.resume(patient.resumeToken, null, noop, fromStore('Sam')))).toBe(ErrorCode.INVALID_RESUME);
  });

  it('does not bring back a participant who left for good', () => {
    const { first, patient } = consultationInCall();
    first.registry.leave(patient.id);
    expect(refusal(() => first.registry.resume(patient.resumeToken, null))).toBe(ErrorCode.INVALID_RESUME);
  });

  it('does not bring back a participant who left after the restart, with its token from before it', () => {
    const { clinician, patient } = consultationInCall();
    const second = relay();
    second.registry.resume(clinician.resumeToken, null, noop, fromStore('Dr. Rivera'));
    second.registry.resume(patient.resumeToken, null, noop, fromStore('Sam'));
    second.registry.resume(patient.resumeToken, null); // the old token still works while the seat is there
    second.registry.leave(patient.id);
    expect(refusal(() => second.registry.resume(patient.resumeToken, null, noop, fromStore('Sam')))).toBe(ErrorCode.INVALID_RESUME);
    expect(second.registry.size).toEqual({ consultations: 1, participants: 1, calls: 0 });
  });
});
