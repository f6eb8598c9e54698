/**
 * The arrival chime: two soft sine notes (E5 then A5, ~0.6 s in all) made with WebAudio, so no sound file
 * ships. One AudioContext, made on first use and suspended between chimes so the audio device is not held.
 * Browsers let a page start audio once the person has clicked or typed in it (the clinician did, to open the
 * consultation); a page reloaded and not touched since stays silent until then, and says so nowhere: the
 * badge and the notification still carry the news. The desktop app's Chromium has no such rule.
 */
export type AudioContextFactory = () => AudioContext;

const NOTES_HZ = [659.25, 880];
const NOTE_GAP_S = 0.18;
const NOTE_LENGTH_S = 0.4;
const PEAK_GAIN = 0.2;

export class ArrivalChime {
  private context: AudioContext | null = null;
  private suspendTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly createContext: AudioContextFactory = () => new AudioContext()) {}

  /** Plays the chime; resolves once it is scheduled. Never throws: without sound the badge still says it. */
  async play(): Promise<boolean> {
    try {
      this.context ??= this.createContext();
      const context = this.context;
      if (this.suspendTimer) clearTimeout(this.suspendTimer);
      if (context.state === 'suspended') await context.resume();
      const start = context.currentTime + 0.02;
      NOTES_HZ.forEach((frequency, index) => {
        const at = start + index * NOTE_GAP_S;
        const oscillator = context.createOscillator();
        const gain = context.createGain();
        oscillator.type = 'sine';
        oscillator.frequency.value = frequency;
        // A quick rise and an exponential fade: a bell-like note without clicks.
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(PEAK_GAIN, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + NOTE_LENGTH_S);
        oscillator.connect(gain).connect(context.destination);
        oscillator.start(at);
        oscillator.stop(at + NOTE_LENGTH_S);
      });
      this.scheduleSuspend((NOTE_GAP_S * (NOTES_HZ.length - 1) + NOTE_LENGTH_S) * 1000 + 500);
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.suspendTimer) clearTimeout(this.suspendTimer);
    this.suspendTimer = null;
    void this.context?.close().catch(() => undefined);
    this.context = null;
  }

  private scheduleSuspend(afterMs: number): void {
    if (this.suspendTimer) clearTimeout(this.suspendTimer);
    this.suspendTimer = setTimeout(() => {
      this.suspendTimer = null;
      void this.context?.suspend().catch(() => undefined);
    }, afterMs);
  }
}
