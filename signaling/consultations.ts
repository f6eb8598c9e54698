/**
 * Consultations, waiting rooms and calls: the relay's whole state, with no sockets in it.
 *
 * Every operation either throws a `RelayError` (nothing changed) or changes state and delivers the
 * resulting messages through the injected `deliver`. The server maps participant ids to sockets.
 */

import { randomBytes } from 'node:crypto';
import { newConsultationCode, newId } from './ids';
import { nameWarning } from './names';
import {
  type CallPolicy,
  DEFAULT_CALL_POLICY,
  type EndReason,
  ErrorCode,
  type IceSettings,
  type Role,
  type ServerMessageBody,
  type SignalData,
  type WaitingPatient,
} from './protocol';
import { ResumeTokens, type SeatClaim } from './resume-tokens';
import { TokenBucket } from './token-bucket';
import { waitingRoomChanges } from './waiting-room';

export class RelayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RelayError';
  }
}

export interface Participant {
  readonly id: string;
  readonly role: Role;
  readonly name: string;
  readonly consultationId: string;
  /** A clinician's staff id (the seat is theirs alone); null for a patient. */
  readonly staffId: string | null;
  /** A patient's invite, and the device key it was redeemed with: only that device takes the seat back. */
  readonly inviteId: string | null;
  readonly deviceKey: string | null;
  /** The name the clinician invited this patient under, if any. */
  readonly invitedAs: string | null;
  readonly resumeToken: string;
  readonly joinedAt: number;
  present: boolean;
  /** Pending removal after a disconnect; cleared when the participant comes back. */
  expiry: ReturnType<typeof setTimeout> | null;
}

interface Call {
  readonly id: string;
  readonly patientId: string;
  readonly startedAt: number;
}

interface Consultation {
  readonly id: string;
  readonly code: string;
  readonly clinicianId: string;
  readonly clinicianStaffId: string | null;
  /** Patients in arrival order (Map keeps insertion order). */
  readonly patients: Map<string, Participant>;
  call: Call | null;
  /** Ids of this consultation's finished calls: late signals for them are dropped quietly. */
  readonly endedCallIds: Set<string>;
  /**
   * After a relay restart: the call each returning participant still holds. When the clinician and a patient
   * hold the same call, it is the consultation's call again, and its signals flow as before.
   */
  readonly heldCalls: Map<string, string>;
  readonly arrivals: TokenBucket;
  /** Notes to the waiting room: a clinician's slip of the keyboard cannot flood a patient's screen. */
  readonly notes: TokenBucket;
  /** The waiting list as the clinician was last sent it (whole or as changes); null: send it whole next. */
  waitingRoomSent: Map<string, WaitingPatient> | null;
  /** While set, changes wait to be sent together when it fires (see `waitingRoomChanged`). */
  waitingRoomTimer: ReturnType<typeof setTimeout> | null;
}

interface Seat {
  code: string;
  clinicianId: string;
  clinicianName: string;
  clinicianStaffId: string | null;
}

export interface RegistryOptions {
  deliver: (participantId: string, message: ServerMessageBody) => void;
  /**
   * The relay is done with this participant (its consultation closed) and has delivered its last message:
   * the server closes its connection. Leaving on its own (`leave`) evicts no one: that socket asked.
   */
  evict?: (participantId: string) => void;
  /** How long a disconnected participant keeps its place (and its call) before being removed. */
  graceMs: number;
  /** ICE servers and TURN credentials for one participant's side of a call (fresh at every call-start). */
  ice?: (participantId: string) => IceSettings;
  /** The clinic's rules said with every call-start (protocol.ts `callPolicy`); default: patients may share. */
  callPolicy?: CallPolicy;
  /** Signs resume tokens; with the same secret, a restarted relay accepts the tokens of the one before. */
  tokens?: ResumeTokens;
  /** How long a resume token stays valid. */
  tokenTtlMs?: number;
  now?: () => number;
  /** What outlives this relay process (the store, the audit log, metrics): see `RegistryHistory`. */
  history?: RegistryHistory;
  /**
   * Changes to a waiting list within this long of the last ones sent go out together at its end; 0 sends
   * each at once (unit tests that follow every step). The first change after a quiet spell goes out at once.
   */
  waitingRoomBatchMs?: number;
}

