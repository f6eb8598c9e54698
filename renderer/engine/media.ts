/** Local camera and microphone: acquisition and the errors people can act on. */

export type MediaErrorKind = 'permission-denied' | 'device-in-use' | 'no-device' | 'constraints' | 'unsupported' | 'unknown';

export interface MediaFailure {
  kind: MediaErrorKind;
  /** What the person should read: what happened and what to do. */
  message: string;
}

export type GetUserMedia = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

export const DEFAULT_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
};

export async function acquireLocalMedia(getUserMedia: GetUserMedia, constraints: MediaStreamConstraints): Promise<MediaStream> {
  const stream = await getUserMedia(constraints);
  for (const track of stream.getVideoTracks()) {
    // A clinician needs detail (skin, eyes, a wound) more than smooth motion: under load the encoder
    // keeps the resolution and lowers the frame rate instead of blurring the picture.
    track.contentHint = 'detail';
  }
  return stream;
}

export function describeMediaError(err: unknown): MediaFailure {
  const name =
    err instanceof Error || (typeof err === 'object' && err !== null && 'name' in err) ? String((err as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return { kind: 'permission-denied', message: 'Camera or microphone access was blocked. Allow access for this app, then try again.' };
    case 'NotReadableError':
    case 'AbortError':
      return { kind: 'device-in-use', message: 'The camera or microphone is being used by another app. Close that app, then try again.' };
    case 'NotFoundError':
      return { kind: 'no-device', message: 'No camera or microphone was found. Connect one, then try again.' };
    case 'OverconstrainedError':
      return { kind: 'constraints', message: 'The selected camera cannot provide this video format. Choose another camera.' };
    case 'TypeError':
      return { kind: 'unsupported', message: 'This page cannot use the camera here (it needs a secure https address or the desktop app).' };
    default:
      return { kind: 'unknown', message: `The camera or microphone could not be started (${name || String(err)}).` };
  }
}
