/** The arithmetic behind "media back after N ms" and "media never stopped": pure, no root needed. */
import { describe, expect, it } from 'vitest';
import { firstFrameAfter, longestFreeze } from './frame-watch';

describe('firstFrameAfter', () => {
  it('finds the first frame at or after a moment', () => {
    expect(firstFrameAfter([100, 200, 300], 150)).toBe(200);
    expect(firstFrameAfter([100, 200, 300], 200)).toBe(200);
  });
  it('is null when no frame came', () => {
    expect(firstFrameAfter([100, 200], 250)).toBeNull();
  });
});

describe('longestFreeze', () => {
  it('is the largest gap between frames inside the window', () => {
    expect(longestFreeze([0, 50, 100, 900, 950, 1000], 0, 1000)).toBe(800);
  });
  it('counts the window edges: no frames at the end is a freeze too', () => {
    expect(longestFreeze([0, 50, 100], 0, 1000)).toBe(900);
    expect(longestFreeze([600, 650], 0, 700)).toBe(600);
  });
  it('ignores frames outside the window', () => {
    expect(longestFreeze([-5000, 10, 60, 110, 5000], 0, 120)).toBe(50);
  });
});
