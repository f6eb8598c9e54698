/**
 * Low bandwidth, in the call: hands each reading of the quality indicator to the engine's policy
 * (engine/bandwidth-policy.ts decides, from its own clock), and shows what it decided: "Switch to audio only"
 * once the connection stayed poor, and why the camera is off after the switch.
 */
import { useEffect } from 'react';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';
import { useDiagnosticsState } from '../diagnostics/diagnostics-context';

export function LowBandwidthOffer({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  const diagnostics = useDiagnosticsState();
  // The collector publishes a new assessment per reading (once a second); stale ones of another call are not fed.
  const quality = diagnostics?.running && diagnostics.callId === snapshot.callId ? diagnostics.quality : null;
  useEffect(() => {
    if (quality) engine.noteConnectionQuality(quality.level);
  }, [engine, quality]);

  const { offerAudioOnly, audioOnly, videoCapKbps } = snapshot.lowBandwidth;
  const peerName = snapshot.peer?.name ?? 'the other person';
  return (
    // Always on the page: a live region announces what appears in it.
    <div className="call__offer-region" aria-live="polite">
      {offerAudioOnly && (
        <div className="call__offer" data-testid="audio-only-offer">
          <p className="call__offer-text">
            Your connection is poor
            {videoCapKbps !== null ? `, so your video now uses at most ${videoCapKbps} kbps` : ''}. Audio only keeps the conversation going;
            you still see {peerName}.
          </p>
          <div className="call__offer-actions">
            <button
              type="button"
              className="button button--primary"
              data-testid="switch-audio-only"
              onClick={() => void engine.switchToAudioOnly()}
            >
              Switch to audio only
            </button>
            <button type="button" className="button" data-testid="dismiss-audio-only" onClick={() => engine.dismissAudioOnlyOffer()}>
              Not now
            </button>
          </div>
        </div>
      )}
      {audioOnly && !offerAudioOnly && (
        <p className="call__offer call__offer-text" data-testid="audio-only-note">
          Audio only because of the poor connection. Turn your camera on when it is better.
        </p>
      )}
    </div>
  );
}
