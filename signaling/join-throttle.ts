/**
 * Failed joins cost: per source address, and for the whole relay. A short invite code is ~40 bits, so guessing
 * is only a question of how many tries the relay allows; with these budgets, a guesser gets a few tries a
 * minute per address and the relay as a whole a couple a second, however many sockets or addresses it uses.
 *
 * Only failures spend the budget, and a join by link (a 256-bit secret nobody guesses) is refused only by its
 * own address's budget: an attacker exhausting the relay's budget cannot keep patients with links out.
 */
import { TokenBucket } from './token-bucket';

export interface JoinThrottleLimits {
  /** Failed joins one address may make in a burst, then `perAddressPerMinute`. */
  perAddressBurst: number;
  perAddressPerMinute: number;
  /** Failed joins by short code the whole relay allows in a burst, then `relayPerMinute`. */
  relayBurst: number;
  relayPerMinute: number;
}

export const DEFAULT_JOIN_LIMITS: JoinThrottleLimits = {
  perAddressBurst: 10,
  perAddressPerMinute: 5,
  relayBurst: 60,
  relayPerMinute: 60,
};

/** Addresses remembered at most; beyond it, those with full buckets (idle) are forgotten first. */
const MAX_ADDRESSES = 10_000;

export class JoinThrottle {
  private readonly byAddress = new Map<string, TokenBucket>();
  private readonly relay: TokenBucket;

  constructor(
    private readonly limits: JoinThrottleLimits = DEFAULT_JOIN_LIMITS,
    now: number = Date.now(),
  ) {
    this.relay = new TokenBucket(limits.relayPerMinute / 60, limits.relayBurst, now);
  }

  /**
   * May this address try a join now? The try is paid for up front (so concurrent tries cannot all slip
   * through one remaining token) and refunded by `succeeded`. `byShortCode`: the guessable kind, also held to
   * the relay's budget.
   */
  tryJoin(address: string, byShortCode: boolean, now: number): boolean {
    const own = this.bucketOf(address, now);
    if (!own.has(now) || (byShortCode && !this.relay.has(now))) return false;
    own.take(now);
    if (byShortCode) this.relay.take(now);
    return true;
  }

  /** The join went through: it costs nothing. */
  succeeded(address: string, byShortCode: boolean): void {
    this.byAddress.get(address)?.giveBack();
    if (byShortCode) this.relay.giveBack();
  }

  private bucketOf(address: string, now: number): TokenBucket {
    let own = this.byAddress.get(address);
    if (!own) {
      if (this.byAddress.size >= MAX_ADDRESSES) this.forgetIdle(now);
      own = new TokenBucket(this.limits.perAddressPerMinute / 60, this.limits.perAddressBurst, now);
      this.byAddress.set(address, own);
    }
    return own;
  }

  private forgetIdle(now: number): void {
    for (const [address, bucket] of this.byAddress) if (bucket.isFull(now)) this.byAddress.delete(address);
    // Still full of busy addresses: drop the oldest, rather than grow without bound.
    const oldest = this.byAddress.keys().next().value;
    if (this.byAddress.size >= MAX_ADDRESSES && oldest !== undefined) this.byAddress.delete(oldest);
  }
}