/**
 * What the registry remembers beyond its own life, and tells as it happens. With the same secret, a restarted
 * relay honours the tokens of the one before: without `departedBefore` and `closed`, it would reopen
 * consultations that had closed and let back in people who had left. The rest is the clinic's record (the
 * audit log). Writes are the caller's to make durable; the registry only tells, synchronously, before it
 * delivers the messages that follow from the change.
 */
export interface RegistryHistory {
  /** Participants (clinicians included: their consultation closed) who left for good before this relay started. */
  readonly departedBefore: Iterable<string>;
  /** `restored`: rebuilt from a resume token after a relay restart, not newly opened. */
  opened(consultation: { id: string; code: string; clinicianStaffId: string | null; restored: boolean }): void;
  closed(consultationId: string): void;
  departed(participant: Participant): void;
  callStarted(call: {
    id: string;
    consultationId: string;
    patientId: string;
    cause: 'admit' | 'restart' | 'resume';
    clinicianStaffId: string | null;
  }): void;
  callEnded(call: { id: string; consultationId: string; patientId: string; reason: EndReason; by: Role | null; durationMs: number }): void;
}

/** A patient coming in on a redeemed invite. */
export interface InvitedPatient {
  consultationId: string;
  inviteId: string;
  name: string;
  invitedAs: string | null;
  /** The device's public key (base64url SPKI) the invite is bound to. */
  deviceKey: string;
}

/**
 * What a seat rebuilt after a relay restart needs beyond its token: tokens carry ids only (no names, no codes),
 * so the server reads the rest from the store.
 */
export interface SeatDetails {
  code: string;
  clinicianName: string;
  name: string;
  invitedAs: string | null;
  deviceKey: string | null;
}

/** The seat a resume token names: live in this relay, or only a verified claim (the relay restarted). */
export type SeatLookup = { live: Participant } | { claim: SeatClaim };

const MAX_ENDED_CALL_IDS = 64;
/** Patients one consultation seats at once: far beyond a clinic's day, and a bound on what a list costs. */
export const MAX_WAITING_PATIENTS = 50;
/** Arrivals (joins and re-joins) in one waiting room: bursts of 20, then 20 a minute. */
const ARRIVAL_BURST = 20;
const ARRIVALS_PER_SECOND = 20 / 60;
/** Notes to one waiting room: bursts of 10, then 10 a minute. */
const NOTE_BURST = 10;
const NOTES_PER_SECOND = 10 / 60;
export const DEFAULT_WAITING_ROOM_BATCH_MS = 100;
export const DEFAULT_TOKEN_TTL_MS = 24 * 3600 * 1000;

/** Called once the participant exists and before anything is delivered to it (binds it to a socket). */
export type Attach = (participant: Participant) => void;
const noop: Attach = () => {};

export class ConsultationRegistry {
  private readonly consultations = new Map<string, Consultation>();
  private readonly byCode = new Map<string, Consultation>();
  private readonly participants = new Map<string, Participant>();
  private readonly byResumeToken = new Map<string, Participant>();
  /** Participants who left for good: their (still validly signed) tokens must not bring them back. */
  private readonly departed = new Set<string>();
  private lastJoinedAt = 0;
  private readonly deliver: RegistryOptions['deliver'];
  private readonly now: () => number;
  private readonly tokens: ResumeTokens;

  constructor(private readonly options: RegistryOptions) {
    this.deliver = options.deliver;
    this.now = options.now ?? Date.now;
    this.tokens = options.tokens ?? new ResumeTokens(randomBytes(32).toString('base64url'));
    for (const participantId of options.history?.departedBefore ?? []) this.departed.add(participantId);
  }

  get size(): { consultations: number; participants: number; calls: number } {
    let calls = 0;
    for (const c of this.consultations.values()) if (c.call) calls += 1;
    return { consultations: this.consultations.size, participants: this.participants.size, calls };
  }

