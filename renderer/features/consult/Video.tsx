import { useEffect, useRef } from 'react';

interface VideoProps {
  stream: MediaStream | null;
  testId: string;
  label: string;
  /** Local preview: muted (no echo) and mirrored like a mirror. */
  local?: boolean;
  onFirstFrame?: () => void;
}

export function Video({ stream, testId, label, local = false, onFirstFrame }: VideoProps) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = stream;
    if (!stream || !onFirstFrame) return;
    let cancelled = false;
    const handle = video.requestVideoFrameCallback(() => {
      if (!cancelled) onFirstFrame();
    });
    return () => {
      cancelled = true;
      video.cancelVideoFrameCallback(handle);
    };
  }, [stream, onFirstFrame]);
  return (
    <video
      ref={ref}
      data-testid={testId}
      className={local ? 'video video--local' : 'video video--remote'}
      aria-label={label}
      autoPlay
      playsInline
      muted={local}
    />
  );
}
