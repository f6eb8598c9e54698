/** Pure helpers of the call screen: keyboard shortcuts, the call timer's text, a name's initials. */

export type CallShortcut = 'mic' | 'camera';

/** The keys, as Meet has them: Ctrl+D / Ctrl+E (⌘D / ⌘E on a Mac). */
const KEYS: Record<CallShortcut, string> = { mic: 'D', camera: 'E' };

export interface KeyLike {
  key: string;
  /** The physical key: the shortcut works on layouts whose D key types another letter. */
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  repeat?: boolean;
}

/** Which shortcut a key press is, if any. A held key (auto-repeat) toggles once, not on and off. */
export function shortcutOf(event: KeyLike, mac: boolean): CallShortcut | null {
  const modifier = mac ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
  if (!modifier || event.altKey || event.shiftKey || event.repeat) return null;
  for (const shortcut of Object.keys(KEYS) as CallShortcut[]) {
    const key = KEYS[shortcut];
    if (event.code === `Key${key}` || event.key.toUpperCase() === key) return shortcut;
  }
  return null;
}

interface TargetLike {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
}

/** Input types that take no text: a shortcut pressed on them still works. */
const NON_TEXT_INPUTS = new Set(['button', 'checkbox', 'radio', 'range', 'color', 'file', 'submit', 'reset', 'image']);

/** Focus is somewhere people type (Ctrl+E, Ctrl+D mean something there): shortcuts stay out of the way. */
export function isTextEntry(target: EventTarget | TargetLike | null): boolean {
  const element = target as TargetLike | null;
  if (!element || typeof element.tagName !== 'string') return false;
  if (element.isContentEditable) return true;
  const tag = element.tagName.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && !NON_TEXT_INPUTS.has((element.type ?? 'text').toLowerCase());
}

/** As people read it in a tooltip: "Ctrl+D", "⌘D". */
export function shortcutText(shortcut: CallShortcut, mac: boolean): string {
  return mac ? `⌘${KEYS[shortcut]}` : `Ctrl+${KEYS[shortcut]}`;
}

/** As assistive technology reads it (aria-keyshortcuts): "Control+D", "Meta+D". */
export function ariaShortcut(shortcut: CallShortcut, mac: boolean): string {
  return `${mac ? 'Meta' : 'Control'}+${KEYS[shortcut]}`;
}

export function isMac(platform: string): boolean {
  return /Mac|iPhone|iPad|iPod/i.test(platform);
}

/** A call's length: "0:07", "12:34", "1:02:03". */
export function formatCallDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Up to two initials for the camera-off card: "Anna Berg" → "AB", "Dr. Rivera" → "DR". */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/\s+/)
    .filter((word) => /\p{L}/u.test(word));
  const letters = words.map((word) => [...word].find((ch) => /\p{L}/u.test(ch)) ?? '');
  const chosen = letters.length > 2 ? [letters[0], letters.at(-1)] : letters;
  return chosen.join('').toLocaleUpperCase();
}