  participant(id: string): Participant | undefined {
    return this.participants.get(id);
  }

  /** A staff member opens a consultation and becomes its clinician, under the name IT enrolled them with. */
  create(staff: { id: string; name: string }, attach: Attach = noop): Participant {
    let code = newConsultationCode();
    while (this.byCode.has(code)) code = newConsultationCode();
    const consultationId = newId('k');
    const clinicianId = newId('p');
    const consultation = this.addConsultation(consultationId, code, clinicianId, staff.id);
    const clinician = this.addParticipant(
      'clinician',
      staff.name,
      consultationId,
      { code, clinicianId, clinicianName: staff.name, clinicianStaffId: staff.id },
      { id: clinicianId },
    );
    attach(clinician);
    this.welcome(clinician);
    this.waitingRoomChanged(consultation);
    return clinician;
  }

  /**
   * A patient enters the waiting room on their redeemed invite; the clinician hears of it at once. The same
   * invite again (its own device: the store let it in) takes the seat the invite already has.
   */
  joinInvited(invited: InvitedPatient, attach: Attach = noop): Participant {
    const consultation = this.consultations.get(invited.consultationId);
    if (!consultation) {
      throw new RelayError(ErrorCode.UNKNOWN_CONSULTATION, 'your clinician has not opened this consultation yet; try again shortly');
    }
    // Every arrival costs the clinician a presence and a waiting list: a patient looping join/leave (or
    // reload) cannot make that a flood.
    if (!consultation.arrivals.take(this.now())) {
      throw new RelayError(ErrorCode.RATE_LIMITED, 'Too many arrivals in this waiting room just now. Wait a minute, then try again.');
    }
    const seated = [...consultation.patients.values()].find((p) => p.inviteId === invited.inviteId);
    if (seated) return this.takeBack(seated, null, attach);
    if (consultation.patients.size >= MAX_WAITING_PATIENTS) {
      throw new RelayError(ErrorCode.CONSULTATION_FULL, 'This waiting room is full. Please wait, or call the clinic.');
    }
    const clinician = this.clinicianOf(consultation);
    const seat: Seat = {
      code: consultation.code,
      clinicianId: clinician.id,
      clinicianName: clinician.name,
      clinicianStaffId: clinician.staffId,
    };
    const patient = this.addParticipant('patient', invited.name, consultation.id, seat, {
      inviteId: invited.inviteId,
      deviceKey: invited.deviceKey,
      invitedAs: invited.invitedAs,
    });
    attach(patient);
    consultation.patients.set(patient.id, patient);
    this.welcome(patient);
    this.sendPresenceOf(this.clinicianOf(consultation), patient.id);
    this.waitingRoomChanged(consultation);
    return patient;
  }

  /**
   * The seat a resume token names (its role, and for a clinician whose it is), without taking it: what the
   * access policy needs before `resume`. Null when the token would be refused anyway.
   */
  seatOf(resumeToken: string): SeatLookup | null {
    const held = this.byResumeToken.get(resumeToken);
    if (held) return { live: held };
    const claim = this.tokens.verify(resumeToken, this.now());
    if (!claim || this.departed.has(claim.pid)) return null;
    const live = this.participants.get(claim.pid);
    return live ? { live } : { claim };
  }

  /** The clinicians seated by this staff member (a revoked person's consultations close at once). */
  cliniciansOf(staffId: string): Participant[] {
    return [...this.participants.values()].filter((p) => p.role === 'clinician' && p.staffId === staffId);
  }

  /**
   * Puts a participant back in its place. `heldCallId` is the call the client still has a live peer for;
   * if the relay's current call is another one (e.g. the page was reloaded), that call is restarted so both
   * sides get a fresh peer instead of one side talking to a peer that no longer exists.
   */
  resume(resumeToken: string, heldCallId: string | null, attach: Attach = noop, details: SeatDetails | null = null): Participant {
    const participant = this.byResumeToken.get(resumeToken) ?? this.rebuildSeat(resumeToken, details);
    if (!participant) throw new RelayError(ErrorCode.INVALID_RESUME, 'this session has ended; join again');
    return this.takeBack(participant, heldCallId, attach);
  }

