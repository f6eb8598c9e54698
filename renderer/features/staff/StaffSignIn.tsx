/**
 * Clinic staff sign-in on the clinician's start screen: the first time on a device, IT's one-time enrollment
 * code; after that, whom this device is signed in as, and signing out. The engine does the work (the device
 * key, the relay); these only render its state.
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';

interface Props {
  engine: ConsultEngine;
  snapshot: EngineSnapshot;
}

/** Enrollment: the code IT gave this staff member (or the link's), redeemed with a key made on this device. */
export function SignInForm({ engine, snapshot, initialCode }: Props & { initialCode: string }) {
  const [code, setCode] = useState(initialCode);
  const titleId = useId();
  const errorId = useId();
  useEffect(() => {
    if (initialCode) setCode(initialCode); // an enrollment link just opened wins over what was typed
  }, [initialCode]);
  const enrolling = snapshot.signIn === 'enrolling';
  const error = snapshot.signInError;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void engine.enroll(code);
  };
  return (
    <form className="staff-sign-in" onSubmit={submit} aria-labelledby={titleId} aria-busy={enrolling}>
      <h2 id={titleId}>Sign in as clinic staff</h2>
      <p>The first time on this device, enter the enrollment code IT gave you. This device then stays signed in.</p>
      <label className="field">
        Enrollment code
        <input
          name="enrollment-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          required
          maxLength={64}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          placeholder="XXXX-XXXX-XXXX-XXXX-XXXX"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
        />
      </label>
      <button type="submit" className="button button--primary" disabled={enrolling || code.trim() === ''}>
        {enrolling ? 'Signing in…' : 'Sign in'}
      </button>
      {error && (
        <p id={errorId} className="notice notice--error" role="alert" data-testid="sign-in-error" data-code={error.code}>
          {error.message}
        </p>
      )}
    </form>
  );
}

/** Whom this device is signed in as here, and the way to stop that. */
export function SignedInAs({ engine, snapshot }: Props) {
  if (!snapshot.staff) return null;
  return (
    <div className="signed-in-as">
      <p className="signed-in-as__name" data-testid="signed-in-as">
        Signed in as {snapshot.staff.name}
      </p>
      <button type="button" className="button button--quiet" data-testid="sign-out" onClick={() => engine.signOut()}>
        Sign out
      </button>
    </div>
  );
}
