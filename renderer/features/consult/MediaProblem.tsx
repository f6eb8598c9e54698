import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';

/** A camera/microphone failure in words, with a way to try again. */
export function MediaProblem({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  if (!snapshot.mediaError) return null;
  return (
    <div className="notice notice--error" role="alert" data-testid="media-error" data-kind={snapshot.mediaError.kind}>
      <p>{snapshot.mediaError.message}</p>
      <button type="button" className="button" onClick={() => void engine.startPreview()}>
        Try again
      </button>
    </div>
  );
}