  private takeBack(participant: Participant, heldCallId: string | null, attach: Attach): Participant {
    const consultation = this.consultationOf(participant);
    attach(participant);
    this.reinstateHeldCall(consultation, participant, heldCallId);
    if (participant.expiry) clearTimeout(participant.expiry);
    participant.expiry = null;
    participant.present = true;
    const call = consultation.call;
    const inCall = call !== null && this.isInCall(participant, call);
    this.welcome(participant, inCall && call.id === heldCallId);
    this.broadcastPresence(consultation, participant);
    // A clinician back on a new socket has no list yet: it gets the whole one.
    if (participant.role === 'clinician') this.sendWholeWaitingRoom(consultation);
    else this.waitingRoomChanged(consultation);
    if (call && inCall && call.id !== heldCallId) {
      this.endCall(consultation, 'replaced', null);
      this.startCall(consultation, call.patientId, 'resume');
    }
    return participant;
  }

  /**
   * Either side found its connection broken: the call starts over with fresh peers (a new call id), the
   * clinician again the initiator. A restart of a call that already ended is a harmless duplicate.
   */
  restart(fromId: string, callId: string): void {
    const current = this.callFor(fromId, callId);
    if (!current) return; // the other side restarted it first
    this.endCall(current.consultation, 'replaced', null);
    this.startCall(current.consultation, current.call.patientId, 'restart');
  }

  admit(clinicianId: string, patientId: string): void {
    const clinician = this.requireParticipant(clinicianId);
    if (clinician.role !== 'clinician') throw new RelayError(ErrorCode.WRONG_ROLE, 'only the clinician can admit patients');
    const consultation = this.consultationOf(clinician);
    const patient = consultation.patients.get(patientId);
    if (!patient) throw new RelayError(ErrorCode.UNKNOWN_PATIENT, 'this patient is not in the waiting room');
    if (!patient.present) throw new RelayError(ErrorCode.PATIENT_OFFLINE, `${patient.name} is offline right now`);
    if (consultation.call) {
      const busyWith =
        consultation.call.patientId === patientId ? `already in a call with ${patient.name}` : 'hang up the current call first';
      throw new RelayError(ErrorCode.CALL_IN_PROGRESS, busyWith);
    }
    this.startCall(consultation, patientId, 'admit');
  }

  /** The clinician's note reaches one waiting patient's screen now, or is refused (nothing is kept for later). */
  sendNote(clinicianId: string, patientId: string, text: string): void {
    const clinician = this.requireParticipant(clinicianId);
    if (clinician.role !== 'clinician') throw new RelayError(ErrorCode.WRONG_ROLE, 'only the clinician can send notes to the waiting room');
    const consultation = this.consultationOf(clinician);
    const patient = consultation.patients.get(patientId);
    if (!patient) throw new RelayError(ErrorCode.UNKNOWN_PATIENT, 'this patient is not in the waiting room');
    if (!patient.present) throw new RelayError(ErrorCode.PATIENT_OFFLINE, `${patient.name} is offline right now; the note was not sent`);
    // In the call, a note would only appear once it ended, about a wait that is over: the call has its chat.
    if (consultation.call?.patientId === patientId) {
      throw new RelayError(ErrorCode.CALL_IN_PROGRESS, `${patient.name} is in the call with you; use the chat instead`);
    }
    if (!consultation.notes.take(this.now())) {
      throw new RelayError(ErrorCode.RATE_LIMITED, 'Too many notes just now. Wait a minute, then try again.');
    }
    this.deliver(patient.id, { type: 'waiting-note', text, sentAt: this.now() });
    this.deliver(clinician.id, { type: 'waiting-note-sent', patientId });
  }

  signal(fromId: string, callId: string, seq: number, data: SignalData): void {
    const current = this.callFor(fromId, callId);
    if (!current) return; // late signal of a finished call: harmless, dropped
    const { consultation, call, from } = current;
    this.deliver(this.otherInCall(consultation, call, from), { type: 'signal', callId, seq, data });
  }

