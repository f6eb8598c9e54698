/**
 * The relay announcing itself on the clinic LAN by mDNS / DNS-SD (`_clinic-consult._tcp`), so clinicians'
 * desktop apps can offer it in their connection settings instead of someone typing an address. An
 * announcement is a hint, not trust: anyone on the LAN can announce anything, so the app only offers
 * `wss://` relays, whose certificate Chromium verifies as usual (main/relay-discovery.ts).
 */
import { Bonjour } from 'bonjour-service';

export const RELAY_SERVICE_TYPE = 'clinic-consult';
/** Version of the TXT record below; the app ignores announcements of other versions. */
export const ANNOUNCEMENT_VERSION = '1';

export interface RelayAnnouncement {
  /** Shown to people choosing a relay, e.g. "Clinic Consult relay on relay-01". */
  name: string;
  port: number;
  /** Whether the relay speaks https/wss (the desktop app only offers those). */
  tls: boolean;
  /** The relay's public address (--public-url), when it has one: its certificate names that host. */
  publicUrl: string | null;
}

/** The TXT record: strings only, a few dozen bytes. */
export function announcementTxt(announcement: RelayAnnouncement): Record<string, string> {
  const txt: Record<string, string> = { v: ANNOUNCEMENT_VERSION, path: '/ws', tls: announcement.tls ? '1' : '0' };
  if (announcement.publicUrl) txt.url = `${announcement.publicUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}/ws`;
  return txt;
}

export interface Announcer {
  stop(): Promise<void>;
}

export function announceRelay(announcement: RelayAnnouncement): Announcer {
  const bonjour = new Bonjour();
  bonjour.publish({
    name: announcement.name,
    type: RELAY_SERVICE_TYPE,
    protocol: 'tcp',
    port: announcement.port,
    txt: announcementTxt(announcement),
  });
  return {
    // Goodbye packets first, so apps drop the relay from their lists at once rather than at TTL expiry.
    stop: () => new Promise<void>((resolve) => bonjour.unpublishAll(() => bonjour.destroy(() => resolve()))),
  };
}
