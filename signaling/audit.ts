/**
 * The clinic's record of what happened on the relay: an append-only log in the relay's database, so that
 * "who was admitted to which consultation, when, and how did the call end" can be answered months later.
 *
 * Each event is committed before the relay sends the message that follows from it (SQLite commits inside the
 * call, synchronously): whatever a client was told happened is on disk, even if the relay is killed the next
 * instant. Personal data, and only where the record needs it: the name a clinician invited a patient under,
 * the name the patient typed, and source addresses (README: "The audit log").
 */
import type { Logger } from 'pino';
import type { Json, RelayStore } from './store/store';

export type AuditType =
  | 'consultation.opened'
  | 'consultation.closed'
  | 'invite.created'
  | 'patient.joined'
  | 'patient.join-refused'
  | 'participant.left'
  | 'call.started'
  | 'call.path'
  | 'call.ended'
  | 'staff.added'
  | 'staff.enrollment-issued'
  | 'staff.enrolled'
  | 'staff.signed-in'
  | 'staff.sign-in-refused'
  | 'staff.signed-out'
  | 'staff.revoked'
  | 'staff.device-revoked'
  | 'staff.disconnected-revoked';

export interface AuditLog {
  /** Appends one event now (committed when this returns, for the SQLite store); a failure is logged, never thrown. */
  record(type: AuditType, event: { consultationId?: string | null; actor: string; detail?: { readonly [key: string]: Json } }): void;
}

export function auditLog(store: RelayStore, log: Logger, now: () => number = Date.now): AuditLog {
  return {
    record: (type, { consultationId = null, actor, detail = {} }) => {
      store
        .appendAudit([{ at: now(), type, consultationId, actor, detail }])
        .catch((err: unknown) => log.error({ err, type }, 'audit: could not record an event'));
    },
  };
}

/** Default retention: long enough for a clinic's questions about last year; IT sets its own (--audit-days). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 400;
