/** Microphone level from Web Audio, for the meter people watch while they speak. */
import type { CheckLine } from './check-line';

/** Root mean square of samples in -1..1. */
export function rms(samples: Float32Array): number {
  let sum = 0;
  for (const sample of samples) sum += sample * sample;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}

/** A level 0..1 on a perceptual (dB) scale: -60 dBFS and below is 0, 0 dBFS is 1. */
export function levelFromRms(value: number): number {
  if (value <= 0) return 0;
  const db = 20 * Math.log10(value);
  return Math.min(1, Math.max(0, (db + 60) / 60));
}

const HEARD = 0.2;
const CLIPPING = 0.98;

export function judgeMicrophone(peakLevel: number, label: string): CheckLine {
  if (peakLevel >= CLIPPING)
    return {
      id: 'microphone',
      label: 'Microphone',
      status: 'warn',
      detail: `${label}: very loud (clipping). Move back a little or lower the input volume.`,
    };
  if (peakLevel >= HEARD) return { id: 'microphone', label: 'Microphone', status: 'pass', detail: `${label}: we can hear you.` };
  return {
    id: 'microphone',
    label: 'Microphone',
    status: 'fail',
    detail: `${label}: no sound. Is the microphone muted, or is another one selected?`,
  };
}

export class MicMeter {
  private readonly context: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly buffer: Float32Array<ArrayBuffer>;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Highest level seen since start. */
  peak = 0;
  level = 0;

  constructor(
    stream: MediaStream,
    private readonly onLevel: (level: number) => void,
  ) {
    this.context = new AudioContext();
    const source = this.context.createMediaStreamSource(stream);
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.buffer = new Float32Array(this.analyser.fftSize);
    source.connect(this.analyser); // not to the speakers: no echo of oneself
  }

  start(intervalMs = 100): void {
    void this.context.resume();
    this.timer = setInterval(() => {
      this.analyser.getFloatTimeDomainData(this.buffer);
      this.level = levelFromRms(rms(this.buffer));
      this.peak = Math.max(this.peak, this.level);
      this.onLevel(this.level);
    }, intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    void this.context.close();
  }
}
