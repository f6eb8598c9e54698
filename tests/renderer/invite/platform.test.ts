import { describe, expect, it } from 'vitest';
import { detectPlatform, formatBytes, statusMessage } from '../../../renderer/invite/platform';

describe('detectPlatform', () => {
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/140.0', 0, { os: 'windows', phone: false }],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15', 0, { os: 'mac', phone: false }],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15', 5, { os: 'ios', phone: true }], // iPadOS
    ['Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0', 0, { os: 'linux', phone: false }],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36', 5, { os: 'android', phone: true }],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148', 5, { os: 'ios', phone: true }],
  ])('%s (touch points %i)', (userAgent, maxTouchPoints, expected) => {
    expect(detectPlatform({ userAgent, maxTouchPoints })).toEqual(expected);
  });
});

describe('what the invite page says', () => {
  it('offers ways in for a valid or used invite, and none for an expired, unknown or ended one', () => {
    expect(statusMessage('valid')).toMatchObject({ code: null, offers: true });
    expect(statusMessage('used')).toMatchObject({ code: 'INVITE_USED', offers: true });
    for (const status of ['expired', 'invalid', 'closed', 'throttled', 'unknown'] as const) {
      expect(statusMessage(status).offers).toBe(false);
      expect(statusMessage(status).text.length).toBeGreaterThan(20);
    }
  });

  it('gives sizes people read', () => {
    expect(formatBytes(42)).toBe('42 bytes');
    expect(formatBytes(2048)).toBe('2 KB');
    expect(formatBytes(95_000_000)).toBe('90.6 MB');
  });
});
