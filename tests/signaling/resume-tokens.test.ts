import { describe, expect, it } from 'vitest';
import { ResumeTokens } from '../../signaling/resume-tokens';

const SECRET = 'relay-secret-for-tests-0123456789abcdef';
const CLAIM = {
  pid: 'p_1',
  role: 'patient' as const,
  kid: 'k_1',
  cid: 'p_0',
  csid: 's_1',
  iid: 'i_1',
  joinedAt: 5,
};

describe('ResumeTokens', () => {
  it('verifies what it issued, with the same secret, until it expires', () => {
    const token = new ResumeTokens(SECRET).issue(CLAIM, 60_000, 1_000);
    expect(new ResumeTokens(SECRET).verify(token, 2_000)).toEqual({ v: 3, ...CLAIM, exp: 61_000 });
    expect(new ResumeTokens(SECRET).verify(token, 61_000)).toBeNull();
  });

  it('refuses a token signed with another secret', () => {
    const token = new ResumeTokens(SECRET).issue(CLAIM, 60_000, 1_000);
    expect(new ResumeTokens(`${SECRET}x`).verify(token, 2_000)).toBeNull();
  });

  it('refuses a token whose claim was changed (e.g. promoted to clinician)', () => {
    const tokens = new ResumeTokens(SECRET);
    const [, signature] = tokens.issue(CLAIM, 60_000, 1_000).split('.');
    const forged = Buffer.from(JSON.stringify({ v: 3, ...CLAIM, role: 'clinician', exp: 61_000 })).toString('base64url');
    expect(tokens.verify(`${forged}.${signature}`, 2_000)).toBeNull();
  });

  it('says nothing readable about who is in the consultation: ids only, no names or codes', () => {
    const token = new ResumeTokens(SECRET).issue(CLAIM, 60_000, 1_000);
    const payload = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(['cid', 'csid', 'exp', 'iid', 'joinedAt', 'kid', 'pid', 'role', 'v']);
  });

  it('refuses malformed tokens without throwing', () => {
    const tokens = new ResumeTokens(SECRET);
    for (const bad of ['', '.', 'abc', 'a.b.c', `${Buffer.from('not json').toString('base64url')}.x`]) {
      expect(tokens.verify(bad, 0)).toBeNull();
    }
  });

  it('insists on a secret of at least 32 characters', () => {
    expect(() => new ResumeTokens('short')).toThrow(/at least 32 characters/);
  });
});
