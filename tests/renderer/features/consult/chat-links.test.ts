/** Links in chat (chat-links.ts): only https addresses become links; everything else stays text, in order. */
import { describe, expect, it } from 'vitest';
import { type ChatPart, MAX_LINK_LENGTH, safeHttpsUrl, splitLinks } from '../../../../renderer/features/consult/chat-links';

const text = (value: string): ChatPart => ({ kind: 'text', text: value });
const link = (value: string, url = value): ChatPart => ({ kind: 'link', text: value, url });

describe('splitting chat text into text and links', () => {
  const cases: [string, ChatPart[]][] = [
    ['no links here', [text('no links here')]],
    ['', []],
    ['https://clinic.example/leaflet', [link('https://clinic.example/leaflet')]],
    ['See https://clinic.example/a?b=1#c now', [text('See '), link('https://clinic.example/a?b=1#c'), text(' now')]],
    // What ends a sentence is not part of the address.
    ['Read https://clinic.example/a.', [text('Read '), link('https://clinic.example/a'), text('.')]],
    ['(https://clinic.example/a), ok?', [text('('), link('https://clinic.example/a'), text('), ok?')]],
    ['https://en.wikipedia.org/wiki/Tendon_(anatomy)', [link('https://en.wikipedia.org/wiki/Tendon_(anatomy)')]],
    [
      'two: https://a.example https://b.example/x',
      [text('two: '), link('https://a.example', 'https://a.example/'), text(' '), link('https://b.example/x')],
    ],
    ['HTTPS://CLINIC.EXAMPLE/X', [link('HTTPS://CLINIC.EXAMPLE/X', 'https://clinic.example/X')]],
    ['"https://clinic.example/q"', [text('"'), link('https://clinic.example/q'), text('"')]],
    // Every other scheme is text.
    ['javascript:alert(1)', [text('javascript:alert(1)')]],
    ['JavaScript:alert(document.cookie)//https://x.example', [text('JavaScript:alert(document.cookie)//https://x.example')]],
    ['javascript:https://evil.example', [text('javascript:https://evil.example')]],
    ['http://clinic.example/plain', [text('http://clinic.example/plain')]],
    ['data:text/html,<script>alert(1)</script>', [text('data:text/html,<script>alert(1)</script>')]],
    ['file:///etc/passwd', [text('file:///etc/passwd')]],
    ['vbscript:msgbox', [text('vbscript:msgbox')]],
    ['xhttps://clinic.example', [text('xhttps://clinic.example')]],
    // Addresses that would disguise their host, or have none.
    ['https://clinic.example@evil.example/', [text('https://clinic.example@evil.example/')]],
    ['https://user:pw@clinic.example/', [text('https://user:pw@clinic.example/')]],
    ['https://', [text('https://')]],
    ['https:// spaced', [text('https:// spaced')]],
    ['line one\nhttps://clinic.example/x\nline three', [text('line one\n'), link('https://clinic.example/x'), text('\nline three')]],
  ];
  it.each(cases)('%j', (input, parts) => {
    expect(splitLinks(input)).toEqual(parts);
  });

  it('never loses or reorders a character', () => {
    for (const [input] of cases)
      expect(
        splitLinks(input)
          .map((part) => part.text)
          .join(''),
      ).toBe(input);
  });

  it('keeps an address longer than the host takes as text', () => {
    const long = `https://clinic.example/${'a'.repeat(MAX_LINK_LENGTH)}`;
    expect(splitLinks(long)).toEqual([text(long)]);
  });

  it('opens only https with a host and no credentials, as main does', () => {
    expect(safeHttpsUrl('https://clinic.example/a b')).toBe('https://clinic.example/a%20b');
    expect(safeHttpsUrl('https://xn--80ak6aa92e.example/')).toBe('https://xn--80ak6aa92e.example/');
    expect(safeHttpsUrl('http://clinic.example/')).toBeNull();
    expect(safeHttpsUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpsUrl('https://a@b.example/')).toBeNull();
    expect(safeHttpsUrl('not a url')).toBeNull();
  });
});
