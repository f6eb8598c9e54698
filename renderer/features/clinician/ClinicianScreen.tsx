import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { type ConsultEngine, type EngineSnapshot, isCallPhase } from '../../engine/engine';
import { END_REASON_TEXT } from '../consult/CallState';
import { CallView } from '../consult/CallView';
import { FailureDiagnosis } from '../consult/FailureDiagnosis';
import { Video } from '../consult/Video';
import { MediaSetup, RelayNotices } from '../devices/MediaSetup';
import { PreCallCheck } from '../precall/PreCallCheck';
import { SignedInAs, SignInForm } from '../staff/StaffSignIn';
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
  if (!snapshot.consultation) return <OpenConsultation engine={engine} snapshot={snapshot} enrollmentCode={enrollmentCode} />;
  const inCall = isCallPhase(snapshot.phase);
  return (
    <div className="clinician">
      <aside className="clinician__side">
        <ConsultationCard snapshot={snapshot} />
        <InvitePatient engine={engine} snapshot={snapshot} />
        <h2>Waiting room</h2>
        <ArrivalAlert snapshot={snapshot} />
        <WaitingList patients={snapshot.waitingRoom} canAdmit={!inCall} onAdmit={(id) => engine.admit(id)} />
        {snapshot.relayError && (
          <p className="notice notice--error" role="alert">
            {snapshot.relayError.message}
          </p>
        )}
        <button type="button" className="button button--quiet" onClick={() => engine.leave()}>
          Close consultation
        </button>
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
