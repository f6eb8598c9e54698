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
    // A vanished speaker keeps the default.
    if (video && sinkId && 'setSinkId' in video) void video.setSinkId(sinkId).catch(() => undefined);
  }, [sinkId]);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = stream;
    let cancelled = false;
    const handle = stream && onFirstFrame ? video.requestVideoFrameCallback(() => !cancelled && onFirstFrame()) : null;
    return () => {
      cancelled = true;
      if (handle !== null) video.cancelVideoFrameCallback(handle);
      // A <video> that leaves the page still holding its stream keeps one of the camera's few capture buffers
      // (4 on Linux and Windows) for ~3 s; with those gone Chromium drops every new frame, the call's included.
      video.srcObject = null;
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
