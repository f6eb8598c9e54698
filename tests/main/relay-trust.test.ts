import { describe, expect, it } from 'vitest';
import type { RelayTrustRequest } from '../../contract/bridge';
import { MAX_PENDING_TRUST_REQUESTS, RelayTrustRequests } from '../../main/relay-trust';

const FP = (byte: string): string => Array.from({ length: 32 }, () => byte).join(':');
const RELAY = { host: '192.168.1.5', port: 8787 };

function requests(page = true) {
  const pushed: RelayTrustRequest[] = [];
  let next = 0;
  const trust = new RelayTrustRequests(
    (request) => {
      if (page) pushed.push(request);
      return page;
    },
    () => {
      next += 1;
      return `request-${next}`;
    },
  );
  return { trust, pushed };
}

/** Whether the promise has settled yet, and with what. */
async function state<T>(promise: Promise<T>): Promise<{ settled: boolean; value?: T }> {
  const pending = Symbol('pending');
  const value = await Promise.race([promise, new Promise<typeof pending>((resolve) => setTimeout(() => resolve(pending), 0))]);
  return value === pending ? { settled: false } : { settled: true, value: value as T };
}

describe('RelayTrustRequests', () => {
  it('asks the page and waits: nothing is decided until the person answers', async () => {
    const { trust, pushed } = requests();
    const answer = trust.ask(RELAY, FP('AB'));
    expect(pushed).toEqual([{ id: 'request-1', host: '192.168.1.5', port: 8787, fingerprint: FP('AB') }]);
    expect(trust.pending()).toEqual(pushed);
    expect(await state(answer)).toEqual({ settled: false });
    expect(trust.answer('request-1', true)).toBe(true);
    expect(await answer).toBe(true);
    expect(trust.pending()).toEqual([]);
  });

  it('Cancel resolves false', async () => {
    const { trust } = requests();
    const answer = trust.ask(RELAY, FP('AB'));
    expect(trust.answer('request-1', false)).toBe(true);
    expect(await answer).toBe(false);
  });

  it('takes one answer per request: a second answer, even the opposite one, changes nothing', async () => {
    const { trust } = requests();
    const answer = trust.ask(RELAY, FP('AB'));
    expect(trust.answer('request-1', false)).toBe(true);
    expect(trust.answer('request-1', true)).toBe(false);
    expect(await answer).toBe(false);
  });

  it('refuses ids it did not make: a page cannot trust anything on its own', async () => {
    const { trust } = requests();
    expect(trust.answer('request-1', true)).toBe(false); // nothing asked yet
    const answer = trust.ask(RELAY, FP('AB'));
    for (const id of ['request-2', '', 'REQUEST-1', 'request-1 ', '__proto__', 'constructor']) expect(trust.answer(id, true)).toBe(false);
    expect(await state(answer)).toEqual({ settled: false });
    expect(trust.pending()).toHaveLength(1);
  });

  it('keeps a request for a page that is not listening yet', async () => {
    const { trust, pushed } = requests(false);
    const answer = trust.ask(RELAY, FP('AB'));
    expect(pushed).toEqual([]);
    expect(trust.pending()).toEqual([{ id: 'request-1', ...RELAY, fingerprint: FP('AB') }]);
    expect(trust.pending()).toHaveLength(1); // reading the list answers nothing
    trust.answer('request-1', true);
    expect(await answer).toBe(true);
  });

  it('the same relay and certificate asked twice share one request; another relay gets its own', async () => {
    const { trust, pushed } = requests();
    const first = trust.ask(RELAY, FP('AB'));
    const again = trust.ask(RELAY, FP('AB'));
    const otherPort = trust.ask({ ...RELAY, port: 9000 }, FP('AB'));
    const otherCertificate = trust.ask(RELAY, FP('CD'));
    expect(pushed.map((request) => request.id)).toEqual(['request-1', 'request-2', 'request-3']);
    trust.answer('request-1', true);
    expect(await first).toBe(true);
    expect(await again).toBe(true);
    expect(await state(otherPort)).toEqual({ settled: false });
    expect(await state(otherCertificate)).toEqual({ settled: false });
  });

  it(`cancels the oldest request beyond ${MAX_PENDING_TRUST_REQUESTS} unanswered`, async () => {
    const { trust } = requests();
    const answers = Array.from({ length: MAX_PENDING_TRUST_REQUESTS + 1 }, (_, i) => trust.ask({ ...RELAY, port: 9000 + i }, FP('AB')));
    expect(await answers[0]).toBe(false);
    expect(trust.pending().map((request) => request.port)).toEqual([9001, 9002, 9003, 9004]);
  });

  it("hands out copies: changing a listed request does not change main's", () => {
    const { trust } = requests();
    void trust.ask(RELAY, FP('AB'));
    const [listed] = trust.pending();
    if (listed) listed.host = 'evil.example';
    expect(trust.pending()[0]?.host).toBe('192.168.1.5');
  });
});
