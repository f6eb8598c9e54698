/** "You are muted": the gate that decides speech from levels (engine/muted-speech.ts), and the level reading. */
import { describe, expect, it } from 'vitest';
import { MUTED_SPEECH_GATE, nextSpeechState, QUIET, type SpeechState } from '../../../renderer/engine/muted-speech';
import { loudestBlockLevel } from '../../../renderer/features/consult/use-muted-speech';

const gate = { threshold: 0.3, holdMs: 1000, gapMs: 700, releaseMs: 2500 };
const LOUD = 0.6;
const SILENT = 0.05;

/** Feeds one reading every `stepMs` from `from`; returns the state after each. */
function run(levels: number[], stepMs = 100, from = 0, start: SpeechState = QUIET): SpeechState[] {
  const states: SpeechState[] = [];
  let state = start;
  levels.forEach((level, i) => {
    state = nextSpeechState(state, level, from + i * stepMs, gate);
    states.push(state);
  });
  return states;
}

/** `ms` of readings at `level`, every 100 ms. */
const span = (level: number, ms: number) => Array.from({ length: ms / 100 }, () => level);

describe('speech while muted', () => {
  it('is quiet in silence and below the threshold', () => {
    expect(run(span(SILENT, 5000)).some((s) => s.speaking)).toBe(false);
    expect(run(span(0.29, 5000)).some((s) => s.speaking)).toBe(false);
  });

  it('speaks once sound has lasted the hold time, not before', () => {
    const states = run(span(LOUD, 1500));
    expect(states.findIndex((s) => s.speaking)).toBe(10); // the reading at 1000 ms
  });

  it('a short sound (a cough, a click) shows nothing', () => {
    expect(run([...span(LOUD, 600), ...span(SILENT, 3000)]).some((s) => s.speaking)).toBe(false);
  });

  it('pauses between words shorter than the gap do not break the run', () => {
    // 300 ms of sound, 400 ms of pause, again and again: speech.
    const syllables = Array.from({ length: 4 }, () => [...span(LOUD, 300), ...span(SILENT, 400)]).flat();
    expect(run(syllables).some((s) => s.speaking)).toBe(true);
  });

  it('a pause longer than the gap starts the count again', () => {
    const broken = [...span(LOUD, 700), ...span(SILENT, 800), ...span(LOUD, 700)];
    expect(run(broken).some((s) => s.speaking)).toBe(false);
  });

  it('stays on for the release time after speech stops, then goes', () => {
    const states = run([...span(LOUD, 1200), ...span(SILENT, 4000)]);
    const lastLoudAt = 1100;
    const offAt = states.findIndex((s, i) => i * 100 > lastLoudAt && !s.speaking) * 100;
    expect(offAt - lastLoudAt).toBeGreaterThan(gate.releaseMs - 100);
    expect(offAt - lastLoudAt).toBeLessThanOrEqual(gate.releaseMs + 100);
    expect(states.at(-1)?.speaking).toBe(false);
  });

  it("Chromium's fake microphone (a 20 ms beep every 500 ms, seen in ~3 of 5 reads) counts as speech", () => {
    const beeps = Array.from({ length: 6 }, () => [LOUD, LOUD, LOUD, SILENT, SILENT]).flat();
    expect(run(beeps).some((s) => s.speaking)).toBe(true);
  });

  it('the product gate is the one described', () => {
    expect(MUTED_SPEECH_GATE).toEqual(gate);
  });
});

describe('loudest block level', () => {
  it('finds a short burst that the whole window would dilute', () => {
    const samples = new Float32Array(8192);
    for (let i = 4000; i < 4480; i += 1) samples[i] = 0.5 * Math.sin(i / 3);
    const whole = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
    expect(loudestBlockLevel(samples)).toBeGreaterThan(0.8); // about -9 dBFS
    expect(20 * Math.log10(whole)).toBeLessThan(-20); // the window's average is 12 dB lower
  });

  it('is 0 for silence and reads a final short block', () => {
    expect(loudestBlockLevel(new Float32Array(8192))).toBe(0);
    const tail = new Float32Array(500);
    tail.fill(0.5, 480);
    expect(loudestBlockLevel(tail)).toBeGreaterThan(0.8);
  });
});
