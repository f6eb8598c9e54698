/**
 * A token bucket: `ratePerSecond` sustained, bursts of up to `capacity`. The relay keeps one per connection
 * so one noisy client cannot crowd out the others. Pure: time comes in as an argument.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  /** Starts full. */
  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.refilledAt = now;
  }

  /** Takes one token if there is one; false means the caller is over its budget right now. */
  take(now: number): boolean {
    if (!this.has(now)) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whether a token is there right now, without taking it. */
  has(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
    return this.tokens >= 1;
  }

  /** Gives back a token taken for something that turned out not to cost (never beyond capacity). */
  giveBack(): void {
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  /** Full again (nothing taken lately): such a bucket can be forgotten and made anew when needed. */
  isFull(now: number): boolean {
    return this.has(now) && this.tokens >= this.capacity;
  }
}
