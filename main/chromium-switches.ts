/**
 * Chromium switches the desktop app sets before Electron is ready. The renderer's tests and benchmarks
 * launch Debian's Chromium (Electron's stand-in here) with the same list, so they measure what ships.
 *
 * send_ping_on_nomination_ice_controlled: the answering side checks a candidate pair again as soon as the
 * other side nominates it. Without it, a check that raced the other side's TURN permission (the two relay
 * candidates arrive at about the same time) is only retried at the next ~50 ms pacing slot, and the call
 * waits for it: measured +50–60 ms on a relayed call (bench:reach, "desktop" vs "browser" rows).
 */
export const WEBRTC_FIELD_TRIALS = 'WebRTC-IceFieldTrials/send_ping_on_nomination_ice_controlled:true/';

export const CHROMIUM_SWITCHES: readonly (readonly [name: string, value: string])[] = [['force-fieldtrials', WEBRTC_FIELD_TRIALS]];

/** The same switches as command-line flags, for launching Chromium itself. */
export function chromiumFlags(): string[] {
  return CHROMIUM_SWITCHES.map(([name, value]) => `--${name}=${value}`);
}
