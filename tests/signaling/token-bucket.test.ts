import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../signaling/token-bucket';

/** How many of `n` takes at the same instant succeed. */
function takes(bucket: TokenBucket, n: number, now: number): number {
  let taken = 0;
  for (let i = 0; i < n; i += 1) if (bucket.take(now)) taken += 1;
  return taken;
}

describe('TokenBucket', () => {
  it('starts full: a burst of its capacity gets through, the next take is refused', () => {
    const bucket = new TokenBucket(5, 10, 1_000);
    expect(takes(bucket, 10, 1_000)).toBe(10);
    expect(bucket.take(1_000)).toBe(false);
  });

  it('refills at the sustained rate, a token at a time', () => {
    const bucket = new TokenBucket(5, 10, 0);
    takes(bucket, 10, 0);
    expect(bucket.take(100)).toBe(false); // half a token
    expect(bucket.take(200)).toBe(true); // one whole token after 200 ms at 5/s
    expect(bucket.take(200)).toBe(false);
    expect(takes(bucket, 10, 1_200)).toBe(5);
  });

  it('never holds more than its capacity, however long it idles', () => {
    const bucket = new TokenBucket(5, 10, 0);
    expect(takes(bucket, 100, 3_600_000)).toBe(10);
  });

  it('keeps refusing a client that keeps hammering: refused takes cost nothing but earn nothing', () => {
    const bucket = new TokenBucket(100, 200, 0);
    let taken = 0;
    // 1000 messages a second for 10 s against a budget of 100/s (+ the initial burst of 200).
    for (let t = 0; t < 10_000; t += 1) if (bucket.take(t)) taken += 1;
    expect(taken).toBeGreaterThanOrEqual(1_000 + 200 - 1);
    expect(taken).toBeLessThanOrEqual(1_000 + 200);
  });

  it('does not mint tokens when the clock steps back', () => {
    const bucket = new TokenBucket(5, 10, 10_000);
    takes(bucket, 10, 10_000);
    expect(bucket.take(5_000)).toBe(false);
  });
});
