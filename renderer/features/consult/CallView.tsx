import { useCallback, useId, useState } from 'react';
import { useHost } from '../../bridge/bridge-context';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';
import { DevicePicker } from '../devices/DevicePicker';
import { DiagnosticsPanel } from '../diagnostics/DiagnosticsPanel';
import { useDiagnosticsServices } from '../diagnostics/diagnostics-context';
import { QualityIndicator } from '../diagnostics/QualityIndicator';
import { Video } from './Video';

/** The two videos and the hang-up button, for either role. */
export function CallView({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  const onFirstFrame = useCallback(() => engine.noteFirstRemoteFrame(), [engine]);
  const [speakerId, setSpeakerId] = useState(useHost().settings.speakerId);
  const [showDevices, setShowDevices] = useState(false);
  const peerName = snapshot.peer?.name ?? 'the other person';
  const diagnostics = useDiagnosticsServices();
  const [showDetails, setShowDetails] = useState(false);
  const panelId = useId();
  return (
    <section className="call" aria-label={`Consultation with ${peerName}`}>
      <div className="call__stage">
        <Video
          stream={snapshot.remoteStream}
          testId="remote-video"
          label={`Video of ${peerName}`}
          sinkId={speakerId}
          onFirstFrame={onFirstFrame}
        />
        <QualityIndicator />
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
        <button type="button" className="button" aria-expanded={showDevices} onClick={() => setShowDevices((v) => !v)}>
          Devices
        </button>
        {(showDevices || snapshot.mediaNotice) && (
          <DevicePicker engine={engine} snapshot={snapshot} speakerId={speakerId} onSpeakerChange={setSpeakerId} />
        )}
        {diagnostics && (
          <button
            type="button"
            className="button"
            data-testid="diagnostics-toggle"
            aria-expanded={showDetails}
            aria-controls={showDetails ? panelId : undefined}
            onClick={() => setShowDetails((shown) => !shown)}
          >
            {showDetails ? 'Hide connection details' : 'Connection details'}
          </button>
        )}
      </div>
      {showDetails && <DiagnosticsPanel id={panelId} />}
    </section>
  );
}
