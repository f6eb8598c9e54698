import { useCallback, useEffect, useRef, useState } from 'react';
import type { MediaState } from '../../engine/engine';
import { initials } from './controls';
import { Video } from './Video';

interface Props {
  stream: MediaStream | null;
  name: string;
  /** What the other side said of its microphone and camera (null: not said yet). */
  media: MediaState | null;
  sinkId: string | null;
  onFirstFrame: () => void;
  /** Small in a corner: the other side's shared screen fills the stage (share-controls.tsx). */
  inset?: boolean;
}

/**
 * The other person: their video filling the stage with their name on it, and what they turned off. A camera
 * that is off shows their name on a card, never the last frame frozen or a black picture: the <video> stays
 * (it carries their voice) but is hidden until a frame of the camera turned on again is shown.
 */
export function RemoteTile({ stream, name, media, sinkId, onFirstFrame, inset = false }: Props) {
  const cameraOn = media?.camera !== false;
  const micOn = media?.mic !== false;
  const [showing, setShowing] = useState(false);
  const cameraOnNow = useRef(cameraOn);
  cameraOnNow.current = cameraOn;
  // A new stream, or the camera turned on or off: only a frame shown from now on proves a live picture.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the dependencies are the triggers of the reset.
  useEffect(() => {
    setShowing(false);
  }, [stream, cameraOn]);
  const onFrame = useCallback(() => {
    if (cameraOnNow.current) setShowing(true);
  }, []);
  const card = !stream || !cameraOn || !showing;
  return (
    <div
      className={`tile tile--remote${inset ? ' tile--inset' : ''}`}
      data-testid="remote-tile"
      data-camera={cameraOn ? 'on' : 'off'}
      data-mic={micOn ? 'on' : 'off'}
    >
      <Video
        stream={stream}
        testId="remote-video"
        label={`Video of ${name}`}
        sinkId={sinkId}
        onFirstFrame={onFirstFrame}
        onFrame={onFrame}
        hidden={card}
      />
      {card && (
        <div className="tile__card" data-testid={cameraOn ? 'remote-video-waiting' : 'remote-camera-off'}>
          <span className="tile__avatar" aria-hidden="true">
            {initials(name)}
          </span>
          <span className="tile__card-name">{name}</span>
          {!cameraOn && <span className="tile__card-note">Camera off</span>}
        </div>
      )}
      <p className="tile__name" data-testid="remote-name" aria-live="polite">
        <span className="tile__name-text">{name}</span>
        {!micOn && (
          <span className="tile__badge" data-testid="remote-muted">
            <MicOffGlyph /> muted
          </span>
        )}
        {!cameraOn && (
          <span className="tile__badge" data-testid="remote-camera-off-badge">
            camera off
          </span>
        )}
      </p>
    </div>
  );
}

function MicOffGlyph() {
  return (
    <svg className="glyph" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect x="9" y="3" width="6" height="11" rx="3" />
      <path d="M5 11a7 7 0 0 0 14 0M12 18v3M3 3l18 18" />
    </svg>
  );
}
