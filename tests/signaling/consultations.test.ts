import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsultationRegistry, MAX_WAITING_PATIENTS, type Participant, RelayError } from '../../signaling/consultations';
import { ErrorCode, type ServerMessageBody, type SignalData, type WaitingPatient } from '../../signaling/protocol';
import { applyWaitingRoom } from '../../signaling/waiting-room';

type Body<T extends ServerMessageBody['type']> = Extract<ServerMessageBody, { type: T }>;

const GRACE_MS = 5_000;
const OFFER: SignalData = { type: 'offer', sdp: 'v=0\r\n' };
const ANSWER: SignalData = { type: 'answer', sdp: 'v=0\r\n' };

/**
 * A registry whose deliveries are recorded per recipient, with a clock that ticks on every read. Evictions
 * are recorded with how many deliveries had been made by then.
 */
function setup(waitingRoomBatchMs = 0) {
  const log: Array<{ to: string; message: ServerMessageBody }> = [];
  const evicted: Array<{ id: string; afterDeliveries: number }> = [];
  /** Each recipient's waiting list as its app would hold it, built from the lists and changes it was sent. */
  const lists = new Map<string, WaitingPatient[]>();
  let clock = 1_000;
  const registry = new ConsultationRegistry({
    deliver: (to, message) => {
      log.push({ to, message });
      if (message.type === 'waiting-room' || message.type === 'waiting-room-changes') {
        lists.set(to, applyWaitingRoom(lists.get(to) ?? [], message));
      }
    },
    evict: (id) => evicted.push({ id, afterDeliveries: log.length }),
    graceMs: GRACE_MS,
    now: () => (clock += 10),
    waitingRoomBatchMs,
  });

  /** The waiting list `to` holds now (what its app shows). */
  function waitingRoom(to: string): WaitingPatient[] {
    const list = lists.get(to);
    if (!list) throw new Error(`${to} got no waiting list`);
    return list;
  }

  /** Everything of `type` delivered to `to`, oldest first. */
  function got<T extends ServerMessageBody['type']>(to: string, type: T): Array<Body<T>> {
    return log.filter((d) => d.to === to && d.message.type === type).map((d) => d.message as Body<T>);
  }
  function last<T extends ServerMessageBody['type']>(to: string, type: T): Body<T> {
    const all = got(to, type);
    const message = all[all.length - 1];
    if (!message) throw new Error(`${to} got no ${type}`);
    return message;
  }
  function clear(): void {
    log.length = 0;
    evicted.length = 0;
  }

  /** A clinician's consultation; `code` is its id, which invites name (patients come in on invites). */
  function open(name = 'Dr. Rivera'): { clinician: Participant; code: string } {
    const clinician = registry.create({ id: `s_${name}`, name });
    return { clinician, code: clinician.consultationId };
  }

  let invites = 0;
  /** A patient on an invite to consultation `consultationId` that their device redeemed. */
  function join(consultationId: string, name: string, invitedAs: string | null = null): Participant {
    invites += 1;
    return registry.joinInvited({ consultationId, inviteId: `i_${invites}`, name, invitedAs, deviceKey: `device-${invites}` });
  }

  /** Admits `patient` and returns the new call id (asserting both sides heard of it). */
  function admit(clinician: Participant, patient: Participant): string {
    registry.admit(clinician.id, patient.id);
    const start = last(clinician.id, 'call-start');
    expect(last(patient.id, 'call-start').callId).toBe(start.callId);
    return start.callId;
  }

  /** Moves the registry's clock on. */
  function tick(ms: number): void {
    clock += ms;
  }

  return { registry, log, evicted, got, last, clear, open, join, admit, tick, waitingRoom };
}

