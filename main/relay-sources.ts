/**
 * Which relays the page may connect to (its CSP `connect-src`): the configured one, the host default, and
 * any relay a join link named during this run. A CSP is fixed when the page loads, so a relay that is new
 * to the policy means the page must reload before it can connect (`changed` tells the caller).
 */
import { buildCsp } from './csp';

export class RelaySources {
  private readonly fromLinks = new Set<string>();
  private served: string | null = null;

  /** `configured` returns the relays from settings and defaults at the moment of asking. */
  constructor(private readonly configured: () => readonly string[]) {}

  addFromLink(relayUrl: string): void {
    this.fromLinks.add(relayUrl);
  }

  /** The policy for a response now; remembered as what the page was loaded with. */
  serve(): string {
    this.served = this.current();
    return this.served;
  }

  current(): string {
    return buildCsp([...this.configured(), ...this.fromLinks]);
  }

  /** True when a page was served with a policy that no longer matches (it cannot reach a new relay). */
  changed(): boolean {
    return this.served !== null && this.served !== this.current();
  }
}
