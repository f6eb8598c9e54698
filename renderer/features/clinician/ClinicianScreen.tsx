import { useEffect, useRef, useState, type FormEvent } from 'react';
import { formatCode } from '../../../signaling/protocol';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';
import { CallView } from '../consult/CallView';
import { END_REASON_TEXT } from '../consult/CallState';
import { MediaProblem } from '../consult/MediaProblem';
import { Video } from '../consult/Video';
import { WaitingList } from './WaitingList';

interface Props {
  engine: ConsultEngine;
  snapshot: EngineSnapshot;
  defaultName: string;
}

export function ClinicianScreen({ engine, snapshot, defaultName }: Props) {
  if (!snapshot.consultation) return <OpenConsultation engine={engine} snapshot={snapshot} defaultName={defaultName} />;
  const inCall = snapshot.phase === 'connecting' || snapshot.phase === 'connected';
  return (
    <div className="clinician">
      <aside className="clinician__side">
        <ConsultationCard snapshot={snapshot} />
        <h2>Waiting room</h2>
        <ArrivalAlert snapshot={snapshot} />
        <WaitingList patients={snapshot.waitingRoom} canAdmit={!inCall} onAdmit={(id) => engine.admit(id)} />
        {snapshot.relayError && <p className="notice notice--error" role="alert">{snapshot.relayError.message}</p>}
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
            <Video stream={snapshot.localStream} testId="local-video" label="Your camera" local />
          </div>
        )}
      </main>
    </div>
  );
}

function OpenConsultation({ engine, snapshot, defaultName }: Props) {
  const [name, setName] = useState(defaultName);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void engine.startPreview();
  }, [engine]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await engine.create(name.trim());
    setBusy(false);
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Open a consultation">
      <h1>Open a consultation</h1>
      <Video stream={snapshot.localStream} testId="local-video" label="Your camera" local />
      <MediaProblem engine={engine} snapshot={snapshot} />
      <label className="field">
        Your name as patients will see it
        <input name="clinician-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={60} autoComplete="name" />
      </label>
      <button type="submit" className="button button--primary" disabled={busy || name.trim() === ''}>
        Open consultation
      </button>
      {snapshot.relay === 'reconnecting' && <p className="notice">Trying to reach the clinic server…</p>}
      {snapshot.relayError && <p className="notice notice--error" role="alert">{snapshot.relayError.message}</p>}
    </form>
  );
}

function ConsultationCard({ snapshot }: { snapshot: EngineSnapshot }) {
  const consultation = snapshot.consultation;
  const [copied, setCopied] = useState(false);
  if (!consultation) return null;
  const copy = async () => {
    await navigator.clipboard.writeText(consultation.joinUrl).catch(() => undefined);
    setCopied(true);
  };
  return (
    <div className="consultation-card">
      <p className="consultation-card__label">Consultation code</p>
      <p className="consultation-card__code" data-testid="consult-code">
        {formatCode(consultation.code)}
      </p>
      <p className="consultation-card__link">
        <a href={consultation.joinUrl} data-testid="join-link" target="_blank" rel="noreferrer">
          {consultation.joinUrl}
        </a>
      </p>
      <button type="button" className="button button--quiet" onClick={copy}>
        {copied ? 'Link copied' : 'Copy join link'}
      </button>
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