function expectRelayError(action: () => unknown, code: ErrorCode): void {
  let thrown: unknown = null;
  try {
    action();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(RelayError);
  expect((thrown as RelayError).code).toBe(code);
}

let t: ReturnType<typeof setup>;
beforeEach(() => {
  t = setup();
});
afterEach(() => {
  t.registry.clear();
  vi.useRealTimers();
});

describe('create', () => {
  it('welcomes the clinician with their enrolled name and no call', () => {
    const { clinician } = t.open('Dr. Rivera');
    const welcome = t.last(clinician.id, 'welcome');
    expect(welcome.self).toEqual({
      participantId: clinician.id,
      role: 'clinician',
      name: 'Dr. Rivera',
      resumeToken: clinician.resumeToken,
    });
    expect(welcome.consultation.clinicianName).toBe('Dr. Rivera');
    expect(welcome.call).toBeNull();
    expect(t.waitingRoom(clinician.id)).toEqual([]);
    expect(t.registry.size).toEqual({ consultations: 1, participants: 1, calls: 0 });
  });

  it('gives every consultation its own id', () => {
    const a = t.open('A');
    const b = t.open('B');
    expect(t.last(a.clinician.id, 'welcome').consultation.id).not.toBe(t.last(b.clinician.id, 'welcome').consultation.id);
  });

  it('calls attach before delivering anything', () => {
    const order: string[] = [];
    const registry = new ConsultationRegistry({
      deliver: (_to, message) => order.push(message.type),
      graceMs: GRACE_MS,
    });
    registry.create({ id: 's_1', name: 'Dr' }, () => order.push('attach'));
    expect(order[0]).toBe('attach');
    registry.clear();
  });
});

describe('join', () => {
  it('puts the patient in the waiting room and tells the clinician at once', () => {
    const { clinician, code } = t.open();
    t.clear();
    const patient = t.join(code, 'Sam');
    const welcome = t.last(patient.id, 'welcome');
    expect(welcome.self.role).toBe('patient');
    expect(welcome.call).toBeNull();
    expect(welcome.consultation.id).toBe(code);
    expect(t.last(patient.id, 'presence')).toEqual({ type: 'presence', participantId: clinician.id, role: 'clinician', present: true });
    expect(t.last(clinician.id, 'presence')).toEqual({ type: 'presence', participantId: patient.id, role: 'patient', present: true });
    expect(t.waitingRoom(clinician.id)).toEqual([
      { id: patient.id, name: 'Sam', invitedAs: null, nameWarning: null, joinedAt: patient.joinedAt, present: true, inCall: false },
    ]);
  });

  it('lists patients in arrival order', () => {
    const { clinician, code } = t.open();
    const first = t.join(code, 'First');
    const second = t.join(code, 'Second');
    expect(t.waitingRoom(clinician.id).map((p) => p.id)).toEqual([first.id, second.id]);
    expect(second.joinedAt).toBeGreaterThan(first.joinedAt);
  });

  it('shows the clinician the name the patient was invited under, beside the one they typed', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Samuel L', 'Sam Lee');
    expect(t.waitingRoom(clinician.id)).toMatchObject([{ id: patient.id, name: 'Samuel L', invitedAs: 'Sam Lee' }]);
  });

  it('gives the same invite, redeemed again by its device, the same seat (no second patient)', () => {
    const { clinician, code } = t.open();
    const first = t.registry.joinInvited({ consultationId: code, inviteId: 'i_same', name: 'Sam', invitedAs: null, deviceKey: 'k' });
    t.registry.disconnected(first.id);
    const again = t.registry.joinInvited({ consultationId: code, inviteId: 'i_same', name: 'Sam', invitedAs: null, deviceKey: 'k' });
    expect(again).toBe(first);
    expect(t.waitingRoom(clinician.id)).toMatchObject([{ id: first.id, present: true }]);
  });

  it('takes a burst of arrivals, then refuses more for a while (RATE_LIMITED): a join/leave loop floods nobody', () => {
    const { code } = t.open();
    for (let i = 0; i < 20; i += 1) t.registry.leave(t.join(code, `Patient ${i}`).id);
    expectRelayError(() => t.join(code, 'One too many'), ErrorCode.RATE_LIMITED);
  });

  it(`seats at most ${MAX_WAITING_PATIENTS} patients at once (CONSULTATION_FULL)`, () => {
    const { code } = t.open();
    for (let i = 0; i < MAX_WAITING_PATIENTS; i += 1) {
      t.join(code, `Patient ${i}`);
      t.tick(3_000); // arrivals paced as people arrive: the waiting room's budget refills between them
    }
    expectRelayError(() => t.join(code, 'Late'), ErrorCode.CONSULTATION_FULL);
  });

  it('refuses an invite to a consultation that is not open with UNKNOWN_CONSULTATION and changes nothing', () => {
    t.open();
    const before = t.registry.size;
    t.clear();
    expectRelayError(() => t.join('k_gone', 'Sam'), ErrorCode.UNKNOWN_CONSULTATION);
    expect(t.log).toEqual([]);
    expect(t.registry.size).toEqual(before);
  });
});