  /**
   * The call `callId` of this participant, for what it reports about it (its path); null when that call is
   * over (a late report is dropped). Throws NOT_IN_CALL for a call that is not theirs.
   */
  callOf(fromId: string, callId: string): { consultationId: string; role: Role } | null {
    const current = this.callFor(fromId, callId);
    return current ? { consultationId: current.consultation.id, role: current.from.role } : null;
  }

  hangUp(fromId: string, callId: string, reason: 'hang-up' | 'connection-failed' = 'hang-up'): void {
    const current = this.callFor(fromId, callId);
    if (!current) return; // both sides hung up at once
    this.endCall(current.consultation, reason, current.from.role);
  }

  /** Leaving for good: a patient leaves the waiting room; the clinician closes the consultation. */
  leave(participantId: string): void {
    const participant = this.requireParticipant(participantId);
    this.remove(participant);
  }

  /** The socket is gone: keep the place for `graceMs`, tell the other side now. */
  disconnected(participantId: string): void {
    const participant = this.participants.get(participantId);
    if (!participant?.present) return;
    const consultation = this.consultationOf(participant);
    participant.present = false;
    this.broadcastPresence(consultation, participant);
    this.waitingRoomChanged(consultation);
    this.expireLater(participant);
  }

  /** Drops everything (relay shutdown). */
  clear(): void {
    for (const participant of this.participants.values()) if (participant.expiry) clearTimeout(participant.expiry);
    for (const consultation of this.consultations.values()) if (consultation.waitingRoomTimer) clearTimeout(consultation.waitingRoomTimer);
    this.participants.clear();
    this.byResumeToken.clear();
    this.consultations.clear();
    this.byCode.clear();
  }

  // ---- internals -----------------------------------------------------------------------------------------

  private addConsultation(id: string, code: string, clinicianId: string, clinicianStaffId: string | null, restored = false): Consultation {
    const consultation: Consultation = {
      id,
      code,
      clinicianId,
      clinicianStaffId,
      patients: new Map(),
      call: null,
      endedCallIds: new Set(),
      heldCalls: new Map(),
      arrivals: new TokenBucket(ARRIVALS_PER_SECOND, ARRIVAL_BURST, this.now()),
      notes: new TokenBucket(NOTES_PER_SECOND, NOTE_BURST, this.now()),
      waitingRoomSent: null,
      waitingRoomTimer: null,
    };
    this.consultations.set(id, consultation);
    this.byCode.set(code, consultation);
    this.options.history?.opened({ id, code, clinicianStaffId, restored });
    return consultation;
  }

  private addParticipant(
    role: Role,
    name: string,
    consultationId: string,
    seat: Seat,
    known: {
      id?: string;
      joinedAt?: number;
      present?: boolean;
      inviteId?: string | null;
      deviceKey?: string | null;
      invitedAs?: string | null;
    } = {},
  ): Participant {
    const id = known.id ?? newId('p');
    // Strictly increasing, so arrival order survives a relay restart even within one millisecond.
    const joinedAt = known.joinedAt ?? Math.max(this.now(), this.lastJoinedAt + 1);
    this.lastJoinedAt = Math.max(this.lastJoinedAt, joinedAt);
    const staffId = role === 'clinician' ? seat.clinicianStaffId : null;
    const inviteId = known.inviteId ?? null;
    const resumeToken = this.tokens.issue(
      { pid: id, role, kid: consultationId, cid: seat.clinicianId, csid: seat.clinicianStaffId, iid: inviteId, joinedAt },
      this.options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
      this.now(),
    );
    const participant: Participant = {
      id,
      role,
      name,
      consultationId,
      staffId,
      inviteId,
      deviceKey: known.deviceKey ?? null,
      invitedAs: known.invitedAs ?? null,
      resumeToken,
      joinedAt,
      present: known.present ?? true,
      expiry: null,
    };
    this.participants.set(participant.id, participant);
    this.byResumeToken.set(participant.resumeToken, participant);
    return participant;
  }

