import type { WaitingPatient } from '../../../signaling/protocol';

interface WaitingListProps {
  patients: WaitingPatient[];
  /** Admitting is possible only when no call is running. */
  canAdmit: boolean;
  onAdmit: (patientId: string) => void;
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
          <span className="waiting-list__name">{patient.name}</span>
          <span className="waiting-list__meta">
            {patient.inCall ? 'in call' : patient.present ? `waiting since ${since(patient.joinedAt)}` : 'offline'}
          </span>
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