describe('admit', () => {
  it('starts a call with a fresh callId; the clinician is the initiator', () => {
    const { clinician, code } = t.open('Dr. Rivera');
    const patient = t.join(code, 'Sam');
    t.registry.admit(clinician.id, patient.id);
    const toClinician = t.last(clinician.id, 'call-start');
    const toPatient = t.last(patient.id, 'call-start');
    expect(toClinician).toEqual({
      type: 'call-start',
      callId: toClinician.callId,
      initiator: true,
      peer: { id: patient.id, name: 'Sam', role: 'patient' },
      ice: { iceServers: [], iceTransportPolicy: 'all' },
      policy: { patientsMayShare: true },
    });
    expect(toPatient).toEqual({
      type: 'call-start',
      callId: toClinician.callId,
      initiator: false,
      peer: { id: clinician.id, name: 'Dr. Rivera', role: 'clinician' },
      ice: { iceServers: [], iceTransportPolicy: 'all' },
      policy: { patientsMayShare: true },
    });
    expect(t.waitingRoom(clinician.id)).toEqual([expect.objectContaining({ id: patient.id, inCall: true })]);
    expect(t.registry.size.calls).toBe(1);
  });

  it('says the clinic’s screen-share policy with every call-start', () => {
    const sent: Array<{ to: string; message: ServerMessageBody }> = [];
    const registry = new ConsultationRegistry({
      deliver: (to, message) => sent.push({ to, message }),
      graceMs: GRACE_MS,
      callPolicy: { patientsMayShare: false },
    });
    const clinician = registry.create({ id: 's_doc', name: 'Dr. Rivera' });
    const patient = registry.joinInvited({
      consultationId: clinician.consultationId,
      inviteId: 'i_x',
      name: 'Sam',
      invitedAs: null,
      deviceKey: 'dev',
    });
    registry.admit(clinician.id, patient.id);
    const starts = sent.filter((d) => d.message.type === 'call-start').map((d) => d.message as Body<'call-start'>);
    expect(starts.map((start) => start.policy)).toEqual([{ patientsMayShare: false }, { patientsMayShare: false }]);
  });

  it('tells no other waiting patient about the call', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const other = t.join(code, 'Other');
    t.admit(clinician, patient);
    expect(t.got(other.id, 'call-start')).toEqual([]);
  });

  it('refuses a patient who tries to admit with WRONG_ROLE', () => {
    const { code } = t.open();
    const patient = t.join(code, 'Sam');
    const other = t.join(code, 'Other');
    t.clear();
    expectRelayError(() => t.registry.admit(patient.id, other.id), ErrorCode.WRONG_ROLE);
    expectRelayError(() => t.registry.admit(patient.id, patient.id), ErrorCode.WRONG_ROLE);
    expect(t.log).toEqual([]);
  });

  it('refuses an id that is not in this waiting room with UNKNOWN_PATIENT', () => {
    const a = t.open('A');
    const b = t.open('B');
    const bPatient = t.join(b.code, 'Sam');
    t.clear();
    expectRelayError(() => t.registry.admit(a.clinician.id, 'p_nobody'), ErrorCode.UNKNOWN_PATIENT);
    expectRelayError(() => t.registry.admit(a.clinician.id, bPatient.id), ErrorCode.UNKNOWN_PATIENT);
    expectRelayError(() => t.registry.admit(a.clinician.id, a.clinician.id), ErrorCode.UNKNOWN_PATIENT);
    expect(t.log).toEqual([]);
  });

  it('refuses a disconnected patient with PATIENT_OFFLINE', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    t.registry.disconnected(patient.id);
    t.clear();
    expectRelayError(() => t.registry.admit(clinician.id, patient.id), ErrorCode.PATIENT_OFFLINE);
    expect(t.log).toEqual([]);
  });

  it('refuses a second admit while a call runs with CALL_IN_PROGRESS: exactly one call-start per side', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const other = t.join(code, 'Other');
    t.registry.admit(clinician.id, patient.id);
    expectRelayError(() => t.registry.admit(clinician.id, patient.id), ErrorCode.CALL_IN_PROGRESS);
    expectRelayError(() => t.registry.admit(clinician.id, other.id), ErrorCode.CALL_IN_PROGRESS);
    expect(t.got(clinician.id, 'call-start')).toHaveLength(1);
    expect(t.got(patient.id, 'call-start')).toHaveLength(1);
    expect(t.got(other.id, 'call-start')).toHaveLength(0);
  });

  it('refuses callers who are not joined with NOT_JOINED', () => {
    expectRelayError(() => t.registry.admit('p_ghost', 'p_other'), ErrorCode.NOT_JOINED);
  });
});

