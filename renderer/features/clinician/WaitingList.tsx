import type { WaitingPatient } from '../../../signaling/protocol';

interface WaitingListProps {
  patients: WaitingPatient[];
  /** Admitting is possible only when no call is running. */
  canAdmit: boolean;
  onAdmit: (patientId: string) => void;
}

/** Names compared as people read them: case and spacing do not make a different name. */
function sameName(a: string, b: string): boolean {
  const plain = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase();
  return plain(a) === plain(b);
}

function since(joinedAt: number): string {
  return new Date(joinedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function WaitingList({ patients, canAdmit, onAdmit }: WaitingListProps) {
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
              {patient.inCall ? 'in call' : patient.present ? `waiting since ${since(patient.joinedAt)}` : 'offline'}
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
