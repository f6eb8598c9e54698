/**
 * First use of a link's self-signed relay: main asks the person (through the page) before it pins the
 * certificate. Main makes every request and keeps its id; the page can only answer a request that is
 * pending, once. An unknown or already answered id changes nothing, so a page can never add trust on its
 * own. Pure: `push` hands a request to the page (false when there is none; the page then takes it from
 * `pending()` when it subscribes).
 */
import { randomUUID } from 'node:crypto';
import type { RelayTrustRequest } from '../contract/bridge';
import type { RelayEndpoint } from './certificate-pins';

/** Links arriving faster than anyone can answer: the oldest unanswered request is cancelled. */
export const MAX_PENDING_TRUST_REQUESTS = 4;

interface Pending {
  request: RelayTrustRequest;
  answered: Promise<boolean>;
  resolve: (trust: boolean) => void;
}

export class RelayTrustRequests {
  private readonly waiting = new Map<string, Pending>();

  constructor(
    private readonly push: (request: RelayTrustRequest) => boolean,
    private readonly newId: () => string = randomUUID,
  ) {}

  /**
   * Asks whether to trust `fingerprint` for `endpoint`; resolves true on Trust, false on Cancel. The same
   * relay and certificate asked again while unanswered share one request (one dialog, one answer).
   */
  ask(endpoint: RelayEndpoint, fingerprint: string): Promise<boolean> {
    for (const pending of this.waiting.values()) {
      const { host, port } = pending.request;
      if (host === endpoint.host && port === endpoint.port && pending.request.fingerprint === fingerprint) return pending.answered;
    }
    if (this.waiting.size >= MAX_PENDING_TRUST_REQUESTS) {
      const oldest = this.waiting.keys().next().value;
      if (oldest !== undefined) this.answer(oldest, false);
    }
    const request: RelayTrustRequest = { id: this.newId(), host: endpoint.host, port: endpoint.port, fingerprint };
    let resolve: (trust: boolean) => void = () => {};
    const answered = new Promise<boolean>((done) => {
      resolve = done;
    });
    this.waiting.set(request.id, { request, answered, resolve });
    this.push(request);
    return answered;
  }

  /** Unanswered requests, oldest first, for a page that starts listening. */
  pending(): RelayTrustRequest[] {
    return [...this.waiting.values()].map(({ request }) => ({ ...request }));
  }

  /** The person's answer. True when it settled a pending request; false for an unknown or answered id. */
  answer(id: string, trust: boolean): boolean {
    const pending = this.waiting.get(id);
    if (!pending) return false;
    this.waiting.delete(id);
    pending.resolve(trust);
    return true;
  }
}