describe('signal routing', () => {
  it('forwards a signal only to the other participant of the current call, both ways', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const bystander = t.join(code, 'Bystander');
    const callId = t.admit(clinician, patient);
    t.clear();
    t.registry.signal(clinician.id, callId, 1, OFFER);
    t.registry.signal(patient.id, callId, 1, ANSWER);
    expect(t.log).toEqual([
      { to: patient.id, message: { type: 'signal', callId, seq: 1, data: OFFER } },
      { to: clinician.id, message: { type: 'signal', callId, seq: 1, data: ANSWER } },
    ]);
    expect(t.got(bystander.id, 'signal')).toEqual([]);
  });

  it('drops signals for a finished call of the same consultation silently', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const callId = t.admit(clinician, patient);
    t.registry.hangUp(clinician.id, callId);
    t.clear();
    expect(() => t.registry.signal(patient.id, callId, 2, ANSWER)).not.toThrow();
    expect(() => t.registry.signal(clinician.id, callId, 2, OFFER)).not.toThrow();
    expect(t.log).toEqual([]);
  });

  it('drops a stale callId even while a newer call runs, and routes the new one', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const first = t.admit(clinician, patient);
    t.registry.hangUp(patient.id, first);
    const second = t.admit(clinician, patient);
    t.clear();
    t.registry.signal(clinician.id, first, 9, OFFER);
    expect(t.log).toEqual([]);
    t.registry.signal(clinician.id, second, 1, OFFER);
    expect(t.got(patient.id, 'signal')).toEqual([{ type: 'signal', callId: second, seq: 1, data: OFFER }]);
  });

  it('refuses a callId that never existed here with NOT_IN_CALL', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    t.admit(clinician, patient);
    t.clear();
    expectRelayError(() => t.registry.signal(clinician.id, 'c_made_up', 1, OFFER), ErrorCode.NOT_IN_CALL);
    expect(t.log).toEqual([]);
  });

  it("refuses another consultation's callId with NOT_IN_CALL and never crosses over", () => {
    const a = t.open('A');
    const aPatient = t.join(a.code, 'Pa');
    const b = t.open('B');
    const bPatient = t.join(b.code, 'Pb');
    const aCall = t.admit(a.clinician, aPatient);
    const bCall = t.admit(b.clinician, bPatient);
    t.clear();
    expectRelayError(() => t.registry.signal(b.clinician.id, aCall, 1, OFFER), ErrorCode.NOT_IN_CALL);
    expectRelayError(() => t.registry.signal(aPatient.id, bCall, 1, ANSWER), ErrorCode.NOT_IN_CALL);
    t.registry.hangUp(a.clinician.id, aCall);
    t.clear();
    // Even once it has ended, A's call id means nothing in B.
    expectRelayError(() => t.registry.signal(bPatient.id, aCall, 1, ANSWER), ErrorCode.NOT_IN_CALL);
    expect(t.log).toEqual([]);
  });

  it('refuses a waiting patient who uses the running call id with NOT_IN_CALL', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const intruder = t.join(code, 'Intruder');
    const callId = t.admit(clinician, patient);
    t.clear();
    expectRelayError(() => t.registry.signal(intruder.id, callId, 1, OFFER), ErrorCode.NOT_IN_CALL);
    expectRelayError(() => t.registry.hangUp(intruder.id, callId), ErrorCode.NOT_IN_CALL);
    expect(t.log).toEqual([]);
    expect(t.registry.size.calls).toBe(1);
  });
});

describe('hang-up', () => {
  it.each(['clinician', 'patient'] as const)('from the %s ends the call for both', (side) => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const callId = t.admit(clinician, patient);
    t.clear();
    t.registry.hangUp(side === 'clinician' ? clinician.id : patient.id, callId);
    const ended = { type: 'call-ended', callId, reason: 'hang-up', by: side };
    expect(t.got(clinician.id, 'call-ended')).toEqual([ended]);
    expect(t.got(patient.id, 'call-ended')).toEqual([ended]);
    expect(t.waitingRoom(clinician.id)).toEqual([expect.objectContaining({ id: patient.id, inCall: false })]);
    expect(t.registry.size.calls).toBe(0);
  });

  it('passes the connection-failed reason on', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const callId = t.admit(clinician, patient);
    t.registry.hangUp(patient.id, callId, 'connection-failed');
    expect(t.last(clinician.id, 'call-ended')).toEqual({ type: 'call-ended', callId, reason: 'connection-failed', by: 'patient' });
  });

  it('accepts both sides hanging up at once: one call-ended each', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const callId = t.admit(clinician, patient);
    t.registry.hangUp(clinician.id, callId);
    expect(() => t.registry.hangUp(patient.id, callId)).not.toThrow();
    expect(t.got(clinician.id, 'call-ended')).toHaveLength(1);
    expect(t.got(patient.id, 'call-ended')).toHaveLength(1);
  });

  it('lets the clinician admit again; the second call gets a new callId', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const next = t.join(code, 'Next');
    const first = t.admit(clinician, patient);
    t.registry.hangUp(clinician.id, first);
    const again = t.admit(clinician, patient);
    expect(again).not.toBe(first);
    t.registry.hangUp(patient.id, again);
    const third = t.admit(clinician, next);
    expect(new Set([first, again, third]).size).toBe(3);
    expect(t.last(next.id, 'call-start')).toMatchObject({ callId: third, initiator: false });
  });

  it('refuses an unknown callId with NOT_IN_CALL and keeps the call', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    t.admit(clinician, patient);
    expectRelayError(() => t.registry.hangUp(clinician.id, 'c_other'), ErrorCode.NOT_IN_CALL);
    expect(t.registry.size.calls).toBe(1);
  });
});

