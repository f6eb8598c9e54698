/** The desktop app's consultation link, written by the renderer and parsed by main (main/deep-link.ts). */

export const DEEP_LINK_SCHEME = 'clinic-consult';

/** clinic-consult://join?relay=<ws(s)://host:port>&code=<code> for a relay's WebSocket address. */
export function formatDesktopJoinLink(relayUrl: string, code: string): string {
  const relay = relayUrl.replace(/\/ws\/?$/, '');
  return `${DEEP_LINK_SCHEME}://join?relay=${encodeURIComponent(relay)}&code=${encodeURIComponent(code)}`;
}
