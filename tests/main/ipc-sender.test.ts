import { describe, expect, it } from 'vitest';
import { isTrustedSender } from '../../main/ipc-sender';

describe('isTrustedSender', () => {
  it('trusts the app page in the top-level frame', () => {
    expect(isTrustedSender({ url: 'app://clinic/index.html', isMainFrame: true })).toBe(true);
    expect(isTrustedSender({ url: 'app://clinic/index.html?code=X#y', isMainFrame: true })).toBe(true);
  });
  it('refuses an app page inside a subframe', () => {
    expect(isTrustedSender({ url: 'app://clinic/index.html', isMainFrame: false })).toBe(false);
  });
  it.each(['https://evil.example/', 'app://other/index.html', 'app://clinic.evil/', 'file:///tmp/x.html', 'about:blank', ''])(
    'refuses a top-level frame showing %s',
    (url) => expect(isTrustedSender({ url, isMainFrame: true })).toBe(false),
  );
  it('refuses a frame that is gone', () => {
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });
});