  /**
   * A token this relay did not issue in its current life, but signed with its secret: the relay restarted.
   * Rebuilds the consultation (and, for a patient who is back first, its clinician as not yet present).
   * The old token is verified again on every use, never remembered: only so does `departed` keep a
   * participant who left since from coming back with it.
   */
  private rebuildSeat(token: string, details: SeatDetails | null): Participant | null {
    const claim = this.tokens.verify(token, this.now());
    if (!claim || this.departed.has(claim.pid)) return null;
    const existing = this.participants.get(claim.pid);
    if (existing) return existing;
    if (!details) return null; // the server looks the seat up in the store first; without it, no seat
    let consultation = this.consultations.get(claim.kid);
    if (!consultation) {
      if (this.byCode.has(details.code) || this.departed.has(claim.cid)) return null;
      consultation = this.addConsultation(claim.kid, details.code, claim.cid, claim.csid, true);
    }
    const seat: Seat = { code: details.code, clinicianId: claim.cid, clinicianName: details.clinicianName, clinicianStaffId: claim.csid };
    if (claim.role === 'patient' && !this.participants.has(claim.cid)) {
      const clinician = this.addParticipant('clinician', details.clinicianName, claim.kid, seat, { id: claim.cid, present: false });
      this.expireLater(clinician);
    }
    const participant = this.addParticipant(claim.role, details.name, claim.kid, seat, {
      id: claim.pid,
      joinedAt: claim.joinedAt,
      inviteId: claim.iid,
      deviceKey: details.deviceKey,
      invitedAs: details.invitedAs,
    });
    if (participant.role === 'patient') consultation.patients.set(participant.id, participant);
    return participant;
  }

  private reinstateHeldCall(consultation: Consultation, participant: Participant, heldCallId: string | null): void {
    if (consultation.call || heldCallId === null || consultation.endedCallIds.has(heldCallId)) return;
    consultation.heldCalls.set(participant.id, heldCallId);
    const clinicianHolds = consultation.heldCalls.get(consultation.clinicianId) === heldCallId;
    const patientId =
      participant.role === 'patient'
        ? participant.id
        : [...consultation.heldCalls].find(([pid, id]) => id === heldCallId && pid !== consultation.clinicianId)?.[0];
    if (clinicianHolds && patientId && consultation.patients.has(patientId)) {
      consultation.call = { id: heldCallId, patientId, startedAt: this.now() };
      consultation.heldCalls.clear();
    }
  }

  private expireLater(participant: Participant): void {
    participant.expiry = setTimeout(() => {
      participant.expiry = null;
      if (!participant.present) this.remove(participant);
    }, this.options.graceMs);
    participant.expiry.unref?.();
  }

  private remove(participant: Participant): void {
    this.forget(participant);
    const consultation = this.consultations.get(participant.consultationId);
    if (!consultation) return;
    if (consultation.call && this.isInCall(participant, consultation.call)) this.endCall(consultation, 'peer-left', participant.role);
    if (participant.role === 'clinician') {
      this.closeConsultation(consultation);
      return;
    }
    consultation.patients.delete(participant.id);
    this.sendPresenceOf(this.clinicianOf(consultation), participant.id, false);
    this.waitingRoomChanged(consultation);
  }

  private closeConsultation(consultation: Consultation): void {
    if (consultation.waitingRoomTimer) clearTimeout(consultation.waitingRoomTimer);
    this.consultations.delete(consultation.id);
    this.byCode.delete(consultation.code);
    this.options.history?.closed(consultation.id);
    for (const patient of consultation.patients.values()) {
      this.deliver(patient.id, { type: 'consultation-closed', reason: 'clinician-left' });
      this.forget(patient);
      this.options.evict?.(patient.id);
    }
  }

  /** Drops a participant for good: its pending expiry, its id, its token (which may no longer bring it back). */
  private forget(participant: Participant): void {
    this.departed.add(participant.id);
    this.options.history?.departed(participant);
    if (participant.expiry) clearTimeout(participant.expiry);
    this.participants.delete(participant.id);
    this.byResumeToken.delete(participant.resumeToken);
  }

