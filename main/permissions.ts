/**
 * Device and web permission policy. Electron grants every permission when a session has no handler, so
 * the session installs both handlers and both delegate here. Pure: no Electron import.
 *
 * Granted, and only to the app's own origin:
 *   - `media` for camera (`video`) and microphone (`audio`): the consultation itself;
 *   - the Local Network Access family (`local-network-access`, and the finer `local-network` /
 *     `loopback-network` names newer Chromium uses): without it Chromium >= 142 blocks the renderer from
 *     reaching a relay on a private or loopback address.
 *   - `display-capture` for video only (a screen or window, never the computer's sound): screen share, whose
 *     source the person then picks in the app (display-media.ts). Electron 45 reports getDisplayMedia as this
 *     permission, with `mediaTypes`, no longer as `media` with none.
 * Everything else is denied, including notifications, geolocation, clipboard, fullscreen, HID/serial/USB,
 * `openExternal` (links go through the vetted IPC).
 */
import { isAppOrigin, originOf } from './app-origin';

export const LOCAL_NETWORK_PERMISSIONS: readonly string[] = ['local-network-access', 'local-network', 'loopback-network'];
const MEDIA_TYPES: readonly string[] = ['video', 'audio'];
const DISPLAY_CAPTURE = 'display-capture';

export interface PermissionRequestInput {
  permission: string;
  /** `details.requestingUrl` of the request. */
  requestingUrl: string | null;
  /** `details.mediaTypes` for `media` requests. */
  mediaTypes: readonly string[];
}

export interface PermissionCheckInput {
  permission: string;
  /** The handler's `requestingOrigin` argument. */
  requestingOrigin: string | null;
  /** Set by Chromium for cross-origin subframes: then the check is about an embedded page. */
  embeddingOrigin: string | null;
  /** `details.mediaType` for `media` checks: `video`, `audio` or `unknown`. */
  mediaType: string | null;
}

export function decidePermissionRequest(input: PermissionRequestInput): boolean {
  if (!isAppOrigin(originOf(input.requestingUrl))) return false;
  if (input.permission === 'media') {
    // Every requested kind must be camera or microphone; an empty request grants nothing.
    return input.mediaTypes.length > 0 && input.mediaTypes.every((type) => MEDIA_TYPES.includes(type));
  }
  if (input.permission === DISPLAY_CAPTURE) return input.mediaTypes.length > 0 && input.mediaTypes.every((type) => type === 'video');
  return LOCAL_NETWORK_PERMISSIONS.includes(input.permission);
}

export function decidePermissionCheck(input: PermissionCheckInput): boolean {
  if (!isAppOrigin(originOf(input.requestingOrigin))) return false;
  // The app has no frames from elsewhere; an embedded check is never ours to grant.
  if (input.embeddingOrigin !== null && !isAppOrigin(originOf(input.embeddingOrigin))) return false;
  if (input.permission === 'media') return input.mediaType !== null && MEDIA_TYPES.includes(input.mediaType);
  return LOCAL_NETWORK_PERMISSIONS.includes(input.permission);
}

/** WebHID / WebUSB / Web Serial device access: the app never needs it. */
export function decideDevicePermission(): boolean {
  return false;
}
