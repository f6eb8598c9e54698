/**
 * When did remote video frames reach the screen? A page-side watcher records the wall-clock time of every
 * frame the remote <video> presents (requestVideoFrameCallback, which works headless), whichever call or
 * stream the element shows. From that: the longest freeze in a window, and the first frame after a moment
 * (e.g. the link coming back).
 */
import type { Page } from 'playwright-core';

declare global {
  interface Window {
    __frameTimes?: number[];
  }
}

/** Starts recording in the page (idempotent). */
export async function watchFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    if (window.__frameTimes) return;
    const times: number[] = [];
    window.__frameTimes = times;
    const armed = new WeakSet<HTMLVideoElement>();
    const arm = (video: HTMLVideoElement): void => {
      video.requestVideoFrameCallback(() => {
        times.push(performance.timeOrigin + performance.now());
        arm(video);
      });
    };
    // The app may replace the element or its stream when a call restarts: keep arming whatever is there.
    setInterval(() => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]');
      if (video && !armed.has(video)) {
        armed.add(video);
        arm(video);
      }
    }, 50);
  });
}

export async function frameTimes(page: Page): Promise<number[]> {
  return page.evaluate(() => [...(window.__frameTimes ?? [])]);
}

/** First frame at or after `t` (epoch ms), or null. */
export function firstFrameAfter(times: number[], t: number): number | null {
  return times.find((time) => time >= t) ?? null;
}

/** Longest time without a frame between `from` and `to` (edges count as frames). */
export function longestFreeze(times: number[], from: number, to: number): number {
  let previous = from;
  let longest = 0;
  for (const time of times) {
    if (time < from) continue;
    if (time > to) break;
    longest = Math.max(longest, time - previous);
    previous = time;
  }
  return Math.max(longest, to - previous);
}
