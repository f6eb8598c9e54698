/**
 * Watching a relay-first call (renderer/engine/ice-policy.ts) from outside: it connected relay-only, the
 * initiator then widened to every path, and the video on each side never froze through the ICE restart.
 */
import { expect } from 'vitest';
import type { AppWindow } from '../harness/browser';
import { frameTimes, longestFreeze, watchFrames } from './frame-watch';
import { peerHistory, typesBeforeConnected } from './selected-path';

export interface Widening {
  /** Epoch ms of each window's `ice-widened`, same order as the windows. */
  widenedAt: number[];
  /** Longest time without a remote video frame on each side from its widening until now, ms. */
  freezesSinceWidening(): Promise<number[]>;
}

/**
 * Asserts each side's connection started relay-only and connected on relay candidates alone, starts
 * watching frames, and waits for both sides to widen.
 */
export async function expectRelayFirstThenWidened(windows: AppWindow[]): Promise<Widening> {
  await Promise.all(windows.map((window) => watchFrames(window.page)));
  // Frames count from here (the watcher arms the video element within 50 ms), should a slow run widen first.
  const watchedFrom = Date.now() + 100;
  for (const window of windows) {
    const history = await peerHistory(window.page);
    expect(history?.startPolicy, `${window.label} started relay-only`).toBe('relay');
    expect(typesBeforeConnected(history), `${window.label} connected on relay candidates`).toEqual(['relay']);
  }
  const widenedAt = (await Promise.all(windows.map((window) => window.waitForEvent('ice-widened', 15_000)))).map((entry) => entry.t);
  return {
    widenedAt,
    freezesSinceWidening: () => {
      const end = Date.now();
      return Promise.all(
        windows.map(async (window, i) => longestFreeze(await frameTimes(window.page), Math.max(widenedAt[i] ?? end, watchedFrom), end)),
      );
    },
  };
}