describe('leave', () => {
  it('a patient leaving is removed from the waiting room and shown as gone', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    t.clear();
    t.registry.leave(patient.id);
    expect(t.last(clinician.id, 'presence')).toEqual({ type: 'presence', participantId: patient.id, role: 'patient', present: false });
    expect(t.waitingRoom(clinician.id)).toEqual([]);
    expect(t.registry.participant(patient.id)).toBeUndefined();
    expectRelayError(() => t.registry.resume(patient.resumeToken, null), ErrorCode.INVALID_RESUME);
  });

  it('a patient leaving mid-call ends the call with peer-left', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const callId = t.admit(clinician, patient);
    t.registry.leave(patient.id);
    expect(t.last(clinician.id, 'call-ended')).toEqual({ type: 'call-ended', callId, reason: 'peer-left', by: 'patient' });
    expect(t.registry.size.calls).toBe(0);
  });

  it('the clinician leaving closes the consultation for every patient', () => {
    const { clinician, code } = t.open();
    const inCall = t.join(code, 'In call');
    const waiting = t.join(code, 'Waiting');
    const offline = t.join(code, 'Offline');
    t.registry.disconnected(offline.id);
    const callId = t.admit(clinician, inCall);
    t.clear();
    t.registry.leave(clinician.id);
    expect(t.got(inCall.id, 'call-ended')).toEqual([{ type: 'call-ended', callId, reason: 'peer-left', by: 'clinician' }]);
    for (const patient of [inCall, waiting, offline]) {
      expect(t.got(patient.id, 'consultation-closed')).toEqual([{ type: 'consultation-closed', reason: 'clinician-left' }]);
      expectRelayError(() => t.registry.resume(patient.resumeToken, null), ErrorCode.INVALID_RESUME);
    }
    expect(t.registry.size).toEqual({ consultations: 0, participants: 0, calls: 0 });
    expectRelayError(() => t.join(code, 'Late'), ErrorCode.UNKNOWN_CONSULTATION);
  });

  it('leaves the other consultations alone', () => {
    const a = t.open('A');
    const b = t.open('B');
    const bPatient = t.join(b.code, 'Sam');
    t.clear();
    t.registry.leave(a.clinician.id);
    expect(t.log.filter((d) => d.to === bPatient.id || d.to === b.clinician.id)).toEqual([]);
    expect(t.registry.size).toEqual({ consultations: 1, participants: 2, calls: 0 });
  });

  it('refuses a second leave with NOT_JOINED', () => {
    const { code } = t.open();
    const patient = t.join(code, 'Sam');
    t.registry.leave(patient.id);
    expectRelayError(() => t.registry.leave(patient.id), ErrorCode.NOT_JOINED);
  });
});

describe('evict', () => {
  it('asks the server to close every patient of a closed consultation, after its last message', () => {
    const { clinician, code } = t.open();
    const inCall = t.join(code, 'In call');
    const waiting = t.join(code, 'Waiting');
    t.admit(clinician, inCall);
    t.clear();
    t.registry.leave(clinician.id);
    expect(t.evicted.map((e) => e.id).sort()).toEqual([inCall.id, waiting.id].sort());
    for (const { id, afterDeliveries } of t.evicted) {
      const toThem = t.log.flatMap((d, i) => (d.to === id ? [i] : []));
      expect(t.log[afterDeliveries - 1]).toEqual({ to: id, message: { type: 'consultation-closed', reason: 'clinician-left' } });
      expect(toThem.every((i) => i < afterDeliveries)).toBe(true); // nothing after the eviction
    }
  });

  it('never evicts the clinician who leaves (its own socket asked) nor anyone when a patient leaves or a call ends', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const other = t.join(code, 'Kim');
    const callId = t.admit(clinician, patient);
    t.registry.hangUp(clinician.id, callId);
    t.registry.leave(other.id);
    expect(t.evicted).toEqual([]);
    t.registry.leave(clinician.id);
    expect(t.evicted.map((e) => e.id)).toEqual([patient.id]);
  });

  it("evicts the patients when the clinician's grace expires, and no one when a patient's does", () => {
    vi.useFakeTimers();
    const { clinician, code } = t.open();
    const leaving = t.join(code, 'Gone');
    const staying = t.join(code, 'Sam');
    t.registry.disconnected(leaving.id);
    vi.advanceTimersByTime(GRACE_MS);
    expect(t.evicted).toEqual([]);
    t.registry.disconnected(clinician.id);
    vi.advanceTimersByTime(GRACE_MS);
    expect(t.evicted.map((e) => e.id)).toEqual([staying.id]);
  });
});

