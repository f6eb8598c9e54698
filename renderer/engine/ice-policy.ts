/**
 * Relay first, direct when it works.
 *
 * With a TURN server configured, a call starts with `iceTransportPolicy: 'relay'`. ICE checks candidate
 * pairs in priority order at one check every ~50 ms, and relay pairs rank last: across two NATs the checks
 * first spend ~100 ms on host and server-reflexive pairs that the NATs drop (measured in bench:reach).
 * Starting relay-only leaves ICE a single kind of pair, so the first check is one that works.
 *
 * A second after the call connects, the initiator widens the policy to 'all' and restarts ICE: both sides
 * gather their host and server-reflexive candidates, and if a direct path works (same LAN, friendly NATs)
 * ICE moves the media onto it without a gap. The initiator widens early when the relay path cannot come:
 * its own TURN gathering produced no relay candidate, or nothing connected by the deadline. It never widens
 * while either side is cut off from the relay: the restart's offer would be lost.
 *
 * A clinic that forces relay-only never widens. Without TURN there is nothing to start with: 'all'.
 */

/** What the relay gave this participant (IceSettings), or the same in the browser's own types. */
export interface IceConfig {
  iceServers: { urls: string | string[] }[];
  iceTransportPolicy: RTCIceTransportPolicy;
}

export interface IcePlan {
  /** The policy the call's peer connection starts with. */
  start: RTCIceTransportPolicy;
  /** Whether direct paths are tried later (see the module comment). */
  widens: boolean;
}

/** Why the initiator widened to every path. */
export type WidenReason = 'connected' | 'no-relay-candidates' | 'deadline';

/**
 * A relay path normally connects well within this (a TURN allocation, one check, a DTLS handshake); past it,
 * the direct paths get their chance. Measured in the network suite: relay paths connect in ~0.2 s here.
 */
export const WIDEN_DEADLINE_MS = 2500;

/** Once connected, the search for a direct path waits this long, so it never competes with the first frames. */
export const WIDEN_AFTER_CONNECT_MS = 1000;

/** While either side is cut off from the relay the restart's offer would be lost: look again this often. */
export const WIDEN_RETRY_MS = 1000;

export function hasTurnServer(ice: IceConfig): boolean {
  return ice.iceServers.some((server) => [server.urls].flat().some((url) => /^turns?:/i.test(url)));
}

export function planIce(ice: IceConfig): IcePlan {
  if (ice.iceTransportPolicy === 'relay') return { start: 'relay', widens: false };
  if (hasTurnServer(ice)) return { start: 'relay', widens: true };
  return { start: 'all', widens: false };
}
