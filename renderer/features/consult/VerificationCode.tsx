import { useEffect, useId, useState } from 'react';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';
import type { Verification } from '../../engine/verification-code';

/**
 * "Verify call": shows the call's verification code for the two people to read aloud. The code is worked out
 * when shown and again for each new call (a restarted call has new certificates, so a new code).
 */
export function VerificationCode({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  const [shown, setShown] = useState(false);
  const [result, setResult] = useState<{ callId: string; verification: Verification } | null>(null);
  const panelId = useId();
  const connected = snapshot.phase === 'connected';
  const callId = snapshot.callId;
  const peerName = snapshot.peer?.name ?? 'the other person';

  useEffect(() => {
    if (!shown || !connected || callId === null) return;
    let current = true;
    engine.verificationCode().then(
      (verification) => {
        if (current) setResult({ callId, verification });
      },
      () => {
        if (current) setResult({ callId, verification: UNAVAILABLE });
      },
    );
    return () => {
      current = false;
    };
  }, [engine, shown, connected, callId]);

  // Only this call's code, and only while it is connected: never an earlier call's.
  const verification = connected && result?.callId === callId ? result.verification : null;
  return (
    <div className="verification">
      <button
        type="button"
        className="button"
        data-testid="verify-call"
        aria-expanded={shown}
        aria-controls={shown ? panelId : undefined}
        onClick={() => setShown((value) => !value)}
      >
        {shown ? 'Hide verification code' : 'Verify call'}
      </button>
      {shown && (
        <section id={panelId} className="verification__panel" aria-label="Call verification code">
          {!connected ? (
            <p>The code appears once the call is connected.</p>
          ) : verification === null ? (
            <p role="status">Working out the code…</p>
          ) : verification.code === null ? (
            <p className="notice notice--error" data-testid="verification-unavailable" data-reason={verification.reason}>
              This call cannot be verified: {verification.message}
            </p>
          ) : (
            <>
              <p className="verification__label">Verification code</p>
              <p className="verification__code" data-testid="verification-code">
                {verification.code}
              </p>
              <p className="verification__help">
                Read these digits aloud to {peerName}; their screen shows a code too. The same code means nobody is listening in between
                you, not even the clinic's server. A different code means the call may be intercepted: hang up, and tell the clinic's IT.
              </p>
            </>
          )}
        </section>
      )}
    </div>
  );
}

const UNAVAILABLE: Verification = {
  code: null,
  reason: 'no-description',
  message: 'the code could not be worked out in this browser.',
  side: null,
};
