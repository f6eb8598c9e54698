/** The desktop app's consultation link, written by the renderer and parsed by main (main/deep-link.ts). */

export const DEEP_LINK_SCHEME = 'clinic-consult';

/**
 * clinic-consult://join?relay=<ws(s)://host:port>&invite=<invite secret>[&fp=<sha256>] for a relay's WebSocket
 * address; `fp` pins a self-signed relay certificate (a clinician's bundled relay).
 */
export function formatDesktopJoinLink(relayUrl: string, inviteSecret: string, certificateFingerprint: string | null = null): string {
  const relay = relayUrl.replace(/\/ws\/?$/, '');
  const pin = certificateFingerprint ? `&fp=${certificateFingerprint.replace(/:/g, '')}` : '';
  return `${DEEP_LINK_SCHEME}://join?relay=${encodeURIComponent(relay)}&invite=${encodeURIComponent(inviteSecret)}${pin}`;
}

/** Where this app reaches its own bundled relay (loopback), and what it tells others (a LAN address). */
export function hostedRelayAddresses(status: { port: number | null; lanUrls: string[]; certificateFingerprint: string | null }): {
  loopback: string;
  advertised: string | null;
} | null {
  if (status.port === null) return null;
  const scheme = status.certificateFingerprint ? 'wss' : 'ws';
  return { loopback: `${scheme}://127.0.0.1:${status.port}/ws`, advertised: status.lanUrls[0] ?? null };
}
