/**
 * "You are muted": deciding, from microphone levels read a few times a second, that the person is talking while
 * muted. Pure, so every case is a unit test; the view reads the levels (Web Audio, on a clone of the muted
 * track, since a disabled track reads as silence) and shows the hint.
 *
 * Speech is not one long sound: syllables come in bursts with short pauses between them. So the hint needs
 * sound above `threshold` for `holdMs` in a row, pauses shorter than `gapMs` not breaking the run (a cough, a
 * door or a click is shorter than that and shows nothing), and it stays `releaseMs` after the last loud reading
 * so it does not flicker between words.
 */

export interface SpeechGate {
  /** Level 0..1 (precall mic-meter's scale: 0 = -60 dBFS, 1 = 0 dBFS) that counts as sound. */
  threshold: number;
  holdMs: number;
  gapMs: number;
  releaseMs: number;
}

/**
 * 0.3 is -42 dBFS: speech at a laptop is -30 to -20 dBFS, a quiet room below -50. With 10 ms blocks read
 * every 100 ms from a 170 ms window, a run of speech has no gap near 700 ms.
 */
export const MUTED_SPEECH_GATE: SpeechGate = { threshold: 0.3, holdMs: 1000, gapMs: 700, releaseMs: 2500 };

export interface SpeechState {
  /** When the current run of sound began (null: no run). */
  runStart: number | null;
  /** When the last reading above the threshold came. */
  lastLoud: number | null;
  /** Whether the hint shows. */
  speaking: boolean;
}

export const QUIET: SpeechState = { runStart: null, lastLoud: null, speaking: false };

/** The state after one reading `level` taken at `now` (ms, any monotonic clock). */
export function nextSpeechState(state: SpeechState, level: number, now: number, gate: SpeechGate = MUTED_SPEECH_GATE): SpeechState {
  const loud = level >= gate.threshold;
  const runGoesOn = state.runStart !== null && state.lastLoud !== null && now - state.lastLoud <= gate.gapMs;
  let runStart = runGoesOn ? state.runStart : null;
  let lastLoud = state.lastLoud;
  if (loud) {
    runStart = runStart ?? now;
    lastLoud = now;
  }
  const sustained = runStart !== null && lastLoud !== null && lastLoud - runStart >= gate.holdMs;
  const lingering = state.speaking && lastLoud !== null && now - lastLoud <= gate.releaseMs;
  return { runStart, lastLoud, speaking: sustained || lingering };
}
