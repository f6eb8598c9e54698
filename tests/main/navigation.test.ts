import { describe, expect, it } from 'vitest';
import { decideWindowOpen, isAllowedNavigation, isSafeExternalUrl } from '../../main/navigation';

describe('isAllowedNavigation', () => {
  it.each(['app://clinic/index.html', 'app://clinic/', 'app://clinic/index.html#consult', 'app://clinic/index.html?code=ABCD-2345'])(
    'allows the app page %s',
    (url) => expect(isAllowedNavigation(url)).toBe(true),
  );
  it.each([
    'https://clinic.example/',
    'http://127.0.0.1:8787/',
    'file:///etc/passwd',
    'app://other/index.html',
    'app://clinic.evil/',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'about:blank',
    'chrome://settings',
    'clinic-consult://join?relay=a:1&code=ABCD2345',
    '',
    'not a url',
  ])('refuses %s', (url) => expect(isAllowedNavigation(url)).toBe(false));
});

describe('isSafeExternalUrl', () => {
  it.each(['https://clinic.example/help', 'https://example.org/a?b=c#d'])('accepts %s', (url) => expect(isSafeExternalUrl(url)).toBe(true));
  it.each([
    'http://clinic.example/',
    'file:///C:/Windows/System32/calc.exe',
    'smb://server/share',
    'javascript:alert(1)',
    'ms-settings:privacy-webcam',
    'https://clinic.example@evil.example/',
    'https://user:pass@clinic.example/',
    'https://',
    `https://example.org/${'a'.repeat(2100)}`,
    'app://clinic/index.html',
    '',
  ])('refuses %s', (url) => expect(isSafeExternalUrl(url)).toBe(false));
});

describe('decideWindowOpen', () => {
  it('denies every new window and sends safe https links to the browser', () => {
    expect(decideWindowOpen('https://clinic.example/help')).toEqual({ action: 'deny', openExternally: true });
  });
  it('denies app and other links without opening anything', () => {
    expect(decideWindowOpen('app://clinic/index.html')).toEqual({ action: 'deny', openExternally: false });
    expect(decideWindowOpen('http://example.org/')).toEqual({ action: 'deny', openExternally: false });
    expect(decideWindowOpen('file:///etc/passwd')).toEqual({ action: 'deny', openExternally: false });
  });
});
