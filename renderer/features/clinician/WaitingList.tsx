import { type FormEvent, useId, useState } from 'react';
import { LIMITS, type WaitingPatient } from '../../../signaling/protocol';
import type { NoteOutcome } from '../../engine/engine';
import { clockTime } from '../clock-time';

interface WaitingListProps {
  patients: WaitingPatient[];
  /** Admitting is possible only when no call is running. */
  canAdmit: boolean;
  onAdmit: (patientId: string) => void;
  /** Sends a waiting patient a one-line note; absent where notes cannot be sent. */
  onNote?: (patientId: string, text: string) => Promise<NoteOutcome>;
}

/** Names compared as people read them: case and spacing do not make a different name. */
function sameName(a: string, b: string): boolean {
  const plain = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase();
  return plain(a) === plain(b);
}

export function WaitingList({ patients, canAdmit, onAdmit, onNote }: WaitingListProps) {
  if (patients.length === 0) {
    return (
      <p className="waiting-list__empty" data-testid="waiting-list-empty">
        No one is waiting yet.
      </p>
    );
  }
  return (
    <ul className="waiting-list" data-testid="waiting-list" aria-label="Waiting room">
      {patients.map((patient) => (
        <li key={patient.id} className="waiting-list__item" data-testid="waiting-patient" data-present={patient.present}>
          <div className="waiting-list__who">
            <span className="waiting-list__name">{patient.name}</span>
            {patient.invitedAs !== null && <InvitedAs typed={patient.name} invitedAs={patient.invitedAs} />}
            {patient.nameWarning && (
              <span className="waiting-list__warning" data-testid="name-warning">
                <span aria-hidden="true">⚠ </span>
                {patient.nameWarning}
              </span>
            )}
            <span className="waiting-list__meta">
              {patient.inCall ? 'in call' : patient.present ? `waiting since ${clockTime(patient.joinedAt)}` : 'offline'}
            </span>
          </div>
          <button
            type="button"
            className="button button--primary"
            aria-label={`Admit ${patient.name}`}
            disabled={!canAdmit || !patient.present || patient.inCall}
            onClick={() => onAdmit(patient.id)}
          >
            Admit
          </button>
          {onNote && patient.present && !patient.inCall && <NoteForm patient={patient} onNote={onNote} />}
        </li>
      ))}
    </ul>
  );
}

/**
 * The name the invite was made for, beside the one the patient typed; a different one is flagged, in words
 * (not only a colour), so the clinician checks who it is before admitting.
 */
function InvitedAs({ typed, invitedAs }: { typed: string; invitedAs: string }) {
  const differs = !sameName(typed, invitedAs);
  return (
    <span className="waiting-list__invited" data-testid="invited-as">
      invited as {invitedAs}
      {differs && (
        <span className="waiting-list__mismatch" data-testid="name-mismatch">
          <span aria-hidden="true">⚠ </span>
          name differs
          <span className="visually-hidden">
            : the patient typed “{typed}”, the invite was for “{invitedAs}”
          </span>
        </span>
      )}
    </span>
  );
}

type NoteStatus = { kind: 'idle' } | { kind: 'sending' } | { kind: 'sent'; text: string } | { kind: 'failed'; message: string };

/** "Message" beside a waiting patient: a one-line note shown in their waiting room ("running 5 minutes late"). */
function NoteForm({ patient, onNote }: { patient: WaitingPatient; onNote: NonNullable<WaitingListProps['onNote']> }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [status, setStatus] = useState<NoteStatus>({ kind: 'idle' });
  const formId = useId();
  const send = async (event: FormEvent) => {
    event.preventDefault();
    setStatus({ kind: 'sending' });
    const outcome = await onNote(patient.id, text);
    if (outcome.ok) {
      setStatus({ kind: 'sent', text: text.trim() });
      setText('');
    } else setStatus({ kind: 'failed', message: outcome.message });
  };
  return (
    <div className="waiting-list__note">
      <button
        type="button"
        className="button button--quiet"
        data-testid="note-toggle"
        aria-expanded={open}
        aria-controls={open ? formId : undefined}
        aria-label={`Message ${patient.name}`}
        onClick={() => setOpen((shown) => !shown)}
      >
        Message
      </button>
      {open && (
        <form id={formId} className="waiting-list__note-form" onSubmit={send}>
          <label>
            <span className="visually-hidden">Note to {patient.name}</span>
            <input
              data-testid="note-input"
              value={text}
              maxLength={LIMITS.maxNoteLength}
              placeholder="I'm running 5 minutes late"
              onChange={(event) => setText(event.target.value)}
            />
          </label>
          <button type="submit" className="button" data-testid="note-send" disabled={status.kind === 'sending' || text.trim() === ''}>
            Send
          </button>
        </form>
      )}
      <p className="waiting-list__note-status" role="status" data-testid="note-status" data-status={status.kind}>
        {status.kind === 'sent' && `Shown to ${patient.name}: “${status.text}”`}
        {status.kind === 'failed' && status.message}
      </p>
    </div>
  );
}
