import { useEffect, useRef } from 'react';

interface VideoProps {
  stream: MediaStream | null;
  testId: string;
  label: string;
  /** Local preview: muted (no echo) and mirrored like a mirror; a camera that is off shows a card instead. */
  local?: boolean;
  /** Speaker to play through (remote video only); null = the system default. */
  sinkId?: string | null;
  onFirstFrame?: () => void;
  /** Called for every frame shown (keep it cheap and stable). */
  onFrame?: () => void;
  /** Not shown, but still playing (the remote video carries the call's sound). */
  hidden?: boolean;
}

/** Whether `stream` has a camera that runs (a camera turned off keeps its ended track in the stream). */
export function hasLiveVideo(stream: MediaStream | null): boolean {
  return stream?.getVideoTracks().some((track) => track.readyState === 'live') ?? false;
}

export function Video({ stream, testId, label, local = false, sinkId = null, onFirstFrame, onFrame, hidden = false }: VideoProps) {
  const ref = useRef<HTMLVideoElement>(null);
  // Read at each render: parents re-render on every engine change, camera on/off included.
  const cameraOff = local && stream !== null && !hasLiveVideo(stream);
  useEffect(() => {
    const video = ref.current;
    // A vanished speaker keeps the default.
    if (video && sinkId && 'setSinkId' in video) void video.setSinkId(sinkId).catch(() => undefined);
  }, [sinkId]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: cameraOff swaps the <video> for a card and back (a new element).
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
  }, [stream, onFirstFrame, cameraOff]);
  useEffect(() => {
    const video = ref.current;
    if (!video || !stream || !onFrame) return;
    let handle = 0;
    let cancelled = false;
    const each = () => {
      if (cancelled) return;
      onFrame();
      handle = video.requestVideoFrameCallback(each);
    };
    handle = video.requestVideoFrameCallback(each);
    return () => {
      cancelled = true;
      video.cancelVideoFrameCallback(handle);
    };
  }, [stream, onFrame]);
  if (cameraOff) {
    return (
      <div className={`video video--local video--off`} data-testid={testId} data-camera="off" role="img" aria-label="Your camera is off">
        <span aria-hidden="true">Camera off</span>
      </div>
    );
  }
  return (
    <video
      ref={ref}
      data-testid={testId}
      className={`${local ? 'video video--local' : 'video video--remote'}${hidden ? ' video--hidden' : ''}`}
      aria-label={label}
      aria-hidden={hidden || undefined}
      autoPlay
      playsInline
      muted={local}
    />
  );
}
