import { type FormEvent, useEffect, useId, useState } from 'react';
import { type ConsultEngine, type EngineSnapshot, isCallPhase } from '../../engine/engine';
import { clockTime } from '../clock-time';
import { END_REASON_TEXT } from '../consult/CallState';
import { CallView } from '../consult/CallView';
import { FailureDiagnosis } from '../consult/FailureDiagnosis';
import { Video } from '../consult/Video';
import { MediaSetup, RelayNotices } from '../devices/MediaSetup';
import { PreCallCheck } from '../precall/PreCallCheck';

interface Props {
  engine: ConsultEngine;
  snapshot: EngineSnapshot;
  /** The invite's secret, from a link this page (or the desktop app) was opened with. */
  invite: string | null;
  defaultName: string;
}

export function PatientScreen({ engine, snapshot, invite, defaultName }: Props) {
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
    return <JoinForm engine={engine} snapshot={snapshot} invite={invite} defaultName={defaultName} />;
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
      <p className="waiting-room__note" role="status" data-testid="waiting-note">
        {snapshot.waitingNote && (
          <>
            <strong>
              Message from {snapshot.consultation.clinicianName} ({clockTime(snapshot.waitingNote.sentAt)}):
            </strong>{' '}
            {snapshot.waitingNote.text}
          </>
        )}
      </p>
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

/**
 * The patient's way in. With an invite link (the page's `?invite=`, or a desktop link) the invite is in hand and
 * only a name is asked; without one, the invite code the clinic reads out. A refusal (the invite was used on
 * another device, expired, …) stays on this form, in words, until the next try.
 */
function JoinForm({ engine, snapshot, invite, defaultName }: Props) {
  const [code, setCode] = useState('');
  const [name, setName] = useState(defaultName);
  const [busy, setBusy] = useState(false);
  // A link that was refused (or that the person cannot use) may be set aside for a code read out by the clinic.
  const [typingCode, setTypingCode] = useState(false);
  const titleId = useId();
  const errorId = useId();
  useEffect(() => {
    if (invite) setTypingCode(false); // a link just opened wins over a code being typed
  }, [invite]);
  const linkInHand = invite !== null && !typingCode;
  const error = snapshot.joinError;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await engine.join(linkInHand && invite ? { secret: invite } : { shortCode: code }, name.trim());
    setBusy(false);
  };
  const described = error ? errorId : undefined;
  return (
    <form className="card" onSubmit={submit} aria-labelledby={titleId} aria-busy={busy}>
      <h1 id={titleId}>Join your consultation</h1>
      <MediaSetup engine={engine} snapshot={snapshot} />
      {linkInHand ? (
        <div className="join-form__invite" data-testid="invite-in-hand">
          <p>You are joining with the invite link the clinic sent you: only your name is needed.</p>
          <button type="button" className="button button--quiet" onClick={() => setTypingCode(true)}>
            Enter an invite code instead
          </button>
        </div>
      ) : (
        <label className="field">
          Invite code
          <input
            name="invite-code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            required
            maxLength={32}
            placeholder="ABCD-2345"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            aria-invalid={error ? true : undefined}
            aria-describedby={described}
          />
        </label>
      )}
      <label className="field">
        Your name
        <input
          name="patient-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          maxLength={60}
          autoComplete="name"
          aria-describedby={described}
        />
      </label>
      <button type="submit" className="button button--primary" disabled={busy || (!linkInHand && code.trim() === '') || name.trim() === ''}>
        Join
      </button>
      {error && (
        <p id={errorId} className="notice notice--error" role="alert" data-testid="join-error" data-code={error.code}>
          {error.message}
        </p>
      )}
      <RelayNotices snapshot={snapshot} />
    </form>
  );
}
