/**
 * Where the renderer lives: a custom privileged scheme, never file://. Pure: no Electron import, so every
 * policy that compares origins can be tested in plain Node.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'clinic';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** The scheme of consultation links opened from outside the app. */
export { DEEP_LINK_SCHEME } from '../contract/join-link';

/**
 * The origin of a URL, including custom schemes: WHATWG `URL.origin` is the string "null" for non-special
 * schemes such as app://, which would make every app:// URL look alike. Null when there is no origin.
 */
export function originOf(url: string | null | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.origin !== 'null') return parsed.origin;
  if (!parsed.host) return null;
  return `${parsed.protocol}//${parsed.host}`.toLowerCase();
}

export function isAppOrigin(origin: string | null | undefined): boolean {
  return origin === APP_ORIGIN;
}

export function isAppUrl(url: string | null | undefined): boolean {
  return isAppOrigin(originOf(url));
}
