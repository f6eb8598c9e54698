import { useEffect, useRef } from 'react';

interface VideoProps {
  stream: MediaStream | null;
  testId: string;
  label: string;
  /** Local preview: muted (no echo) and mirrored like a mirror. */
  local?: boolean;
  /** Speaker to play through (remote video only); null = the system default. */
  sinkId?: string | null;
  onFirstFrame?: () => void;
}

export function Video({ stream, testId, label, local = false, sinkId = null, onFirstFrame }: VideoProps) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (video && sinkId && 'setSinkId' in video) void video.setSinkId(sinkId).catch(() => undefined); // a vanished speaker keeps the default
  }, [sinkId]);
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
