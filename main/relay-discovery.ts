/**
 * Relays announcing themselves on this network (signaling/announce.ts), for the connection settings to
 * offer. An announcement is unauthenticated, so it only ever becomes a suggestion the person picks, and
 * only `wss://` relays are offered: their certificate is verified by Chromium as for any address typed in
 * (never pinned from an announcement). Browsing starts the first time the settings ask (no multicast for
 * people who never look) and then runs for the app's lifetime; a relay that says goodbye drops out.
 */
import { Bonjour } from 'bonjour-service';
import type { DiscoveredRelay } from '../contract/bridge';
import { ANNOUNCEMENT_VERSION, RELAY_SERVICE_TYPE } from '../signaling/announce';

/** The parts of a found service this reads (bonjour-service's Service). */
export interface FoundService {
  name: string;
  port: number;
  addresses?: string[];
  txt?: unknown;
}

const MAX_RELAYS = 20;
/** The first look waits this long for answers; later looks return what is known at once. */
export const FIRST_LOOK_MS = 1200;

/** What the settings can offer for an announcement, or null when it is not one to offer. Pure. */
export function relayFromService(service: FoundService): DiscoveredRelay | null {
  const txt = (typeof service.txt === 'object' && service.txt !== null ? service.txt : {}) as Record<string, unknown>;
  if (txt.v !== ANNOUNCEMENT_VERSION || txt.tls !== '1' || txt.path !== '/ws') return null;
  if (!Number.isInteger(service.port) || service.port < 1 || service.port > 65535) return null;
  // Printable, short: it is shown to people and may come from anyone on the LAN.
  const name = String(service.name)
    .replace(/[^\P{C}]/gu, '')
    .trim()
    .slice(0, 80);
  if (!name) return null;
  // The relay's public address names the host its certificate was issued for; prefer it.
  if (typeof txt.url === 'string' && txt.url.length <= 512 && isWssRelayUrl(txt.url)) return { name, url: txt.url };
  const ipv4 = service.addresses?.find((address) => /^(\d{1,3}\.){3}\d{1,3}$/.test(address));
  return ipv4 ? { name, url: `wss://${ipv4}:${service.port}/ws` } : null;
}

function isWssRelayUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'wss:' && url.pathname === '/ws' && !url.username && !url.password && !url.search && !url.hash;
  } catch {
    return false;
  }
}

export class RelayDiscovery {
  private bonjour: Bonjour | null = null;
  private readonly found = new Map<string, DiscoveredRelay>();

  constructor(
    private readonly warn: (message: string) => void,
    private readonly firstLookMs = FIRST_LOOK_MS,
  ) {}

  /** The relays announced on this network, sorted by name. */
  async discover(): Promise<DiscoveredRelay[]> {
    if (!this.bonjour) {
      this.start();
      await new Promise((resolve) => setTimeout(resolve, this.firstLookMs));
    }
    return this.list();
  }

  private start(): void {
    if (this.bonjour) return;
    try {
      this.bonjour = new Bonjour({}, (err: unknown) => this.warn(`LAN discovery stopped: ${String(err)}`));
      const browser = this.bonjour.find({ type: RELAY_SERVICE_TYPE, protocol: 'tcp' });
      browser.on('up', (service: FoundService) => {
        const relay = relayFromService(service);
        if (relay && (this.found.size < MAX_RELAYS || this.found.has(service.name))) this.found.set(service.name, relay);
      });
      browser.on('down', (service: FoundService) => this.found.delete(service.name));
    } catch (err) {
      // No multicast here (VPN, locked-down network): the person types the address, as before.
      this.warn(`LAN discovery unavailable: ${(err as Error).message}`);
      this.bonjour = null;
    }
  }

  list(): DiscoveredRelay[] {
    return [...this.found.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  stop(): void {
    this.bonjour?.destroy();
    this.bonjour = null;
    this.found.clear();
  }
}