describe('disconnect and grace period', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  it('shows a disconnected patient as gone at once but keeps the place until grace expires', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    t.clear();
    t.registry.disconnected(patient.id);
    expect(t.last(clinician.id, 'presence')).toEqual({ type: 'presence', participantId: patient.id, role: 'patient', present: false });
    expect(t.waitingRoom(clinician.id)).toEqual([expect.objectContaining({ id: patient.id, present: false })]);

    vi.advanceTimersByTime(GRACE_MS - 1);
    expect(t.registry.participant(patient.id)).toBeDefined();
    t.clear();
    vi.advanceTimersByTime(1);
    expect(t.registry.participant(patient.id)).toBeUndefined();
    expect(t.waitingRoom(clinician.id)).toEqual([]);
    expectRelayError(() => t.registry.resume(patient.resumeToken, null), ErrorCode.INVALID_RESUME);
  });

  it('keeps the call through a short drop and ends it with peer-left when grace expires', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const callId = t.admit(clinician, patient);
    t.registry.disconnected(patient.id);
    expect(t.registry.size.calls).toBe(1);
    expect(t.got(clinician.id, 'call-ended')).toEqual([]);
    vi.advanceTimersByTime(GRACE_MS);
    expect(t.got(clinician.id, 'call-ended')).toEqual([{ type: 'call-ended', callId, reason: 'peer-left', by: 'patient' }]);
    expect(t.registry.size.calls).toBe(0);
  });

  it('a clinician who disconnects is shown as gone to patients; grace expiry closes the consultation', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    t.clear();
    t.registry.disconnected(clinician.id);
    expect(t.last(patient.id, 'presence')).toEqual({ type: 'presence', participantId: clinician.id, role: 'clinician', present: false });
    expect(t.got(patient.id, 'consultation-closed')).toEqual([]);
    vi.advanceTimersByTime(GRACE_MS);
    expect(t.got(patient.id, 'consultation-closed')).toHaveLength(1);
    expect(t.registry.size).toEqual({ consultations: 0, participants: 0, calls: 0 });
  });

  it('ignores a second disconnect and unknown ids', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    t.registry.disconnected(patient.id);
    t.clear();
    t.registry.disconnected(patient.id);
    t.registry.disconnected('p_unknown');
    expect(t.log).toEqual([]);
    expect(t.got(clinician.id, 'presence')).toEqual([]);
  });

  it('a resume within grace cancels the removal', () => {
    const { code } = t.open();
    const patient = t.join(code, 'Sam');
    t.registry.disconnected(patient.id);
    vi.advanceTimersByTime(GRACE_MS - 100);
    t.registry.resume(patient.resumeToken, null);
    vi.advanceTimersByTime(GRACE_MS * 2);
    expect(t.registry.participant(patient.id)?.present).toBe(true);
  });
});

