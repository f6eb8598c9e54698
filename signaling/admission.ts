/**
 * Who gets a socket. The relay is reachable from the internet, so one address must not be able to take the
 * sockets the clinic's patients and staff need: each address has a budget of its own, sockets that have not
 * yet proved who they are (no sign-in, no seat) have a smaller one and a deadline, and part of the relay's
 * capacity is held back from them, so the clinic's identified people are served while someone floods it.
 * Pure: the server counts, this decides.
 */
import { isIP } from 'node:net';

export interface AdmissionLimits {
  /** Sockets in all. */
  maxConnections: number;
  /** Sockets from one address (a clinic behind one NAT shares one: keep it well above its staff count). */
  perAddress: number;
  /** Sockets from one address that have not signed in or taken a seat yet. */
  unidentifiedPerAddress: number;
  /** Sockets only signed-in staff and seated participants may use: unidentified ones stop short of them. */
  reserved: number;
  /** How long a socket may stay without a sign-in or a seat before it is closed. */
  identifyWithinMs: number;
}

export const DEFAULT_ADMISSION: AdmissionLimits = {
  maxConnections: 2000,
  perAddress: 200,
  unidentifiedPerAddress: 20,
  reserved: 200,
  identifyWithinMs: 10_000,
};

export interface SocketCounts {
  total: number;
  unidentified: number;
  fromAddress: number;
  unidentifiedFromAddress: number;
}

/** Why a new socket from this address is refused now (for the 503 and the metrics), or null to accept it. */
export function admissionRefusal(counts: SocketCounts, limits: AdmissionLimits): string | null {
  if (counts.total >= limits.maxConnections) return 'too many connections';
  // A new socket starts unidentified: it may not eat into what is held back for the identified.
  if (counts.unidentified >= limits.maxConnections - limits.reserved) return 'too many connections';
  if (counts.fromAddress >= limits.perAddress) return 'too many connections from this address';
  if (counts.unidentifiedFromAddress >= limits.unidentifiedPerAddress) return 'too many connections from this address';
  return null;
}

/**
 * The client's address. `X-Forwarded-For` is believed only when the socket comes from a proxy IT named: then
 * the address is the last one in the header that is not itself a trusted proxy (anything before it could
 * have been written by the client). Otherwise the socket's own address.
 */
export function clientAddress(
  remote: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: readonly string[],
): string {
  const own = normalizeAddress(remote ?? 'unknown');
  if (!trustedProxies.includes(own) || forwardedFor === undefined) return own;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((hop) => normalizeAddress(hop.trim()))
    .filter((hop) => isIP(hop) !== 0);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i];
    if (hop !== undefined && !trustedProxies.includes(hop)) return hop;
  }
  return own;
}

/** IPv4 seen through an IPv6 socket (::ffff:10.0.0.1) is the IPv4 address: one client, one budget. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
