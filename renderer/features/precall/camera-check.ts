/**
 * Camera check: the resolution and frame rate actually delivered, and whether the picture is black
 * (lens covered, privacy shutter, a camera that delivers nothing) or frozen (a stalled driver).
 */
import type { CheckLine } from './check-line';

/** Average brightness 0..255 of RGBA pixels. */
export function meanLuminance(rgba: Uint8ClampedArray): number {
  let sum = 0;
  for (let i = 0; i < rgba.length; i += 4) sum += 0.2126 * (rgba[i] ?? 0) + 0.7152 * (rgba[i + 1] ?? 0) + 0.0722 * (rgba[i + 2] ?? 0);
  return rgba.length === 0 ? 0 : sum / (rgba.length / 4);
}

/** Mean absolute difference 0..255 between two same-sized RGBA frames. */
export function frameDifference(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  if (a.length !== b.length || a.length === 0) return 255;
  let sum = 0;
  for (let i = 0; i < a.length; i += 4)
    sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0)) + Math.abs((a[i + 1] ?? 0) - (b[i + 1] ?? 0)) + Math.abs((a[i + 2] ?? 0) - (b[i + 2] ?? 0));
  return sum / ((a.length / 4) * 3);
}

export interface CameraSample {
  width: number;
  height: number;
  frameRate: number | null;
  /** Small RGBA snapshots taken a few hundred ms apart. */
  frames: Uint8ClampedArray[];
}

const BLACK_LUMINANCE = 10;
/** Below this, consecutive frames are the same picture: a real camera always has some sensor noise. */
const FROZEN_DIFFERENCE = 0.05;

export function judgeCamera(sample: CameraSample): CheckLine {
  const size = `${sample.width}x${sample.height}${sample.frameRate ? ` at ${Math.round(sample.frameRate)} fps` : ''}`;
  const label = 'Camera';
  if (sample.frames.length < 2) return { id: 'camera', label, status: 'fail', detail: 'The camera delivered no picture.' };
  const luminance = sample.frames.reduce((sum, frame) => sum + meanLuminance(frame), 0) / sample.frames.length;
  if (luminance < BLACK_LUMINANCE) {
    return {
      id: 'camera',
      label,
      status: 'fail',
      detail: `The picture is black (${size}). Is the lens covered or a privacy shutter closed?`,
    };
  }
  const moving = sample.frames.slice(1).some((frame, i) => frameDifference(sample.frames[i] ?? frame, frame) > FROZEN_DIFFERENCE);
  if (!moving)
    return {
      id: 'camera',
      label,
      status: 'fail',
      detail: `The picture is frozen (${size}). Unplug and reconnect the camera, or choose another.`,
    };
  if (sample.width < 640 || sample.height < 360) {
    return { id: 'camera', label, status: 'warn', detail: `Working, but only ${size}: the clinician may not see detail well.` };
  }
  return { id: 'camera', label, status: 'pass', detail: `Working: ${size}.` };
}

/** Takes `count` small snapshots of the camera's picture, `intervalMs` apart. */
export async function sampleCamera(stream: MediaStream, count = 4, intervalMs = 300): Promise<CameraSample> {
  const track = stream.getVideoTracks()[0];
  const settings = track?.getSettings() ?? {};
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream(track ? [track] : []);
  const frames: Uint8ClampedArray[] = [];
  try {
    await video.play();
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    for (let i = 0; i < count && context; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (video.videoWidth === 0) continue;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      frames.push(context.getImageData(0, 0, canvas.width, canvas.height).data);
    }
  } finally {
    video.pause();
    video.srcObject = null;
  }
  return { width: settings.width ?? 0, height: settings.height ?? 0, frameRate: settings.frameRate ?? null, frames };
}
