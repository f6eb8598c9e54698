/**
 * Consultation links opened from outside the app:
 *   clinic-consult://join?relay=<host:port | ws://host:port | wss://host:port>&invite=<invite secret>[&fp=<sha256>]
 * `fp` is the SHA-256 fingerprint of a self-signed relay certificate (a clinician's bundled relay) to pin for that
 * relay's host, once the person confirms it (main/relay-trust.ts).
 *
 * A link is parsed completely or refused completely: a refusal carries a stable code and a sentence for
 * people, and nothing of a refused link is applied. Pure: no Electron import.
 */
import { isIP, isIPv6 } from 'node:net';
import type { JoinLink } from '../contract/bridge';
import { inviteSecret } from '../signaling/protocol';
import { DEEP_LINK_SCHEME } from './app-origin';
import { normalizeFingerprint } from './certificate-pins';

export const MAX_DEEP_LINK_LENGTH = 2048;

export const DeepLinkError = {
  TOO_LONG: 'DEEP_LINK_TOO_LONG',
  NOT_A_URL: 'DEEP_LINK_NOT_A_URL',
  WRONG_SCHEME: 'DEEP_LINK_WRONG_SCHEME',
  UNKNOWN_ACTION: 'DEEP_LINK_UNKNOWN_ACTION',
  UNEXPECTED_PART: 'DEEP_LINK_UNEXPECTED_PART',
  UNEXPECTED_PARAM: 'DEEP_LINK_UNEXPECTED_PARAM',
  DUPLICATE_PARAM: 'DEEP_LINK_DUPLICATE_PARAM',
  MISSING_PARAM: 'DEEP_LINK_MISSING_PARAM',
  BAD_RELAY: 'DEEP_LINK_BAD_RELAY',
  BAD_INVITE: 'DEEP_LINK_BAD_INVITE',
  BAD_FINGERPRINT: 'DEEP_LINK_BAD_FINGERPRINT',
} as const;
export type DeepLinkError = (typeof DeepLinkError)[keyof typeof DeepLinkError];

export type DeepLinkResult = { ok: true; link: JoinLink } | { ok: false; code: DeepLinkError; message: string };

const ALLOWED_PARAMS = ['relay', 'invite', 'fp'] as const;

function refuse(code: DeepLinkError, message: string): DeepLinkResult {
  return { ok: false, code, message };
}

export function parseJoinLink(raw: string): DeepLinkResult {
  if (raw.length > MAX_DEEP_LINK_LENGTH) return refuse(DeepLinkError.TOO_LONG, 'The consultation link is too long.');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse(DeepLinkError.NOT_A_URL, 'The consultation link is not a valid address.');
  }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:`) {
    return refuse(DeepLinkError.WRONG_SCHEME, `Only ${DEEP_LINK_SCHEME}:// links can be opened by Clinic Consult.`);
  }
  if (url.host.toLowerCase() !== 'join') return refuse(DeepLinkError.UNKNOWN_ACTION, 'This kind of Clinic Consult link is not supported.');
  // Some shells append a slash; anything else (paths, credentials, fragments) is not part of the format.
  if ((url.pathname !== '' && url.pathname !== '/') || url.username !== '' || url.password !== '' || url.hash !== '') {
    return refuse(DeepLinkError.UNEXPECTED_PART, 'The consultation link has parts Clinic Consult does not understand.');
  }

  const seen = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    if (!(ALLOWED_PARAMS as readonly string[]).includes(name)) {
      return refuse(DeepLinkError.UNEXPECTED_PARAM, 'The consultation link has parts Clinic Consult does not understand.');
    }
    if (seen.has(name)) return refuse(DeepLinkError.DUPLICATE_PARAM, `The consultation link names its ${name} twice.`);
    seen.set(name, value);
  }
  const relay = seen.get('relay');
  const invite = seen.get('invite');
  if (relay === undefined || invite === undefined) {
    return refuse(DeepLinkError.MISSING_PARAM, 'The consultation link is incomplete: it needs a relay address and an invite.');
  }

  const relayUrl = relayUrlFromParam(relay);
  if (relayUrl === null) return refuse(DeepLinkError.BAD_RELAY, 'The relay address in the consultation link is not valid.');
  const parsedInvite = inviteSecret.safeParse(invite);
  if (!parsedInvite.success) {
    return refuse(DeepLinkError.BAD_INVITE, 'The invite in the consultation link is damaged: open the link again from the message.');
  }
  const fp = seen.get('fp');
  if (fp === undefined) return { ok: true, link: { relayUrl, invite: parsedInvite.data } };
  const certificateFingerprint = normalizeFingerprint(fp);
  if (!certificateFingerprint)
    return refuse(DeepLinkError.BAD_FINGERPRINT, 'The security fingerprint in the consultation link is not valid.');
  // A pinned certificate only makes sense for an encrypted relay connection.
  if (!relayUrl.startsWith('wss://'))
    return refuse(DeepLinkError.BAD_FINGERPRINT, 'A consultation link with a fingerprint must name a wss:// relay.');
  return { ok: true, link: { relayUrl, invite: parsedInvite.data, certificateFingerprint } };
}

/**
 * `host:port` means plain `ws://` (the relay's default, also the bundled relay's); `ws://` or `wss://` may be
 * given explicitly, optionally with the `/ws` path. Returns the WebSocket endpoint, or null.
 */
export function relayUrlFromParam(param: string): string | null {
  const match = /^(?:(wss?):\/\/)?([^/?#]+?)(\/ws)?\/?$/i.exec(param);
  if (!match) return null;
  const scheme = (match[1] ?? 'ws').toLowerCase();
  const hostPort = parseHostPort(match[2] ?? '');
  if (!hostPort) return null;
  return `${scheme}://${hostPort.host}:${hostPort.port}/ws`;
}

/** Host (DNS name, IPv4, or [IPv6]) and an explicit port; ASCII only, so look-alike Unicode hosts are refused. */
export function parseHostPort(value: string): { host: string; port: number } | null {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!match) return null;
  const rawHost = match[1] ?? '';
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  if (rawHost.startsWith('[')) {
    const inner = rawHost.slice(1, -1);
    return isIPv6(inner) ? { host: `[${inner.toLowerCase()}]`, port } : null;
  }
  const host = rawHost.toLowerCase();
  if (/^[\d.]+$/.test(host)) return isIP(host) === 4 ? { host, port } : null;
  return isDnsName(host) ? { host, port } : null;
}

function isDnsName(host: string): boolean {
  if (host.length > 253) return false;
  return host.split('.').every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
}

/** Deep links in a command line (Windows/Linux deliver them as arguments to the new process). */
export function deepLinksInArgv(argv: readonly string[]): string[] {
  const prefix = `${DEEP_LINK_SCHEME}:`;
  return argv.filter((arg) => arg.toLowerCase().startsWith(prefix));
}
