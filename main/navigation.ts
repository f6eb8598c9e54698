/**
 * Where the window may go and which links may leave the app. Pure: no Electron import.
 */
import { isAppUrl } from './app-origin';

const MAX_EXTERNAL_URL_LENGTH = 2048;

/** `will-navigate` / `will-redirect`: only within the app's own origin (reloads, in-app paths). */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * Links handed to the OS browser: https only, no embedded credentials (a classic way to disguise a host:
 * https://clinic.example@evil.example/), and of a sane length.
 */
export function isSafeExternalUrl(url: string): boolean {
  if (url.length > MAX_EXTERNAL_URL_LENGTH) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && parsed.hostname !== '' && parsed.username === '' && parsed.password === '';
}

export interface WindowOpenDecision {
  /** `setWindowOpenHandler` always answers deny: the app never opens a second window. */
  action: 'deny';
  /** A safe https link a person clicked (target=_blank) goes to their browser instead. */
  openExternally: boolean;
}

export function decideWindowOpen(url: string): WindowOpenDecision {
  return { action: 'deny', openExternally: isSafeExternalUrl(url) };
}
