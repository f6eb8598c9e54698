import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type ConsultEngine, type EngineSnapshot, isCallPhase } from '../../engine/engine';
import { END_REASON_TEXT } from '../consult/CallState';
import { CallView } from '../consult/CallView';
import { FailureDiagnosis } from '../consult/FailureDiagnosis';
import { Video } from '../consult/Video';
import { MediaSetup, RelayNotices } from '../devices/MediaSetup';
import { PreCallCheck } from '../precall/PreCallCheck';
import { SignedInAs, SignInForm } from '../staff/StaffSignIn';
import { ArrivalSettingsPanel, useArrivalAlerts } from './arrivals';
import { HostRelay } from './HostRelay';
import { InvitePatient } from './Invites';
import { WaitingList } from './WaitingList';

interface Props {
  engine: ConsultEngine;
  snapshot: EngineSnapshot;
  /** From an enrollment link (`?enroll=`): filled in for a device not signed in yet. */
  enrollmentCode: string;
}

export function ClinicianScreen({ engine, snapshot, enrollmentCode }: Props) {
  // During a call the consultation panel folds away to give the call the room; the clinician's choice holds for
  // the next call. Its toggle keeps the waiting count in sight.
  const [panelOpen, setPanelOpen] = useState(false);
  const panelId = useId();
  const arrivals = useArrivalAlerts(snapshot); // for the whole screen: a folded panel must not silence arrivals
  if (!snapshot.consultation) return <OpenConsultation engine={engine} snapshot={snapshot} enrollmentCode={enrollmentCode} />;
  const inCall = isCallPhase(snapshot.phase);
  return (
    <div className={`clinician${inCall ? ' clinician--in-call' : ''}${inCall && !panelOpen ? ' clinician--collapsed' : ''}`}>
      <aside className="clinician__side" aria-label="Consultation">
        {inCall && <PanelToggle snapshot={snapshot} open={panelOpen} panelId={panelId} onToggle={() => setPanelOpen((open) => !open)} />}
        <div className="clinician__panel" id={panelId} hidden={inCall && !panelOpen}>
          <ConsultationCard snapshot={snapshot} />
          <InvitePatient engine={engine} snapshot={snapshot} />
          <h2>Waiting room</h2>
          <ArrivalAlert snapshot={snapshot} />
          <WaitingList
            patients={snapshot.waitingRoom}
            canAdmit={!inCall}
            onAdmit={(id) => engine.admit(id)}
            onNote={(id, text) => engine.sendWaitingNote(id, text)}
          />
          {snapshot.relayError && (
            <p className="notice notice--error" role="alert">
              {snapshot.relayError.message}
            </p>
          )}
          <ArrivalSettingsPanel alerts={arrivals} />
          <button type="button" className="button button--quiet" onClick={() => engine.leave()}>
            Close consultation
          </button>
        </div>
      </aside>
      <main className="clinician__main">
        {inCall ? (
          <CallView engine={engine} snapshot={snapshot} />
        ) : (
          <div className="clinician__idle">
            {snapshot.endReason && <p className="notice">{END_REASON_TEXT[snapshot.endReason]} Admit a patient to start the next call.</p>}
            <FailureDiagnosis snapshot={snapshot} />
            <Video stream={snapshot.localStream} testId="local-video" label="Your camera" local />
            <PreCallCheck engine={engine} snapshot={snapshot} />
          </div>
        )}
      </main>
    </div>
  );
}

/** Only signed-in staff open consultations, under the name IT enrolled them with: sign in first, once per device. */
function OpenConsultation({ engine, snapshot, enrollmentCode }: Props) {
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await engine.create();
    setBusy(false);
  };
  return (
    <section className="card" aria-labelledby={titleId}>
      <h1 id={titleId}>Open a consultation</h1>
      <MediaSetup engine={engine} snapshot={snapshot} />
      {snapshot.staff ? (
        <form className="open-consultation" onSubmit={submit} aria-label="Open a consultation">
          <SignedInAs engine={engine} snapshot={snapshot} />
          <button type="submit" className="button button--primary" disabled={busy}>
            Open consultation
          </button>
        </form>
      ) : snapshot.signIn === 'loading' ? (
        <p role="status">Checking this device's sign-in…</p>
      ) : (
        <SignInForm engine={engine} snapshot={snapshot} initialCode={enrollmentCode} />
      )}
      <HostRelay />
      <RelayNotices snapshot={snapshot} />
    </section>
  );
}

/** Folds the consultation panel during a call; its badge counts the patients waiting, folded or not. */
function PanelToggle({
  snapshot,
  open,
  panelId,
  onToggle,
}: {
  snapshot: EngineSnapshot;
  open: boolean;
  panelId: string;
  onToggle(): void;
}) {
  const waiting = snapshot.waitingRoom.filter((patient) => patient.present && !patient.inCall).length;
  return (
    <button
      type="button"
      className="clinician__toggle"
      data-testid="toggle-consultation-panel"
      aria-expanded={open}
      aria-controls={panelId}
      title={open ? 'Hide the consultation panel' : 'Show the consultation panel (invites, waiting room)'}
      onClick={onToggle}
    >
      <svg className="clinician__toggle-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d={open ? 'M15 6l-6 6 6 6' : 'M9 6l6 6-6 6'} />
      </svg>
      <span className="clinician__toggle-label">Consultation</span>
      <span className={`badge${waiting > 0 ? ' badge--on' : ''}`} data-testid="waiting-count" data-count={waiting}>
        {waiting}
        <span className="visually-hidden"> waiting</span>
      </span>
    </button>
  );
}

/** Which consultation this is: whose, and that it stays open until closed. */
function ConsultationCard({ snapshot }: { snapshot: EngineSnapshot }) {
  if (!snapshot.consultation) return null;
  return (
    <div className="consultation-card" data-testid="consultation-card">
      <p className="consultation-card__label">Consultation open</p>
      <p className="consultation-card__who">{snapshot.consultation.clinicianName}</p>
    </div>
  );
}

/** Announces each newly arrived patient (screen readers read the live region). */
function ArrivalAlert({ snapshot }: { snapshot: EngineSnapshot }) {
  const known = useRef(new Set<string>());
  const [message, setMessage] = useState('');
  useEffect(() => {
    const arrived = snapshot.waitingRoom.filter((p) => p.present && !known.current.has(p.id));
    for (const patient of snapshot.waitingRoom) known.current.add(patient.id);
    if (arrived.length > 0) setMessage(`${arrived.map((p) => p.name).join(', ')} ${arrived.length === 1 ? 'has' : 'have'} arrived.`);
  }, [snapshot.waitingRoom]);
  return (
    <p className="arrival-alert" data-testid="arrival-alert" role="status" aria-live="assertive">
      {message}
    </p>
  );
}
