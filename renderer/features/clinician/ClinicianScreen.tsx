import { type FormEvent, useEffect, useRef, useState } from 'react';
import { formatDesktopJoinLink } from '../../../contract/join-link';
import { formatCode } from '../../../signaling/protocol';
import { useHost } from '../../bridge/bridge-context';
import { type ConsultEngine, type EngineSnapshot, isCallPhase } from '../../engine/engine';
import { END_REASON_TEXT } from '../consult/CallState';
import { CallView } from '../consult/CallView';
import { FailureDiagnosis } from '../consult/FailureDiagnosis';
import { Video } from '../consult/Video';
import { MediaSetup, RelayNotices } from '../devices/MediaSetup';
import { PreCallCheck } from '../precall/PreCallCheck';
import { HostRelay } from './HostRelay';
import { WaitingList } from './WaitingList';

interface Props {
  engine: ConsultEngine;
  snapshot: EngineSnapshot;
  defaultName: string;
}

export function ClinicianScreen({ engine, snapshot, defaultName }: Props) {
  if (!snapshot.consultation) return <OpenConsultation engine={engine} snapshot={snapshot} defaultName={defaultName} />;
  const inCall = isCallPhase(snapshot.phase);
  return (
    <div className="clinician">
      <aside className="clinician__side">
        <ConsultationCard snapshot={snapshot} />
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

function OpenConsultation({ engine, snapshot, defaultName }: Props) {
  const [name, setName] = useState(defaultName);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await engine.create(name.trim());
    setBusy(false);
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Open a consultation">
      <h1>Open a consultation</h1>
      <MediaSetup engine={engine} snapshot={snapshot} />
      <label className="field">
        Your name as patients will see it
        <input name="clinician-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={60} autoComplete="name" />
      </label>
      <button type="submit" className="button button--primary" disabled={busy || name.trim() === ''}>
        Open consultation
      </button>
      <HostRelay />
      <RelayNotices snapshot={snapshot} />
    </form>
  );
}

function ConsultationCard({ snapshot }: { snapshot: EngineSnapshot }) {
  const { host } = useHost();
  const consultation = snapshot.consultation;
  const [copied, setCopied] = useState<string | null>(null);
  if (!consultation) return null;
  const code = formatCode(consultation.code);
  const desktopLink = formatDesktopJoinLink(host.advertisedRelayUrl, code, host.advertisedFingerprint);
  const copy = async (what: string, text: string) => {
    await navigator.clipboard.writeText(text).catch(() => undefined);
    setCopied(what);
  };
  return (
    <div className="consultation-card">
      <p className="consultation-card__label">Consultation code</p>
      <p className="consultation-card__code" data-testid="consult-code">
        {code}
      </p>
      {consultation.joinUrl && (
        <p className="consultation-card__link">
          In a browser:{' '}
          <a href={consultation.joinUrl} data-testid="join-link" target="_blank" rel="noreferrer">
            {consultation.joinUrl}
          </a>{' '}
          <button type="button" className="button button--quiet" onClick={() => copy('web', consultation.joinUrl ?? '')}>
            {copied === 'web' ? 'Copied' : 'Copy'}
          </button>
        </p>
      )}
      <p className="consultation-card__link">
        In the Clinic Consult app: <code data-testid="desktop-join-link">{desktopLink}</code>{' '}
        <button type="button" className="button button--quiet" onClick={() => copy('app', desktopLink)}>
          {copied === 'app' ? 'Copied' : 'Copy'}
        </button>
      </p>
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
