/** Call restarts and relay restarts, on the registry itself (no sockets). */
import { describe, expect, it } from 'vitest';
import { ConsultationRegistry, RelayError } from '../../signaling/consultations';
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
    joinUrl: () => null,
    tokens: new ResumeTokens(secret),
  });
  const of = <T extends ServerMessageBody['type']>(to: string, type: T) =>
    log.filter((d) => d.to === to && d.message.type === type).map((d) => d.message as Extract<ServerMessageBody, { type: T }>);
  return { registry, log, of };
}

function consultationInCall() {
  const first = relay();
  const clinician = first.registry.create({ id: 's_rivera', name: 'Dr. Rivera' });
  const code = first.of(clinician.id, 'welcome')[0]?.consultation.code ?? '';
  const patient = first.registry.join(code, 'Sam');
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
    const other = first.registry.join(code, 'Kim');
    const callId = first.of(clinician.id, 'call-start')[0]?.callId ?? '';
    expect(refusal(() => first.registry.restart(other.id, callId))).toBe(ErrorCode.NOT_IN_CALL);
  });
});

describe('a relay that restarted (same secret)', () => {
  it('rebuilds the consultation from the patient who comes back first, and the call once both hold it', () => {
    const { clinician, patient, code, callId } = consultationInCall();
    const second = relay();

    second.registry.resume(patient.resumeToken, callId);
    const welcome = second.of(patient.id, 'welcome')[0];
    expect(welcome).toMatchObject({ consultation: { code, clinicianName: 'Dr. Rivera' }, call: null });
    expect(second.of(patient.id, 'presence').at(-1)).toMatchObject({ participantId: clinician.id, present: false });

    second.registry.resume(clinician.resumeToken, callId);
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
    const code = first.of(clinician.id, 'welcome')[0]?.consultation.code ?? '';
    const ann = first.registry.join(code, 'Ann');
    const bob = first.registry.join(code, 'Bob');
    const second = relay();
    second.registry.resume(bob.resumeToken, null);
    second.registry.resume(ann.resumeToken, null);
    second.registry.resume(clinician.resumeToken, null);
    expect(
      second
        .of(clinician.id, 'waiting-room')
        .at(-1)
        ?.patients.map((p) => p.name),
    ).toEqual(['Ann', 'Bob']);
  });

  it('refuses tokens signed with another secret', () => {
    const { patient } = consultationInCall();
    const other = relay(`${SECRET}-other`);
    expect(refusal(() => other.registry.resume(patient.resumeToken, null))).toBe(ErrorCode.INVALID_RESUME);
  });

  it('does not bring back a participant who left for good', () => {
    const { first, patient } = consultationInCall();
    first.registry.leave(patient.id);
    expect(refusal(() => first.registry.resume(patient.resumeToken, null))).toBe(ErrorCode.INVALID_RESUME);
  });

  it('does not bring back a participant who left after the restart, with its token from before it', () => {
    const { clinician, patient } = consultationInCall();
    const second = relay();
    second.registry.resume(clinician.resumeToken, null);
    second.registry.resume(patient.resumeToken, null);
    second.registry.resume(patient.resumeToken, null); // the old token still works while the seat is there
    second.registry.leave(patient.id);
    expect(refusal(() => second.registry.resume(patient.resumeToken, null))).toBe(ErrorCode.INVALID_RESUME);
    expect(second.registry.size).toEqual({ consultations: 1, participants: 1, calls: 0 });
  });
});