describe('resume', () => {
  it('takes the same place back: same id, presence restored, arrival order kept', () => {
    const { clinician, code } = t.open();
    const first = t.join(code, 'First');
    const second = t.join(code, 'Second');
    t.registry.disconnected(first.id);
    t.clear();

    const resumed = t.registry.resume(first.resumeToken, null);
    expect(resumed.id).toBe(first.id);
    const welcome = t.last(first.id, 'welcome');
    expect(welcome.self).toEqual({ participantId: first.id, role: 'patient', name: 'First', resumeToken: first.resumeToken });
    expect(welcome.call).toBeNull();
    expect(t.last(first.id, 'presence')).toMatchObject({ participantId: clinician.id, present: true });
    expect(t.last(clinician.id, 'presence')).toEqual({ type: 'presence', participantId: first.id, role: 'patient', present: true });
    const room = t.waitingRoom(clinician.id);
    expect(room.map((p) => [p.id, p.joinedAt, p.present])).toEqual([
      [first.id, first.joinedAt, true],
      [second.id, second.joinedAt, true],
    ]);
  });

  it('calls attach before delivering the welcome', () => {
    const { code } = t.open();
    const patient = t.join(code, 'Sam');
    t.registry.disconnected(patient.id);
    let deliveredBeforeAttach = -1;
    t.clear();
    t.registry.resume(patient.resumeToken, null, () => {
      deliveredBeforeAttach = t.log.length;
    });
    expect(deliveredBeforeAttach).toBe(0);
  });

  it('refuses an unknown token with INVALID_RESUME', () => {
    expectRelayError(() => t.registry.resume('x'.repeat(32), null), ErrorCode.INVALID_RESUME);
  });

  it('a clinician resuming is shown as back to every patient', () => {
    const { clinician, code } = t.open();
    const a = t.join(code, 'A');
    const b = t.join(code, 'B');
    t.registry.disconnected(clinician.id);
    t.clear();
    t.registry.resume(clinician.resumeToken, null);
    for (const patient of [a, b]) {
      expect(t.last(patient.id, 'presence')).toEqual({ type: 'presence', participantId: clinician.id, role: 'clinician', present: true });
    }
    expect(t.waitingRoom(clinician.id).map((p) => p.id)).toEqual([a.id, b.id]);
  });

  it('keeps the running call when the client still holds it', () => {
    const { clinician, code } = t.open('Dr');
    const patient = t.join(code, 'Sam');
    const callId = t.admit(clinician, patient);
    t.registry.disconnected(patient.id);
    t.clear();
    t.registry.resume(patient.resumeToken, callId);
    expect(t.last(patient.id, 'welcome').call).toEqual({
      callId,
      initiator: false,
      peer: { id: clinician.id, name: 'Dr', role: 'clinician' },
    });
    expect(t.got(patient.id, 'call-ended')).toEqual([]);
    expect(t.got(patient.id, 'call-start')).toEqual([]);
    expect(t.got(clinician.id, 'call-ended')).toEqual([]);
  });

  it.each(['patient', 'clinician'] as const)(
    'restarts the call when the %s comes back without it (callId null): replaced + new call-start',
    (who) => {
      const { clinician, code } = t.open('Dr');
      const patient = t.join(code, 'Sam');
      const oldCall = t.admit(clinician, patient);
      const resumer = who === 'patient' ? patient : clinician;
      t.registry.disconnected(resumer.id);
      t.clear();
      t.registry.resume(resumer.resumeToken, null);
      expect(t.last(resumer.id, 'welcome').call).toBeNull();
      for (const side of [clinician, patient]) {
        expect(t.got(side.id, 'call-ended')).toEqual([{ type: 'call-ended', callId: oldCall, reason: 'replaced', by: null }]);
        expect(t.got(side.id, 'call-start')).toHaveLength(1);
      }
      const newCall = t.last(clinician.id, 'call-start');
      expect(newCall).toMatchObject({ initiator: true, peer: { id: patient.id } });
      expect(newCall.callId).not.toBe(oldCall);
      expect(t.last(patient.id, 'call-start')).toMatchObject({ callId: newCall.callId, initiator: false });
      // The old call is now stale: its signals are dropped, the new one is routed.
      t.clear();
      t.registry.signal(clinician.id, oldCall, 5, OFFER);
      expect(t.log).toEqual([]);
      t.registry.signal(clinician.id, newCall.callId, 1, OFFER);
      expect(t.got(patient.id, 'signal')).toHaveLength(1);
    },
  );

  it('does not touch a call that the resuming patient is not part of', () => {
    const { clinician, code } = t.open();
    const inCall = t.join(code, 'In call');
    const waiting = t.join(code, 'Waiting');
    const callId = t.admit(clinician, inCall);
    t.registry.disconnected(waiting.id);
    t.clear();
    t.registry.resume(waiting.resumeToken, null);
    expect(t.last(waiting.id, 'welcome').call).toBeNull();
    expect(t.got(clinician.id, 'call-ended')).toEqual([]);
    expect(t.got(inCall.id, 'call-start')).toEqual([]);
    t.registry.signal(inCall.id, callId, 1, ANSWER);
    expect(t.got(clinician.id, 'signal')).toHaveLength(1);
  });
});

