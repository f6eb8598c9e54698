/** Which computer or phone the patient opened the invite on: decides what the invite page offers first. Pure. */
export type Os = 'windows' | 'mac' | 'linux' | 'android' | 'ios' | 'other';

export interface Platform {
  os: Os;
  /** A phone or tablet: no desktop app to install, the browser is the way in. */
  phone: boolean;
}

export function detectPlatform(facts: { userAgent: string; maxTouchPoints: number }): Platform {
  const ua = facts.userAgent;
  if (/Android/i.test(ua)) return { os: 'android', phone: true };
  if (/iPhone|iPad|iPod/i.test(ua)) return { os: 'ios', phone: true };
  // iPadOS presents itself as a Mac; only touch tells them apart.
  if (/Macintosh|Mac OS X/i.test(ua)) return facts.maxTouchPoints > 1 ? { os: 'ios', phone: true } : { os: 'mac', phone: false };
  if (/Windows/i.test(ua)) return { os: 'windows', phone: false };
  if (/Linux|X11|CrOS/i.test(ua)) return { os: 'linux', phone: false };
  return { os: 'other', phone: /Mobi/i.test(ua) };
}

export const OS_NAMES: Record<Os, string> = {
  windows: 'Windows',
  mac: 'macOS',
  linux: 'Linux',
  android: 'Android',
  ios: 'iPhone or iPad',
  other: 'this device',
};

export type InviteStatus = 'valid' | 'used' | 'expired' | 'invalid' | 'closed' | 'throttled' | 'unknown';

/** What the page says about the invite, and whether it still offers ways in. */
export function statusMessage(status: InviteStatus): { code: string | null; text: string; offers: boolean } {
  switch (status) {
    case 'valid':
      return { code: null, text: 'Your invite is ready. Choose how to join:', offers: true };
    case 'used':
      return {
        code: 'INVITE_USED',
        text:
          'This invite was already used. If you joined on this device before, continue below; ' +
          'on any other device, ask the clinic for a new invite.',
        offers: true,
      };
    case 'expired':
      return { code: 'INVITE_EXPIRED', text: 'This invite has expired. Please ask the clinic for a new one.', offers: false };
    case 'invalid':
      return {
        code: 'INVITE_INVALID',
        text: 'This invite link is not valid. Open it again from the clinic’s message, exactly as it was sent, or call the clinic.',
        offers: false,
      };
    case 'closed':
      return {
        code: 'UNKNOWN_CONSULTATION',
        text: 'This consultation has ended. If you still need to talk, call the clinic.',
        offers: false,
      };
    case 'throttled':
      return { code: 'RATE_LIMITED', text: 'Too many attempts from this network. Wait a minute, then reload this page.', offers: false };
    case 'unknown':
      return {
        code: 'RELAY_UNREACHABLE',
        text: 'The clinic’s server could not be reached. Check your connection and reload.',
        offers: false,
      };
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
