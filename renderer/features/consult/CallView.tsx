import { useCallback } from 'react';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';
import { Video } from './Video';

/** The two videos and the hang-up button, for either role. */
export function CallView({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  const onFirstFrame = useCallback(() => engine.noteFirstRemoteFrame(), [engine]);
  const peerName = snapshot.peer?.name ?? 'the other person';
  return (
    <section className="call" aria-label={`Consultation with ${peerName}`}>
      <div className="call__stage">
        <Video stream={snapshot.remoteStream} testId="remote-video" label={`Video of ${peerName}`} onFirstFrame={onFirstFrame} />
        {snapshot.phase === 'connecting' && <p className="call__overlay">Connecting to {peerName}…</p>}
        {snapshot.phase === 'reconnecting' && (
          <p className="call__overlay call__overlay--warn" data-testid="reconnecting">
            Connection lost. Reconnecting… (attempt {snapshot.recoveryAttempt})
          </p>
        )}
        {snapshot.peer && !snapshot.peer.present && snapshot.phase === 'connected' && (
          <p className="call__overlay call__overlay--warn">{peerName} lost the connection to the clinic server; the call goes on.</p>
        )}
      </div>
      <Video stream={snapshot.localStream} testId="local-video" label="Your camera" local />
      <div className="call__controls">
        <button type="button" className="button button--danger" data-testid="hang-up" onClick={() => engine.hangUp()}>
          Hang up
        </button>
      </div>
    </section>
  );
}
