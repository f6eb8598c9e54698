/**
 * The host bridge for a plain browser tab (browser mode, e2e tests): the relay is the page's own origin,
 * settings live in localStorage, the join link is the page's own `?invite=<secret>` (the invite link a
 * clinician sent).
 */
import {
  type ClinicBridge,
  DEFAULT_SETTINGS,
  diagnosticsFileName,
  type HostedRelayStatus,
  type JoinLink,
  type MediaAccessStatus,
  type Settings,
  settingsSchema,
} from '../../contract/bridge';
import { browserArrivals } from './browser-arrivals';

const SETTINGS_KEY = 'clinic-consult.settings';

const UNSUPPORTED_RELAY: HostedRelayStatus = {
  running: false,
  port: null,
  lanUrls: [],
  certificateFingerprint: null,
  error: 'Hosting a relay needs the desktop app.',
};

function relayUrlForPage(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

async function permissionState(name: 'camera' | 'microphone'): Promise<MediaAccessStatus['camera']> {
  try {
    const status = await navigator.permissions.query({ name: name as PermissionName });
    return status.state === 'prompt' ? 'not-determined' : status.state;
  } catch {
    return 'unknown';
  }
}

export function createBrowserBridge(win: Window = window): ClinicBridge {
  // The page's invite is one link opened once: a second subscriber (a re-render) must not see it as new.
  let pageInvite = new URL(win.location.href).searchParams.get('invite')?.trim() || null;
  return {
    getAppInfo: async () => ({
      host: 'browser',
      appVersion: import.meta.env.VITE_APP_VERSION ?? '0.0.0',
      platform: win.navigator.platform,
      chromeVersion: /Chrom(?:e|ium)\/([\d.]+)/.exec(win.navigator.userAgent)?.[1] ?? null,
    }),
    getDefaultRelayUrl: async () => relayUrlForPage(win.location),
    // A page cannot listen for mDNS announcements.
    discoverRelays: async () => [],
    loadSettings: async () => {
      const raw = win.localStorage.getItem(SETTINGS_KEY);
      if (raw === null) return { settings: DEFAULT_SETTINGS, warning: null };
      try {
        const parsed = settingsSchema.safeParse(JSON.parse(raw));
        if (parsed.success) return { settings: parsed.data, warning: null };
      } catch {
        // fall through to defaults
      }
      return { settings: DEFAULT_SETTINGS, warning: 'Saved settings could not be read and were reset.' };
    },
    saveSettings: async (settings: Settings) => {
      win.localStorage.setItem(SETTINGS_KEY, JSON.stringify(settingsSchema.parse(settings)));
    },
    getMediaAccess: async () => ({
      camera: await permissionState('camera'),
      microphone: await permissionState('microphone'),
      fixHint: 'Click the camera icon in the address bar and allow the camera and microphone for this site.',
    }),
    requestMediaAccess: async () => ({
      camera: await permissionState('camera'),
      microphone: await permissionState('microphone'),
      fixHint: 'Click the camera icon in the address bar and allow the camera and microphone for this site.',
    }),
    openExternal: async (url: string) => {
      if (!/^https:\/\//.test(url)) throw new Error('only https links can be opened');
      win.open(url, '_blank', 'noopener,noreferrer');
    },
    saveDiagnostics: async (json: string) => {
      // A download: the browser decides where it goes (and may ask), so no path comes back.
      const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
      const link = win.document.createElement('a');
      link.href = url;
      link.download = diagnosticsFileName(new Date());
      link.hidden = true;
      win.document.body.append(link);
      link.click();
      link.remove();
      // Revoking at once can cancel the download in some browsers; a minute later it has been read.
      win.setTimeout(() => URL.revokeObjectURL(url), 60_000);
      return { saved: true, path: null };
    },
    onJoinLink: (listener: (link: JoinLink) => void) => {
      // Left in the address on purpose: once redeemed, the invite belongs to this device, so a reload or a
      // bookmark brings this device back to its seat, and the link is worthless anywhere else.
      const invite = pageInvite;
      pageInvite = null;
      if (invite) queueMicrotask(() => listener({ relayUrl: relayUrlForPage(win.location), invite }));
      return () => {};
    },
    // No pinning in a browser: it verifies certificates itself and a page cannot add trust, so main's
    // requests never exist here. Nothing is ever asked, and no answer is ever taken.
    onRelayTrustRequest: () => () => {},
    answerRelayTrust: async () => false,
    hostedRelay: {
      supported: false,
      start: async () => UNSUPPORTED_RELAY,
      stop: async () => UNSUPPORTED_RELAY,
      status: async () => UNSUPPORTED_RELAY,
      hostEnrollment: async () => null,
    },
    arrivals: browserArrivals(win),
  };
}
