import type { EngineSnapshot } from '../../engine/engine';

/** Why the call could not connect, and what to do, instead of a black screen. */
export function FailureDiagnosis({ snapshot }: { snapshot: EngineSnapshot }) {
  const diagnosis = snapshot.diagnosis;
  if (!diagnosis || snapshot.phase !== 'failed') return null;
  return (
    <section
      className="notice notice--error"
      role="alert"
      aria-label="Why the call could not connect"
      data-testid="failure-diagnosis"
      data-code={diagnosis.code}
    >
      <p>
        <strong>{diagnosis.summary}</strong>
      </p>
      <p>{diagnosis.advice}</p>
      {diagnosis.notes.map((note) => (
        <p key={note}>{note}</p>
      ))}
    </section>
  );
}
