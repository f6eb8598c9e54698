/**
 * "You are muted" while the person talks muted. Levels come from Web Audio on a clone of the microphone track
 * (the muted track itself reads as silence), only while muted; the decision is the engine's pure gate
 * (engine/muted-speech.ts).
 */
import { useEffect, useState } from 'react';
import { MUTED_SPEECH_GATE, nextSpeechState, QUIET, type SpeechState } from '../../engine/muted-speech';
import { levelFromRms, rms } from '../precall/mic-meter';

/** Samples read at a time: 170 ms at 48 kHz, more than the 100 ms between reads, so no sound falls between. */
const WINDOW = 8192;
const READ_EVERY_MS = 100;
/** 10 ms at 48 kHz: a syllable is louder than the window's average, which the pauses around it would dilute. */
const BLOCK = 480;

/** The loudest `block`-sample stretch of `samples`, on the meter's 0..1 scale. Pure. */
export function loudestBlockLevel(samples: Float32Array, block = BLOCK): number {
  let loudest = 0;
  for (let start = 0; start < samples.length; start += block) {
    loudest = Math.max(loudest, rms(samples.subarray(start, Math.min(samples.length, start + block))));
  }
  return levelFromRms(loudest);
}

/**
 * True while the person seems to be talking with the microphone muted. `track` is the microphone in use (read
 * at each render: a device switch replaces it inside the same stream).
 */
export function useMutedSpeech(track: MediaStreamTrack | null, muted: boolean): boolean {
  const [speaking, setSpeaking] = useState(false);
  useEffect(() => {
    setSpeaking(false);
    if (!muted || !track || track.readyState !== 'live' || typeof AudioContext === 'undefined') return;
    const listen = track.clone();
    listen.enabled = true; // a clone starts as its source is: muted
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = WINDOW;
    context.createMediaStreamSource(new MediaStream([listen])).connect(analyser); // never to the speakers
    void context.resume().catch(() => undefined);
    const samples = new Float32Array(analyser.fftSize);
    let state: SpeechState = QUIET;
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      state = nextSpeechState(state, loudestBlockLevel(samples), performance.now(), MUTED_SPEECH_GATE);
      setSpeaking(state.speaking);
    }, READ_EVERY_MS);
    return () => {
      clearInterval(timer);
      listen.stop();
      void context.close().catch(() => undefined);
    };
  }, [track, muted]);
  return speaking;
}
