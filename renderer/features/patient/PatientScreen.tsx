import { type FormEvent, useEffect, useState } from 'react';
import { type ConsultEngine, type EngineSnapshot, isCallPhase } from '../../engine/engine';
import { END_REASON_TEXT } from '../consult/CallState';
import { CallView } from '../consult/CallView';
import { FailureDiagnosis } from '../consult/FailureDiagnosis';
import { Video } from '../consult/Video';
import { MediaSetup, RelayNotices } from '../devices/MediaSetup';
import { PreCallCheck } from '../precall/PreCallCheck';

interface Props {
  engine: ConsultEngine;
  snapshot: EngineSnapshot;
  initialCode: string;
  defaultName: string;
}

export function PatientScreen({ engine, snapshot, initialCode, defaultName }: Props) {
  const inCall = isCallPhase(snapshot.phase);
  if (inCall) return <CallView engine={engine} snapshot={snapshot} />;
  if (!snapshot.consultation) {
    if (snapshot.endReason === 'consultation-closed' || snapshot.endReason === 'left') {
      return (
        <div className="card">
          <h1>Consultation over</h1>
          <p>{END_REASON_TEXT[snapshot.endReason]} You can close this window.</p>
        </div>
      );
    }
    return <JoinForm engine={engine} snapshot={snapshot} initialCode={initialCode} defaultName={defaultName} />;
  }
  return (
    <div className="card waiting-room">
      <h1>Waiting room</h1>
      {snapshot.endReason ? (
        <>
          <p className="notice">{END_REASON_TEXT[snapshot.endReason]} You can stay here if the clinician calls you back.</p>
          <FailureDiagnosis snapshot={snapshot} />
        </>
      ) : (
        <p className="waiting-room__message">
          You are in {snapshot.consultation.clinicianName}'s waiting room. The clinician will let you in.
        </p>
      )}
      <p data-testid="clinician-presence" data-present={snapshot.clinicianPresent}>
        {snapshot.clinicianPresent
          ? `${snapshot.consultation.clinicianName} is online.`
          : `${snapshot.consultation.clinicianName} is not connected right now.`}
      </p>
      <Video stream={snapshot.localStream} testId="local-video" label="Your camera" local />
      <PreCallCheck engine={engine} snapshot={snapshot} />
      <button type="button" className="button button--quiet" onClick={() => engine.leave()}>
        Leave the waiting room
      </button>
    </div>
  );
}

function JoinForm({ engine, snapshot, initialCode, defaultName }: Props) {
  const [code, setCode] = useState(initialCode);
  const [name, setName] = useState(defaultName);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (initialCode) setCode(initialCode); // a link just opened wins over what was typed
  }, [initialCode]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await engine.join(code, name.trim());
    setBusy(false);
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Join a consultation">
      <h1>Join your consultation</h1>
      <MediaSetup engine={engine} snapshot={snapshot} />
      <label className="field">
        Consultation code
        <input name="code" value={code} onChange={(e) => setCode(e.target.value)} required placeholder="ABCD-2345" autoComplete="off" />
      </label>
      <label className="field">
        Your name
        <input name="patient-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={60} autoComplete="name" />
      </label>
      <button type="submit" className="button button--primary" disabled={busy || code.trim() === '' || name.trim() === ''}>
        Join
      </button>
      <RelayNotices snapshot={snapshot} />
    </form>
  );
}
