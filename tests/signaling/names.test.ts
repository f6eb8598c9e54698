import { describe, expect, it } from 'vitest';
import { nameProblem, nameWarning, normalizeName } from '../../signaling/names';
import { ErrorCode, PROTOCOL_VERSION, parseClientMessage } from '../../signaling/protocol';

/** What the relay makes of a name typed into a join: the name it keeps, or the refusal's message. */
function joined(name: string): { name: string } | { refused: string } {
  const parsed = parseClientMessage(
    JSON.stringify({ v: PROTOCOL_VERSION, type: 'join', invite: { shortCode: 'ABCD2345' }, name, publicKey: 'MFkw', signature: 'c2ln' }),
  );
  if (!parsed.ok) return { refused: `${parsed.code}: ${parsed.message}` };
  if (parsed.message.type !== 'join') throw new Error('not a join');
  return { name: parsed.message.name };
}

describe('names people type', () => {
  it.each([
    ['a plain name', 'Sam Lee', 'Sam Lee'],
    ['spaces around and between words', '   Sam    Lee  ', 'Sam Lee'],
    ['a line break inside (pasted)', 'Sam\nLee', 'Sam Lee'],
    ['a decomposed accent, composed (NFC)', 'Zoe\u0308', 'Zo\u00eb'],
    ['a Persian name with a zero-width non-joiner inside a word', 'مهر\u200cناز', 'مهر\u200cناز'],
    ['letters of another script', '山田 太郎', '山田 太郎'],
  ])('keeps %s', (_label, typed, kept) => {
    expect(joined(typed)).toEqual({ name: kept });
  });

  it.each([
    ['NUL', 'Sam\u0000'],
    ['a bell', 'Sam\u0007'],
    ['a right-to-left override', '\u202eSam'],
    ['a zero-width space', 'Sa\u200bm'],
    ['only zero-width characters', '\u200b\u200b\u200b'],
    ['a joiner outside a word', '\u200dSam'],
    ['private-use characters', 'Sam\ue000'],
    ['nothing but white space', '   '],
    ['no letter or digit at all', '-- .. --'],
  ])('refuses %s with a message a person can act on', (_label, typed) => {
    const outcome = joined(typed);
    expect(outcome).toMatchObject({ refused: expect.stringMatching(new RegExp(`^${ErrorCode.BAD_MESSAGE}: name`)) });
  });

  it('normalises before measuring: 60 characters composed are fine even if typed decomposed', () => {
    expect(joined('e\u0301'.repeat(60))).toEqual({ name: '\u00e9'.repeat(60) });
    expect(joined('x'.repeat(61))).toMatchObject({ refused: expect.stringContaining('longer than 60') });
  });

  it('flags names mixing look-alike alphabets, and only those', () => {
    expect(nameWarning('S\u0430m')).toBe('mixes Latin and Cyrillic letters, which look alike: check who this is');
    expect(nameWarning('Sam')).toBeNull();
    expect(nameWarning('Саша')).toBeNull(); // all Cyrillic: a name, not a disguise
    expect(nameWarning('Αλέξης Smith')).toMatch(/Latin and Greek/);
  });

  it('is the same rule for the pieces', () => {
    expect(normalizeName(' a\tb ')).toBe('a b');
    expect(nameProblem('ok')).toBeNull();
  });
});