  private startCall(consultation: Consultation, patientId: string, cause: 'admit' | 'restart' | 'resume'): void {
    const clinician = this.clinicianOf(consultation);
    const patient = consultation.patients.get(patientId);
    if (!patient) return;
    const call: Call = { id: newId('c'), patientId, startedAt: this.now() };
    consultation.call = call;
    this.options.history?.callStarted({
      id: call.id,
      consultationId: consultation.id,
      patientId,
      cause,
      clinicianStaffId: consultation.clinicianStaffId,
    });
    // TURN credentials only now, only to the two people in the call, for the call's life.
    const ice = (participantId: string): IceSettings => this.options.ice?.(participantId) ?? { iceServers: [], iceTransportPolicy: 'all' };
    this.deliver(clinician.id, {
      type: 'call-start',
      callId: call.id,
      initiator: true,
      peer: this.describe(patient),
      ice: ice(clinician.id),
      policy: this.options.callPolicy ?? DEFAULT_CALL_POLICY,
    });
    this.deliver(patient.id, {
      type: 'call-start',
      callId: call.id,
      initiator: false,
      peer: this.describe(clinician),
      ice: ice(patient.id),
      policy: this.options.callPolicy ?? DEFAULT_CALL_POLICY,
    });
    this.waitingRoomChanged(consultation);
  }

  private endCall(consultation: Consultation, reason: EndReason, by: Role | null): void {
    const call = consultation.call;
    if (!call) return;
    consultation.call = null;
    consultation.endedCallIds.add(call.id);
    if (consultation.endedCallIds.size > MAX_ENDED_CALL_IDS) {
      const oldest = consultation.endedCallIds.values().next().value;
      if (oldest !== undefined) consultation.endedCallIds.delete(oldest);
    }
    this.options.history?.callEnded({
      id: call.id,
      consultationId: consultation.id,
      patientId: call.patientId,
      reason,
      by,
      durationMs: this.now() - call.startedAt,
    });
    const message: ServerMessageBody = { type: 'call-ended', callId: call.id, reason, by };
    this.deliver(consultation.clinicianId, message);
    this.deliver(call.patientId, message);
    this.waitingRoomChanged(consultation);
  }

  private welcome(participant: Participant, keepCall = true): void {
    const consultation = this.consultationOf(participant);
    const clinician = this.clinicianOf(consultation);
    const call = consultation.call;
    const callInfo =
      keepCall && call && this.isInCall(participant, call)
        ? {
            callId: call.id,
            initiator: participant.role === 'clinician',
            peer: this.describe(this.requireParticipant(this.otherInCall(consultation, call, participant))),
          }
        : null;
    this.deliver(participant.id, {
      type: 'welcome',
      self: { participantId: participant.id, role: participant.role, name: participant.name, resumeToken: participant.resumeToken },
      consultation: { id: consultation.id, clinicianName: clinician.name },
      call: callInfo,
    });
    if (participant.role === 'patient') this.sendPresenceOf(participant, clinician.id);
  }

  /** Tells the other side whether `participant` is connected: a patient's clinician, or a clinician's patients. */
  private broadcastPresence(consultation: Consultation, participant: Participant): void {
    if (participant.role === 'patient') this.sendPresenceOf(this.clinicianOf(consultation), participant.id);
    else for (const patient of consultation.patients.values()) this.sendPresenceOf(patient, participant.id);
  }

  /** Tells `to` whether participant `aboutId` is connected. */
  private sendPresenceOf(to: Participant, aboutId: string, present?: boolean): void {
    const about = this.participants.get(aboutId);
    const role: Role = about?.role ?? 'patient';
    this.deliver(to.id, { type: 'presence', participantId: aboutId, role, present: present ?? about?.present ?? false });
  }

