import { useEffect, useRef, useState } from 'react';
import type { RelayTrustRequest } from '../../../contract/bridge';
import { useHost } from '../../bridge/bridge-context';

/** The first bytes of a fingerprint ("AB:CD:EF:01:23:45:67:89…"): enough to compare by eye with the clinic's. */
export function shortFingerprint(fingerprint: string, bytes = 8): string {
  const parts = fingerprint.split(':');
  return parts.length > bytes ? `${parts.slice(0, bytes).join(':')}…` : fingerprint;
}

/**
 * Desktop only: before the app trusts a consultation link's self-signed relay for the first time, main asks
 * here. Trust pins that relay's certificate for that host; Cancel leaves the link unopened and says so. The
 * page answers only main's own requests (main ignores anything else).
 */
export function RelayTrustPrompt() {
  const { bridge } = useHost();
  const [requests, setRequests] = useState<RelayTrustRequest[]>([]);
  const [declined, setDeclined] = useState<string | null>(null);
  const answered = useRef(new Set<string>());

  useEffect(
    () =>
      bridge.onRelayTrustRequest((request) => {
        if (answered.current.has(request.id)) return;
        setRequests((list) => (list.some((known) => known.id === request.id) ? list : [...list, request]));
      }),
    [bridge],
  );

  const answer = (request: RelayTrustRequest, trust: boolean): void => {
    answered.current.add(request.id);
    setRequests((list) => list.filter((known) => known.id !== request.id));
    setDeclined(trust ? null : `${request.host}:${request.port}`);
    bridge.answerRelayTrust(request.id, trust).catch(() => {}); // main no longer waiting: nothing to undo here
  };

  const current = requests[0];
  return (
    <>
      {current && <TrustDialog key={current.id} request={current} onAnswer={(trust) => answer(current, trust)} />}
      {declined && (
        <div className="notice notice--error relay-trust__declined" role="alert" data-testid="pin-confirm-declined">
          <p>
            The consultation link was not opened: you did not trust the relay at {declined}. If the link really came from your clinic, open
            it again and choose Trust.
          </p>
          <button type="button" className="button button--quiet" onClick={() => setDeclined(null)}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}

function TrustDialog({ request, onAnswer }: { request: RelayTrustRequest; onAnswer: (trust: boolean) => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const relay = `${request.host}:${request.port}`;

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    cancel.current?.focus(); // the safe answer is the default one
    return () => element?.close();
  }, []);

  return (
    <dialog
      ref={dialog}
      className="relay-trust"
      aria-labelledby="relay-trust-title"
      aria-describedby="relay-trust-detail"
      data-testid="pin-confirm"
      onCancel={(event) => {
        event.preventDefault(); // Escape is Cancel, answered like the button
        onAnswer(false);
      }}
    >
      <h2 id="relay-trust-title">Trust the clinic's relay at {relay}?</h2>
      <div id="relay-trust-detail">
        <p>
          Its certificate fingerprint is <code data-testid="pin-confirm-fingerprint">{shortFingerprint(request.fingerprint)}</code>
        </p>
        <p>
          Choose Trust only if this consultation link came from your clinic. Clinic Consult will then trust this certificate on{' '}
          {request.host} only, and remember it.
        </p>
      </div>
      <details>
        <summary>Full fingerprint</summary>
        <code className="relay-trust__fingerprint">{request.fingerprint}</code>
      </details>
      <div className="relay-trust__actions">
        <button ref={cancel} type="button" className="button" data-testid="pin-confirm-cancel" onClick={() => onAnswer(false)}>
          Cancel
        </button>
        <button type="button" className="button button--primary" data-testid="pin-confirm-trust" onClick={() => onAnswer(true)}>
          Trust
        </button>
      </div>
    </dialog>
  );
}
