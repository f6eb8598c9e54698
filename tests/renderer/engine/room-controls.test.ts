/** The call screen's pure helpers: shortcuts (and when they stay out of the way), the timer's text, initials. */
import { describe, expect, it } from 'vitest';
import {
  ariaShortcut,
  formatCallDuration,
  initials,
  isMac,
  isTextEntry,
  type KeyLike,
  shortcutOf,
  shortcutText,
} from '../../../renderer/features/consult/controls';

const press = (key: string, modifiers: Partial<KeyLike> = {}): KeyLike => ({
  key,
  code: `Key${key.toUpperCase()}`,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...modifiers,
});

describe('call shortcuts', () => {
  it('Ctrl+D mutes, Ctrl+E turns the camera off; ⌘ instead of Ctrl on a Mac', () => {
    expect(shortcutOf(press('d', { ctrlKey: true }), false)).toBe('mic');
    expect(shortcutOf(press('e', { ctrlKey: true }), false)).toBe('camera');
    expect(shortcutOf(press('d', { metaKey: true }), true)).toBe('mic');
    expect(shortcutOf(press('E', { metaKey: true }), true)).toBe('camera');
  });

  it('ignores the other platform’s modifier, extra modifiers, other keys, plain keys and auto-repeat', () => {
    expect(shortcutOf(press('d', { metaKey: true }), false)).toBeNull();
    expect(shortcutOf(press('d', { ctrlKey: true }), true)).toBeNull();
    expect(shortcutOf(press('d', { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(shortcutOf(press('d', { ctrlKey: true, altKey: true }), false)).toBeNull();
    expect(shortcutOf(press('d', { ctrlKey: true, metaKey: true }), false)).toBeNull();
    expect(shortcutOf(press('f', { ctrlKey: true }), false)).toBeNull();
    expect(shortcutOf(press('d'), false)).toBeNull();
    expect(shortcutOf(press('d', { ctrlKey: true, repeat: true }), false)).toBeNull();
  });

  it('goes by the physical key on layouts where D types another letter', () => {
    expect(shortcutOf({ ...press('в', { ctrlKey: true }), code: 'KeyD' }, false)).toBe('mic');
  });

  it('stays out of the way where people type', () => {
    expect(isTextEntry({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isTextEntry({ tagName: 'input' })).toBe(true); // no type: text
    expect(isTextEntry({ tagName: 'INPUT', type: 'search' })).toBe(true);
    expect(isTextEntry({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTextEntry({ tagName: 'SELECT' })).toBe(true);
    expect(isTextEntry({ tagName: 'DIV', isContentEditable: true })).toBe(true);
    expect(isTextEntry({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(isTextEntry({ tagName: 'BUTTON' })).toBe(false);
    expect(isTextEntry({ tagName: 'BODY' })).toBe(false);
    expect(isTextEntry(null)).toBe(false);
  });

  it('reads as people and assistive technology expect', () => {
    expect(shortcutText('mic', false)).toBe('Ctrl+D');
    expect(shortcutText('camera', true)).toBe('⌘E');
    expect(ariaShortcut('mic', false)).toBe('Control+D');
    expect(ariaShortcut('camera', true)).toBe('Meta+E');
    expect(isMac('MacIntel')).toBe(true);
    expect(isMac('Linux x86_64')).toBe(false);
    expect(isMac('Win32')).toBe(false);
  });
});

describe('call timer and name card', () => {
  it('formats a call’s length', () => {
    expect(formatCallDuration(0)).toBe('0:00');
    expect(formatCallDuration(7_900)).toBe('0:07');
    expect(formatCallDuration(754_000)).toBe('12:34');
    expect(formatCallDuration(3_723_000)).toBe('1:02:03');
    expect(formatCallDuration(-5)).toBe('0:00');
  });

  it('takes initials from the first and last words that have letters', () => {
    expect(initials('Anna Berg')).toBe('AB');
    expect(initials('Dr. Rivera')).toBe('DR');
    expect(initials('  jo  ')).toBe('J');
    expect(initials('María José de la Cruz')).toBe('MC');
    expect(initials('Łucja (Lu) Żak')).toBe('ŁŻ');
    expect(initials('')).toBe('');
  });
});