describe('the waiting list as changes', () => {
  const BATCH_MS = 100;
  const bytesTo = (to: string) =>
    t.log.filter((d) => d.to === to && d.message.type.startsWith('waiting-room')).reduce((n, d) => n + JSON.stringify(d.message).length, 0);

  it('sends the whole list once, then only what changed', () => {
    const { clinician, code } = t.open();
    expect(t.got(clinician.id, 'waiting-room')).toEqual([{ type: 'waiting-room', patients: [] }]);
    const first = t.join(code, 'First');
    const second = t.join(code, 'Second');
    t.clear();
    t.registry.disconnected(first.id);
    expect(t.got(clinician.id, 'waiting-room')).toEqual([]);
    expect(t.got(clinician.id, 'waiting-room-changes')).toEqual([
      { type: 'waiting-room-changes', patients: [expect.objectContaining({ id: first.id, present: false })], removed: [] },
    ]);
    t.registry.leave(second.id);
    expect(t.last(clinician.id, 'waiting-room-changes')).toEqual({ type: 'waiting-room-changes', patients: [], removed: [second.id] });
    expect(t.waitingRoom(clinician.id).map((p) => p.id)).toEqual([first.id]);
  });

  it('gives a clinician back on a new socket the whole list again', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    t.registry.disconnected(clinician.id);
    t.clear();
    t.registry.resume(clinician.resumeToken, null);
    expect(t.got(clinician.id, 'waiting-room')).toEqual([
      { type: 'waiting-room', patients: [expect.objectContaining({ id: patient.id })] },
    ]);
  });

  it('sends a change after a quiet spell at once, and changes close behind it together at the end of the batch', () => {
    vi.useFakeTimers();
    t = setup(BATCH_MS);
    const { clinician, code } = t.open();
    t.clear();
    const first = t.join(code, 'First');
    expect(t.waitingRoom(clinician.id).map((p) => p.name)).toEqual(['First']); // at once
    const others = ['Second', 'Third', 'Fourth'].map((name) => t.join(code, name));
    t.registry.leave(others[2]?.id ?? '');
    expect(t.got(clinician.id, 'waiting-room-changes')).toHaveLength(1);
    vi.advanceTimersByTime(BATCH_MS);
    const changes = t.got(clinician.id, 'waiting-room-changes');
    expect(changes).toHaveLength(2);
    // Fourth came and went inside the batch: the clinician never hears of it.
    expect(changes[1]).toEqual({
      type: 'waiting-room-changes',
      patients: [expect.objectContaining({ name: 'Second' }), expect.objectContaining({ name: 'Third' })],
      removed: [],
    });
    expect(t.waitingRoom(clinician.id).map((p) => p.id)).toEqual([first.id, others[0]?.id, others[1]?.id]);
    vi.advanceTimersByTime(BATCH_MS * 10);
    expect(t.got(clinician.id, 'waiting-room-changes')).toHaveLength(2); // nothing changed since: nothing sent
  });

  it('keeps a join/leave flood to a few small messages: the clinician is sent what differs, not every step', () => {
    vi.useFakeTimers();
    t = setup(BATCH_MS);
    const { clinician, code } = t.open();
    const waiting = t.join(code, 'Waiting');
    t.clear();
    // Twenty arrivals (the burst one waiting room takes) leaving again, within one batch.
    for (let i = 0; i < 19; i += 1) t.registry.leave(t.join(code, `Flood ${i}`).id);
    vi.advanceTimersByTime(BATCH_MS);
    const messages = t.got(clinician.id, 'waiting-room-changes').length;
    expect(messages).toBeLessThanOrEqual(2);
    expect(bytesTo(clinician.id)).toBeLessThan(600);
    expect(t.waitingRoom(clinician.id).map((p) => p.id)).toEqual([waiting.id]);
  });

  it('sends nothing more to a consultation that closed while a batch waited', () => {
    vi.useFakeTimers();
    t = setup(BATCH_MS);
    const { clinician, code } = t.open();
    t.join(code, 'First');
    t.join(code, 'Second');
    t.registry.leave(clinician.id);
    t.clear();
    vi.advanceTimersByTime(BATCH_MS);
    expect(t.log).toEqual([]);
  });
});

describe('notes to the waiting room', () => {
  it("shows the clinician's note to the one patient it is for, and tells the clinician it arrived", () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const other = t.join(code, 'Alex');
    t.clear();
    t.registry.sendNote(clinician.id, patient.id, "I'm running 5 minutes late");
    expect(t.got(patient.id, 'waiting-note')).toEqual([
      { type: 'waiting-note', text: "I'm running 5 minutes late", sentAt: expect.any(Number) },
    ]);
    expect(t.got(other.id, 'waiting-note')).toEqual([]);
    expect(t.got(clinician.id, 'waiting-note-sent')).toEqual([{ type: 'waiting-note-sent', patientId: patient.id }]);
  });

  it('refuses a note from a patient (WRONG_ROLE), to another consultation (UNKNOWN_PATIENT), to one offline (PATIENT_OFFLINE)', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    const elsewhere = t.join(t.open('Dr. Other').code, 'Elsewhere');
    expectRelayError(() => t.registry.sendNote(patient.id, patient.id, 'hi'), ErrorCode.WRONG_ROLE);
    expectRelayError(() => t.registry.sendNote(clinician.id, elsewhere.id, 'hi'), ErrorCode.UNKNOWN_PATIENT);
    t.admit(clinician, patient);
    expectRelayError(() => t.registry.sendNote(clinician.id, patient.id, 'hi'), ErrorCode.CALL_IN_PROGRESS);
    t.registry.disconnected(patient.id);
    expectRelayError(() => t.registry.sendNote(clinician.id, patient.id, 'hi'), ErrorCode.PATIENT_OFFLINE);
    expect(t.got(elsewhere.id, 'waiting-note')).toEqual([]);
  });

  it('takes a burst of ten notes, then refuses more for a while (RATE_LIMITED)', () => {
    const { clinician, code } = t.open();
    const patient = t.join(code, 'Sam');
    for (let i = 0; i < 10; i += 1) t.registry.sendNote(clinician.id, patient.id, `note ${i}`);
    expectRelayError(() => t.registry.sendNote(clinician.id, patient.id, 'one more'), ErrorCode.RATE_LIMITED);
  });
});
