import { describe, expect, it } from 'vitest';
import { formatDesktopJoinLink, hostedRelayAddresses } from '../../contract/join-link';
import { DeepLinkError, deepLinksInArgv, parseHostPort, parseJoinLink, relayUrlFromParam } from '../../main/deep-link';

/** An invite's link secret: 43 base64url characters. */
const INVITE = 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX';

const ok = (raw: string) => {
  const result = parseJoinLink(raw);
  if (!result.ok) throw new Error(`expected ${raw} to parse, got ${result.code}`);
  return result.link;
};
const refusal = (raw: string) => {
  const result = parseJoinLink(raw);
  if (result.ok) throw new Error(`expected ${raw} to be refused, got ${JSON.stringify(result.link)}`);
  expect(result.message.length).toBeGreaterThan(10); // a sentence for people, always
  return result.code;
};

describe('parseJoinLink: valid links', () => {
  it('parses host:port and the invite into a ws endpoint and the invite secret', () => {
    expect(ok('clinic-consult://join?relay=192.168.1.20:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX')).toEqual({
      relayUrl: 'ws://192.168.1.20:8787/ws',
      invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
    });
  });
  it('keeps an explicit wss:// relay and accepts the /ws path', () => {
    expect(
      ok('clinic-consult://join?relay=wss%3A%2F%2Frelay.clinic.example%3A8443%2Fws&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX')
        .relayUrl,
    ).toBe('wss://relay.clinic.example:8443/ws');
  });
  it('accepts a trailing slash after the action and an upper-case action', () => {
    expect(ok('clinic-consult://join/?relay=10.0.0.5:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX').relayUrl).toBe(
      'ws://10.0.0.5:8787/ws',
    );
    expect(ok('clinic-consult://JOIN?relay=10.0.0.5:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX').invite).toBe(
      'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
    );
  });
  it('accepts an IPv6 relay in brackets', () => {
    expect(ok('clinic-consult://join?relay=[fd00::1]:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX').relayUrl).toBe(
      'ws://[fd00::1]:8787/ws',
    );
  });
});

describe('parseJoinLink: hostile and malformed links are refused whole', () => {
  const cases: [string, string, DeepLinkError][] = [
    [
      'overlong',
      `clinic-consult://join?relay=a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX&x=${'a'.repeat(2100)}`,
      DeepLinkError.TOO_LONG,
    ],
    ['not a URL', 'clinic-consult', DeepLinkError.NOT_A_URL],
    ['another scheme', 'https://join?relay=a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX', DeepLinkError.WRONG_SCHEME],
    ['javascript scheme', 'javascript:alert(1)//clinic-consult://join', DeepLinkError.WRONG_SCHEME],
    [
      'unknown action',
      'clinic-consult://settings?relay=a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.UNKNOWN_ACTION,
    ],
    [
      'path after action',
      'clinic-consult://join/../../etc?relay=a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.UNEXPECTED_PART,
    ],
    [
      'credentials',
      'clinic-consult://user:pw@join?relay=a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.UNEXPECTED_PART,
    ],
    [
      'fragment',
      'clinic-consult://join?relay=a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX#x',
      DeepLinkError.UNEXPECTED_PART,
    ],
    [
      'unknown parameter',
      'clinic-consult://join?relay=a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX&name=Mallory',
      DeepLinkError.UNEXPECTED_PARAM,
    ],
    [
      'duplicate relay',
      'clinic-consult://join?relay=a.example:1&relay=evil.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.DUPLICATE_PARAM,
    ],
    ['duplicate invite', `clinic-consult://join?relay=a.example:1&invite=${INVITE}&invite=${INVITE}`, DeepLinkError.DUPLICATE_PARAM],
    ['missing invite', 'clinic-consult://join?relay=a.example:1', DeepLinkError.MISSING_PARAM],
    [
      'a consultation code instead (links before invites)',
      'clinic-consult://join?relay=a.example:1&code=ABCD2345',
      DeepLinkError.UNEXPECTED_PARAM,
    ],
    ['missing relay', 'clinic-consult://join?invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX', DeepLinkError.MISSING_PARAM],
    [
      'relay without port',
      'clinic-consult://join?relay=a.example&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.BAD_RELAY,
    ],
    ['relay port 0', 'clinic-consult://join?relay=a.example:0&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX', DeepLinkError.BAD_RELAY],
    [
      'relay port too big',
      'clinic-consult://join?relay=a.example:65536&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.BAD_RELAY,
    ],
    [
      'http relay',
      'clinic-consult://join?relay=http%3A%2F%2Fa.example%3A80&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.BAD_RELAY,
    ],
    [
      'relay with path',
      'clinic-consult://join?relay=a.example:1%2Fadmin&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.BAD_RELAY,
    ],
    [
      'relay with credentials',
      'clinic-consult://join?relay=me%40a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.BAD_RELAY,
    ],
    [
      'relay with a CSP-breaking character',
      'clinic-consult://join?relay=a.example:1%3B%20script-src%20*&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.BAD_RELAY,
    ],
    [
      'unicode look-alike host',
      'clinic-consult://join?relay=cl%C3%AFnic.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.BAD_RELAY,
    ],
    ['bad IPv4', 'clinic-consult://join?relay=300.1.1.1:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX', DeepLinkError.BAD_RELAY],
    ['bad IPv6', 'clinic-consult://join?relay=[fd00::zz]:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX', DeepLinkError.BAD_RELAY],
    [
      'NUL in relay',
      'clinic-consult://join?relay=a.example%00:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
      DeepLinkError.BAD_RELAY,
    ],
    ['empty relay', 'clinic-consult://join?relay=&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX', DeepLinkError.BAD_RELAY],
    ['invite cut short', 'clinic-consult://join?relay=a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7Fg', DeepLinkError.BAD_INVITE],
    [
      'invite with base64 padding characters',
      'clinic-consult://join?relay=a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqT%2B%2F',
      DeepLinkError.BAD_INVITE,
    ],
    ['invite with markup', 'clinic-consult://join?relay=a.example:1&invite=%3Cimg%20src%3Dx%3E', DeepLinkError.BAD_INVITE],
    ['empty', '', DeepLinkError.NOT_A_URL],
  ];
  it.each(cases)('%s', (_name, raw, code) => {
    expect(refusal(raw)).toBe(code);
  });
});

