import { useEffect, useState } from 'react';
import { useHost } from '../bridge/bridge-context';
import type { ConsultEngine } from '../engine/engine';
import { ClinicianScreen } from '../features/clinician/ClinicianScreen';
import { CallState } from '../features/consult/CallState';
import { useEngineSnapshot } from '../features/consult/use-engine';
import { PatientScreen } from '../features/patient/PatientScreen';
import { RelayTrustPrompt } from '../features/relay-trust/RelayTrustPrompt';
import { ConnectionSettings } from '../features/settings/ConnectionSettings';
import { UpdateBanner } from '../features/updates/UpdateBanner';

type Mode = 'choose' | 'clinician' | 'patient';

/** An invite link opened from outside (desktop deep link, or the page's ?invite=): go to the join form with it. */
export interface JoinRequest {
  /** The invite's secret. */
  invite: string;
  at: number;
}

interface AppProps {
  engine: ConsultEngine;
  relayUrl: string;
  joinRequest: JoinRequest | null;
  /** From the page's enrollment link (`?enroll=`, browser mode): opens the clinician's screen with it. */
  enrollmentCode: string | null;
  /** Set when saved settings were unreadable and defaults are in use. */
  settingsWarning: string | null;
}

export function App({ engine, relayUrl, joinRequest, enrollmentCode, settingsWarning }: AppProps) {
  const snapshot = useEngineSnapshot(engine);
  const displayName = useHost().settings.displayName;
  const [chosen, setChosen] = useState<Mode>(enrollmentCode ? 'clinician' : 'choose');

  useEffect(() => {
    if (joinRequest) setChosen('patient');
  }, [joinRequest]);

  // Once the relay has placed us, the role decides the screen (e.g. after a reload).
  const mode: Mode = snapshot.role ?? chosen;

  return (
    <div className="app">
      <header className="app__header">
        <span className="app__brand">Clinic Consult</span>
        <CallState snapshot={snapshot} />
        <UpdateBanner phase={snapshot.phase} consultationOpen={snapshot.consultation !== null} />
      </header>
      <RelayTrustPrompt />
      {mode === 'choose' && (
        <div className="card home">
          <h1>Welcome</h1>
          <p>Video consultations between clinic staff and patients.</p>
          {settingsWarning && (
            <p className="notice notice--error" role="alert">
              {settingsWarning}
            </p>
          )}
          <div className="home__choices">
            <button type="button" className="button button--primary" onClick={() => setChosen('clinician')}>
              I am a clinician: open a consultation
            </button>
            <button type="button" className="button" onClick={() => setChosen('patient')}>
              I am a patient: join with an invite code
            </button>
          </div>
          <ConnectionSettings relayUrl={relayUrl} />
        </div>
      )}
      {mode === 'clinician' && <ClinicianScreen engine={engine} snapshot={snapshot} enrollmentCode={enrollmentCode ?? ''} />}
      {mode === 'patient' && (
        <PatientScreen engine={engine} snapshot={snapshot} invite={joinRequest?.invite ?? null} defaultName={displayName} />
      )}
    </div>
  );
}
