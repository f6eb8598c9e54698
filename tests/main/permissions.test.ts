import type { Session } from 'electron';
import { describe, expect, it } from 'vitest';
import { APP_ORIGIN } from '../../main/app-origin';
import { decideDevicePermission, decidePermissionCheck, decidePermissionRequest } from '../../main/permissions';

type RequestPermission = Parameters<NonNullable<Parameters<Session['setPermissionRequestHandler']>[0]>>[1];
type CheckPermission = Parameters<NonNullable<Parameters<Session['setPermissionCheckHandler']>[0]>>[1];

/** Every permission Electron 45 can ask about (both handlers), checked against electron.d.ts below. */
const ALL_PERMISSIONS = [
  'ar',
  'automatic-fullscreen',
  'background-fetch',
  'background-sync',
  'captured-surface-control',
  'clipboard-read',
  'clipboard-sanitized-write',
  'deprecated-sync-clipboard-read',
  'display-capture',
  'fileSystem',
  'fullscreen',
  'geolocation',
  'geolocation-approximate',
  'hand-tracking',
  'hid',
  'idle-detection',
  'keyboardLock',
  'local-fonts',
  'local-network',
  'local-network-access',
  'loopback-network',
  'media',
  'mediaKeySystem',
  'midi',
  'midiSysex',
  'nfc',
  'notifications',
  'openExternal',
  'payment-handler',
  'periodic-background-sync',
  'persistent-storage',
  'pointerLock',
  'screen-wake-lock',
  'sensors',
  'serial',
  'smart-card',
  'speaker-selection',
  'storage-access',
  'system-wake-lock',
  'top-level-storage-access',
  'usb',
  'vr',
  'web-app-installation',
  'web-printing',
  'window-management',
  'unknown',
] as const;
type Listed = (typeof ALL_PERMISSIONS)[number];
// Compile-time: fails to type-check if Electron adds a permission this table does not cover (or drops one).
const coversElectron: [Exclude<RequestPermission | CheckPermission, Listed>] extends [never] ? true : false = true;
const noneInvented: [Exclude<Listed, RequestPermission | CheckPermission>] extends [never] ? true : false = true;

const GRANTED_TO_APP = new Set<string>(['media', 'local-network-access', 'local-network', 'loopback-network']);

/** Requesting pages: the app itself, and everything it must not be confused with. */
const ORIGINS: { name: string; url: string | null; isApp: boolean }[] = [
  { name: 'app page', url: `${APP_ORIGIN}/index.html`, isApp: true },
  { name: 'app origin, upper case host', url: 'app://CLINIC/index.html', isApp: true },
  { name: 'another app:// host', url: 'app://other/index.html', isApp: false },
  { name: 'look-alike host', url: 'app://clinic.evil/index.html', isApp: false },
  { name: 'credentials trick', url: 'app://clinic@evil/index.html', isApp: false },
  { name: 'https site', url: 'https://clinic.example/', isApp: false },
  { name: 'relay page over http', url: 'http://127.0.0.1:8787/', isApp: false },
  { name: 'file page', url: 'file:///tmp/index.html', isApp: false },
  { name: 'data url', url: 'data:text/html,<p>x</p>', isApp: false },
  { name: 'no url', url: null, isApp: false },
  { name: 'garbage', url: 'not a url', isApp: false },
];

describe('permission table', () => {
  it('lists exactly the permissions in electron.d.ts', () => {
    expect(coversElectron).toBe(true);
    expect(noneInvented).toBe(true);
    expect(new Set(ALL_PERMISSIONS).size).toBe(ALL_PERMISSIONS.length);
  });

  describe('setPermissionRequestHandler', () => {
    for (const origin of ORIGINS) {
      it(`${origin.name}: grants only media and local network access to the app`, () => {
        const granted = ALL_PERMISSIONS.filter((permission) =>
          decidePermissionRequest({ permission, requestingUrl: origin.url, mediaTypes: ['video', 'audio'] }),
        );
        expect(granted).toEqual(origin.isApp ? ALL_PERMISSIONS.filter((p) => GRANTED_TO_APP.has(p)) : []);
      });
    }
  });

  describe('setPermissionCheckHandler', () => {
    for (const origin of ORIGINS) {
      const requestingOrigin = origin.url === null ? null : origin.url.replace(/^(\w+:\/\/[^/]*).*$/, '$1');
      for (const mediaType of ['video', 'audio'] as const) {
        it(`${origin.name} (${mediaType}): grants only media and local network access to the app`, () => {
          const granted = ALL_PERMISSIONS.filter((permission) =>
            decidePermissionCheck({ permission, requestingOrigin, embeddingOrigin: null, mediaType }),
          );
          expect(granted).toEqual(origin.isApp ? ALL_PERMISSIONS.filter((p) => GRANTED_TO_APP.has(p)) : []);
        });
      }
    }
  });
});

describe('decidePermissionRequest: media details', () => {
  const request = (mediaTypes: string[]) =>
    decidePermissionRequest({ permission: 'media', requestingUrl: `${APP_ORIGIN}/index.html`, mediaTypes });

  it('grants camera, microphone, or both', () => {
    expect(request(['video'])).toBe(true);
    expect(request(['audio'])).toBe(true);
    expect(request(['video', 'audio'])).toBe(true);
  });
  it('denies a media request that names no kind', () => {
    expect(request([])).toBe(false);
  });
  it('denies any kind other than camera and microphone, even mixed with them', () => {
    expect(request(['screen'])).toBe(false);
    expect(request(['video', 'desktop'])).toBe(false);
  });
  it('grants display capture to the app for a screen or window only: never the computer’s sound, never elsewhere', () => {
    const display = (mediaTypes: string[], requestingUrl = `${APP_ORIGIN}/`) =>
      decidePermissionRequest({ permission: 'display-capture', requestingUrl, mediaTypes });
    expect(display(['video'])).toBe(true);
    expect(display(['video', 'audio'])).toBe(false);
    expect(display(['audio'])).toBe(false);
    expect(display([])).toBe(false);
    expect(display(['video'], 'https://evil.example/')).toBe(false);
    expect(display(['video'], 'app://clinic.evil/')).toBe(false);
  });
});

describe('decidePermissionCheck: media details', () => {
  const check = (mediaType: string | null, embeddingOrigin: string | null = null) =>
    decidePermissionCheck({ permission: 'media', requestingOrigin: APP_ORIGIN, embeddingOrigin, mediaType });

  it('answers for camera and microphone only', () => {
    expect(check('video')).toBe(true);
    expect(check('audio')).toBe(true);
    expect(check('unknown')).toBe(false);
    expect(check(null)).toBe(false);
  });
  it('denies a check made inside a frame embedded by another origin', () => {
    expect(check('video', 'https://evil.example')).toBe(false);
    expect(check('video', APP_ORIGIN)).toBe(true);
  });
});

describe('decideDevicePermission', () => {
  it('denies HID, serial and USB device access', () => {
    expect(decideDevicePermission()).toBe(false);
  });
});