describe('relayUrlFromParam / parseHostPort', () => {
  it('normalises case and defaults to plain ws', () => {
    expect(relayUrlFromParam('Relay.Clinic.Example:8787')).toBe('ws://relay.clinic.example:8787/ws');
    expect(relayUrlFromParam('WSS://relay.example:443/')).toBe('wss://relay.example:443/ws');
  });
  it('rejects labels that DNS does not allow', () => {
    expect(parseHostPort('-bad.example:1')).toBeNull();
    expect(parseHostPort('a..example:1')).toBeNull();
    expect(parseHostPort(`${'a'.repeat(64)}.example:1`)).toBeNull();
  });
});

describe('deepLinksInArgv', () => {
  it('finds links among Electron and OS arguments, case-insensitively', () => {
    const argv = [
      '/opt/Clinic Consult/clinic-consult',
      '--no-sandbox',
      'CLINIC-CONSULT://join?relay=a:1&code=X',
      '--flag=clinic-consult://x',
    ];
    expect(deepLinksInArgv(argv)).toEqual(['CLINIC-CONSULT://join?relay=a:1&code=X']);
  });
  it('returns nothing for a plain launch', () => {
    expect(deepLinksInArgv(['/usr/bin/electron', '.'])).toEqual([]);
  });
});

describe('parseJoinLink: certificate fingerprints (a clinician-hosted relay)', () => {
  const fp = 'ab'.repeat(32);
  const pinned = Array(32).fill('AB').join(':');

  it('reads fp= for a wss:// relay, the way the clinician app writes the link', () => {
    const link = formatDesktopJoinLink('wss://192.168.1.5:8787/ws', 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX', pinned);
    expect(link).toBe(`clinic-consult://join?relay=${encodeURIComponent('wss://192.168.1.5:8787')}&invite=${INVITE}&fp=${'AB'.repeat(32)}`);
    expect(parseJoinLink(link)).toEqual({
      ok: true,
      link: {
        relayUrl: 'wss://192.168.1.5:8787/ws',
        invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
        certificateFingerprint: pinned,
      },
    });
  });

  it('refuses a malformed fingerprint, or a fingerprint for a plain ws:// relay', () => {
    expect(
      parseJoinLink(
        `clinic-consult://join?relay=wss://192.168.1.5:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX&fp=${fp.slice(2)}`,
      ),
    ).toMatchObject({
      ok: false,
      code: 'DEEP_LINK_BAD_FINGERPRINT',
    });
    expect(
      parseJoinLink(`clinic-consult://join?relay=192.168.1.5:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX&fp=${fp}`),
    ).toMatchObject({
      ok: false,
      code: 'DEEP_LINK_BAD_FINGERPRINT',
    });
    expect(
      parseJoinLink(
        `clinic-consult://join?relay=wss://192.168.1.5:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX&fp=${fp}&fp=${fp}`,
      ),
    ).toMatchObject({
      ok: false,
      code: 'DEEP_LINK_DUPLICATE_PARAM',
    });
  });
});

describe('hostedRelayAddresses', () => {
  it('uses wss:// on loopback when the bundled relay has a certificate, and advertises the first LAN address', () => {
    expect(hostedRelayAddresses({ port: 8787, lanUrls: ['wss://192.168.1.5:8787/ws'], certificateFingerprint: 'AB' })).toEqual({
      loopback: 'wss://127.0.0.1:8787/ws',
      advertised: 'wss://192.168.1.5:8787/ws',
    });
    expect(hostedRelayAddresses({ port: 8787, lanUrls: [], certificateFingerprint: null })).toEqual({
      loopback: 'ws://127.0.0.1:8787/ws',
      advertised: null,
    });
    expect(hostedRelayAddresses({ port: null, lanUrls: [], certificateFingerprint: null })).toBeNull();
  });
});
