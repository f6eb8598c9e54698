import { useEffect, useState } from 'react';
import type { MediaAccessStatus } from '../../../contract/bridge';
import { useHost } from '../../bridge/bridge-context';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';

/** A camera/microphone failure in words, with where to fix it and a way to try again. */
export function MediaProblem({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  const { bridge } = useHost();
  const [access, setAccess] = useState<MediaAccessStatus | null>(null);
  const kind = snapshot.mediaError?.kind ?? null;
  useEffect(() => {
    setAccess(null);
    // For a denial the host knows more: the OS-level status and where to change it.
    if (kind === 'permission-denied') void bridge.getMediaAccess().then(setAccess, () => setAccess(null));
  }, [bridge, kind]);
  if (!snapshot.mediaError) return null;
  return (
    <div className="notice notice--error" role="alert" data-testid="media-error" data-kind={snapshot.mediaError.kind}>
      <p>{snapshot.mediaError.message}</p>
      {access?.fixHint && (
        <p data-testid="media-fix-hint">
          {access.fixHint} (camera: {access.camera}, microphone: {access.microphone})
        </p>
      )}
      <button type="button" className="button" onClick={() => void engine.startPreview()}>
        Try again
      </button>
      {snapshot.mediaError.kind === 'no-device' && (
        <button type="button" className="button" onClick={() => void engine.startPreview({ audioOnly: true })}>
          Continue with audio only
        </button>
      )}
    </div>
  );
}
