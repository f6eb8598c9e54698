import { useEffect } from 'react';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';
import { MediaProblem } from '../consult/MediaProblem';
import { Video } from '../consult/Video';
import { PreCallDevices } from './PreCallDevices';

/**
 * The top of both entry forms: starts the camera as soon as the form shows (media comes first), then
 * shows the preview, any camera/microphone problem, and the device choice.
 */
export function MediaSetup({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  useEffect(() => {
    void engine.startPreview();
  }, [engine]);
  return (
    <>
      <Video stream={snapshot.localStream} testId="local-video" label="Your camera" local />
      <MediaProblem engine={engine} snapshot={snapshot} />
      <PreCallDevices engine={engine} snapshot={snapshot} />
    </>
  );
}

/** The relay's state while a form waits on it: still reaching it, or what it refused. */
export function RelayNotices({ snapshot }: { snapshot: EngineSnapshot }) {
  return (
    <>
      {snapshot.relay === 'reconnecting' && <p className="notice">Trying to reach the clinic server…</p>}
      {snapshot.relayError && (
        <p className="notice notice--error" role="alert" data-testid="relay-error" data-code={snapshot.relayError.code}>
          {snapshot.relayError.message}
        </p>
      )}
    </>
  );
}