  /** The waiting list as it is now, in arrival order. */
  private waitingList(consultation: Consultation): WaitingPatient[] {
    const arrivalOrder = [...consultation.patients.values()].sort((a, b) => a.joinedAt - b.joinedAt);
    return arrivalOrder.map((p) => ({
      id: p.id,
      name: p.name,
      invitedAs: p.invitedAs,
      nameWarning: nameWarning(p.name),
      joinedAt: p.joinedAt,
      present: p.present,
      inCall: consultation.call?.patientId === p.id,
    }));
  }

  /** The clinician's whole list: when it takes its seat, on a socket that has had nothing yet. */
  private sendWholeWaitingRoom(consultation: Consultation): void {
    if (consultation.waitingRoomTimer) clearTimeout(consultation.waitingRoomTimer);
    consultation.waitingRoomTimer = null;
    const patients = this.waitingList(consultation);
    consultation.waitingRoomSent = new Map(patients.map((patient) => [patient.id, patient]));
    this.deliver(consultation.clinicianId, { type: 'waiting-room', patients });
  }

  /**
   * Something in the waiting list changed. After a quiet spell the change goes out at once; changes that
   * follow within the batch window go out together when it ends, as one message of what differs from what
   * the clinician has. A flood of arrivals and departures costs the clinician a few small messages a second.
   */
  private waitingRoomChanged(consultation: Consultation): void {
    if (consultation.waitingRoomTimer) return; // the batch in progress will carry it
    this.flushWaitingRoom(consultation);
  }

  private flushWaitingRoom(consultation: Consultation): void {
    consultation.waitingRoomTimer = null;
    if (!this.consultations.has(consultation.id)) return;
    if (!consultation.waitingRoomSent) {
      this.sendWholeWaitingRoom(consultation);
      return;
    }
    const current = this.waitingList(consultation);
    const changes = waitingRoomChanges(consultation.waitingRoomSent, current);
    if (changes.patients.length === 0 && changes.removed.length === 0) return;
    consultation.waitingRoomSent = new Map(current.map((patient) => [patient.id, patient]));
    this.deliver(consultation.clinicianId, { type: 'waiting-room-changes', ...changes });
    const batchMs = this.options.waitingRoomBatchMs ?? DEFAULT_WAITING_ROOM_BATCH_MS;
    if (batchMs <= 0) return;
    consultation.waitingRoomTimer = setTimeout(() => this.flushWaitingRoom(consultation), batchMs);
    consultation.waitingRoomTimer.unref?.();
  }

  /**
   * The guard of every message about a call: `callId` must be the consultation's current call and the
   * sender one of its two sides. A call that already ended gives null (late or duplicate messages are
   * dropped quietly); anything else is refused.
   */
  private callFor(fromId: string, callId: string): { from: Participant; consultation: Consultation; call: Call } | null {
    const from = this.requireParticipant(fromId);
    const consultation = this.consultationOf(from);
    const call = consultation.call;
    if (call && call.id === callId && this.isInCall(from, call)) return { from, consultation, call };
    if (consultation.endedCallIds.has(callId)) return null;
    throw new RelayError(ErrorCode.NOT_IN_CALL, 'you are not in this call');
  }

  private describe(participant: Participant): { id: string; name: string; role: Role } {
    return { id: participant.id, name: participant.name, role: participant.role };
  }

  private isInCall(participant: Participant, call: Call): boolean {
    return participant.role === 'clinician' || call.patientId === participant.id;
  }

  private otherInCall(consultation: Consultation, call: Call, participant: Participant): string {
    return participant.role === 'clinician' ? call.patientId : consultation.clinicianId;
  }

  private requireParticipant(id: string): Participant {
    const participant = this.participants.get(id);
    if (!participant) throw new RelayError(ErrorCode.NOT_JOINED, 'join a consultation first');
    return participant;
  }

  private consultationOf(participant: Participant): Consultation {
    const consultation = this.consultations.get(participant.consultationId);
    if (!consultation) throw new RelayError(ErrorCode.UNKNOWN_CONSULTATION, 'this consultation has closed');
    return consultation;
  }

  private clinicianOf(consultation: Consultation): Participant {
    return this.requireParticipant(consultation.clinicianId);
  }
}
