import { useEffect, useRef, useState } from 'react';
import type { ConsultEngine } from '../../engine/engine';
import { type LocalShare, type RemoteShare, ShareFailure } from '../../engine/screen-share';
import type { Refusal } from '../../engine/snapshot';
import { ControlButton } from './ControlBar';

/**
 * Screen share in the call (screen-share.ts): the bar's toggle, the "You are sharing" banner, and the other side's
 * screen shown large. Rendered only where sharing works: a browser without screen capture (phones), or a patient
 * of a clinic where only staff share, gets no button at all, never a dead one.
 */
export function ShareToggle({ engine, share }: { engine: ConsultEngine; share: LocalShare }) {
  const code = share.blocked?.code;
  if (code === ShareFailure.UNSUPPORTED || code === ShareFailure.NOT_ALLOWED) return null;
  const sharing = share.status === 'sharing';
  const hint = sharing
    ? 'Stop sharing your screen'
    : share.status === 'requesting'
      ? 'Choose what to share'
      : (share.blocked?.message ?? 'Share a screen or window');
  return (
    <ControlButton
      testId="toggle-share"
      label="Share screen"
      pressed={sharing}
      hint={hint}
      disabled={share.status === 'requesting' || (!sharing && share.blocked !== null)}
      icon={<ShareIcon />}
      onClick={() => (sharing ? engine.stopScreenShare() : void engine.startScreenShare())}
    />
  );
}

/**
 * While this side shares: a banner that says so, with its own Stop button (the bar's toggle is one more way). After
 * a start that did not share: why, unless the person simply cancelled the picker.
 */
export function ShareBanner({ engine, share }: { engine: ConsultEngine; share: LocalShare }) {
  const [dismissed, setDismissed] = useState<Refusal | null>(null);
  if (share.status === 'sharing') {
    return (
      <div className="share-banner" role="status" data-testid="share-banner">
        <span>You are sharing your screen</span>
        <button type="button" className="share-banner__stop" data-testid="stop-share" onClick={() => engine.stopScreenShare()}>
          Stop sharing
        </button>
      </div>
    );
  }
  const refusal = share.refusal;
  if (!refusal || refusal === dismissed || refusal.code === ShareFailure.CANCELLED) return null;
  return (
    <div className="share-banner share-banner--refusal" role="alert" data-testid="share-refusal" data-code={refusal.code}>
      <span>{refusal.message}</span>
      <button type="button" className="share-banner__stop" onClick={() => setDismissed(refusal)}>
        Close
      </button>
    </div>
  );
}

/** The other side's shared screen, filling the stage (contain: every part of a document or an X-ray in view). */
export function RemoteScreen({ share, name }: { share: RemoteShare; name: string }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const element = video.current;
    if (!element) return;
    element.srcObject = share.stream;
    return () => {
      element.srcObject = null; // a <video> that leaves with its stream keeps decoder buffers (Video.tsx)
    };
  }, [share.stream]);
  return (
    <div className="share-screen" data-testid="remote-screen-tile">
      <video
        ref={video}
        className="share-screen__video"
        data-testid="remote-screen"
        data-mid={share.mid}
        aria-label={`${name}’s shared screen`}
        autoPlay
        playsInline
        muted
      />
      <p className="share-screen__label">{name} is sharing their screen</p>
    </div>
  );
}

function ShareIcon() {
  return (
    <svg className="control__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect x="3" y="4" width="18" height="12" rx="2" />
      <path d="M8 20h8M12 16v4M12 13V7M9 10l3-3 3 3" />
    </svg>
  );
}
