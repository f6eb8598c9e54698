/**
 * The Content-Security-Policy sent as a header with every app:// response: the page's one policy
 * (signaling/web-assets.ts), allowed to talk only to the relays it is configured for. Pure.
 */
import { pageCsp } from '../signaling/web-assets';
import { originOf } from './app-origin';

/**
 * Relays on this computer (the bundled relay on any port, a standalone one for testing): loopback cannot
 * be another machine, so any port is allowed without reloading the page when the port changes.
 */
export const LOOPBACK_RELAY_SOURCES: readonly string[] = [
  'ws://127.0.0.1:*',
  'ws://localhost:*',
  'ws://[::1]:*',
  // The bundled relay speaks TLS (its own pinned certificate).
  'wss://127.0.0.1:*',
  'wss://localhost:*',
  'wss://[::1]:*',
];

/**
 * The CSP source for a relay's WebSocket URL (`ws://host:port`), or null for anything that is not a plain
 * ws/wss origin: a CSP source list cannot be allowed to carry `;`, spaces or quotes from a setting.
 */
export function relayCspSource(relayUrl: string): string | null {
  const origin = originOf(relayUrl);
  if (!origin || !/^wss?:\/\/[a-z0-9.\-[\]:]+$/.test(origin)) return null;
  return origin;
}

export function buildCsp(relayUrls: readonly string[]): string {
  const relays = relayUrls.map(relayCspSource).filter((source): source is string => source !== null);
  return pageCsp([...new Set(["'self'", ...relays, ...LOOPBACK_RELAY_SOURCES])]);
}
