/**
 * The clinician's invites: each patient gets one of their own, single-use and expiring, optionally under the
 * name the clinician expects. Each invite shows its browser link (when the relay serves the web app), its
 * link for the Clinic Consult app, and its short code to read out on the phone.
 */
import { type FormEvent, useId, useState } from 'react';
import { formatDesktopJoinLink } from '../../../contract/join-link';
import { LIMITS } from '../../../signaling/protocol';
import { useHost } from '../../bridge/bridge-context';
import type { ConsultEngine, CreatedInvite, EngineSnapshot, Refusal } from '../../engine/engine';
import { clockTime } from '../clock-time';

/** How long an invite may be redeemed (the relay allows 5 minutes to 7 days). */
const VALIDITY: { minutes: number; label: string }[] = [
  { minutes: 60, label: '1 hour' },
  { minutes: 24 * 60, label: '1 day' },
  { minutes: 7 * 24 * 60, label: '7 days' },
];

export function InvitePatient({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  const [name, setName] = useState('');
  const [minutes, setMinutes] = useState(24 * 60);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Refusal | null>(null);
  const titleId = useId();
  const errorId = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const outcome = await engine.invite(name.trim() || null, minutes);
    setBusy(false);
    if (outcome.ok) {
      setName('');
      setError(null);
    } else setError({ code: outcome.code, message: outcome.message });
  };
  // Newest first: the one just made is the one to pass on.
  const invites = [...snapshot.invites].reverse();
  return (
    <section className="invites" aria-labelledby={titleId}>
      <h2 id={titleId}>Invite a patient</h2>
      <form className="invites__form" onSubmit={submit} aria-labelledby={titleId} aria-busy={busy}>
        <label className="field">
          Patient's name (optional)
          <input
            name="invited-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={LIMITS.maxDisplayNameLength}
            autoComplete="off"
            aria-describedby={error ? errorId : undefined}
          />
        </label>
        <label className="field">
          Valid for
          <select name="invite-validity" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
            {VALIDITY.map((choice) => (
              <option key={choice.minutes} value={choice.minutes}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create invite'}
        </button>
        {error && (
          <p id={errorId} className="notice notice--error" role="alert" data-testid="invite-error" data-code={error.code}>
            {error.message}
          </p>
        )}
      </form>
      {invites.length > 0 && (
        <ul className="invite-list" aria-label="Invites">
          {invites.map((invite) => (
            <InviteItem key={invite.id} invite={invite} />
          ))}
        </ul>
      )}
    </section>
  );
}

function InviteItem({ invite }: { invite: CreatedInvite }) {
  const { host } = useHost();
  const [copied, setCopied] = useState<string | null>(null);
  const desktopLink = formatDesktopJoinLink(host.advertisedRelayUrl, invite.secret, host.advertisedFingerprint);
  const who = invite.expectedName ?? 'a patient (no name given)';
  const copy = async (what: string, text: string) => {
    await navigator.clipboard.writeText(text).catch(() => undefined);
    setCopied(what);
  };
  const copyButton = (what: string, label: string, text: string) => (
    <button type="button" className="button button--quiet" aria-label={`Copy the ${label} for ${who}`} onClick={() => copy(what, text)}>
      {copied === what ? 'Copied' : 'Copy'}
    </button>
  );
  const expired = invite.expiresAt <= Date.now();
  return (
    <li className="invite-list__item" data-testid="invite" data-invite-id={invite.id}>
      <p className="invite-list__who">
        For <strong>{who}</strong>{' '}
        <span className="invite-list__expiry" data-testid="invite-expiry">
          {expired ? 'expired' : 'valid until'} {until(invite.expiresAt)}
        </span>
      </p>
      {invite.joinUrl && (
        <p className="invite-list__line">
          In a browser:{' '}
          <a href={invite.joinUrl} data-testid="invite-link" target="_blank" rel="noreferrer">
            {invite.joinUrl}
          </a>{' '}
          {copyButton('web', 'browser link', invite.joinUrl)}
        </p>
      )}
      <p className="invite-list__line">
        In the Clinic Consult app: <code data-testid="invite-desktop-link">{desktopLink}</code> {copyButton('app', 'app link', desktopLink)}
      </p>
      <p className="invite-list__line">
        Code to read out:{' '}
        <span className="invite-list__code" data-testid="invite-code">
          {invite.shortCode}
        </span>{' '}
        {copyButton('code', 'code', invite.shortCode)}
      </p>
    </li>
  );
}

/** The time, with the day when it is not today. */
function until(epochMs: number): string {
  const at = new Date(epochMs);
  const time = clockTime(epochMs);
  return at.toDateString() === new Date().toDateString()
    ? time
    : `${at.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })} ${time}`;
}
