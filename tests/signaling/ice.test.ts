import { describe, expect, it } from 'vitest';
import { describeIceConfig, type IceConfig, iceConfigProblems, iceForParticipant, NO_ICE, turnCredentials } from '../../signaling/ice';

const SECRET = 'clinic-turn-secret-0123';
const TURN: IceConfig = {
  stunUrls: ['stun:198.18.0.2:3478'],
  turnUrls: ['turn:198.18.0.2:3478?transport=udp', 'turns:198.18.0.2:5349?transport=tcp'],
  turnSecret: SECRET,
  turnTtlSeconds: 3600,
  relayOnly: false,
};

describe('turnCredentials', () => {
  it('follows coturn REST: <expiry>:<participant> and base64 HMAC-SHA1 of it', () => {
    // Expected value computed independently (Python hmac/hashlib/base64) for this secret and username.
    expect(turnCredentials(SECRET, 'p_abc', 3600, 1_800_000_000_000)).toEqual({
      username: '1800003600:p_abc',
      credential: '4CXwPL8PGYAoS0K+QHecLAQRqNs=',
    });
  });
});

describe('iceForParticipant', () => {
  it('gives nothing at all when nothing is configured: LAN calls use host candidates only', () => {
    expect(iceForParticipant(NO_ICE, 'p_1', Date.now(), 3600)).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
  });

  it('gives STUN as is and TURN with credentials of this participant that expire after the TTL asked for', () => {
    const now = 1_800_000_000_000;
    const ice = iceForParticipant(TURN, 'p_7', now, 3600);
    expect(ice.iceServers[0]).toEqual({ urls: ['stun:198.18.0.2:3478'] });
    expect(ice.iceServers[1]).toMatchObject({ urls: TURN.turnUrls, username: `${now / 1000 + 3600}:p_7` });
    expect(ice.iceTransportPolicy).toBe('all');
    expect(JSON.stringify(ice)).not.toContain(SECRET);
  });

  it('forces relay transport when the clinic asks for it', () => {
    expect(iceForParticipant({ ...TURN, relayOnly: true }, 'p_1', 0, 60).iceTransportPolicy).toBe('relay');
  });

  it("never outlives IT's configured lifetime, whatever the caller asks", () => {
    const now = 1_800_000_000_000;
    expect(iceForParticipant({ ...TURN, turnTtlSeconds: 600 }, 'p_7', now, 7200).iceServers[1]).toMatchObject({
      username: `${now / 1000 + 600}:p_7`,
    });
  });
});

describe('iceConfigProblems', () => {
  it('accepts a complete configuration', () => {
    expect(iceConfigProblems(TURN)).toEqual([]);
  });

  it('names each problem', () => {
    expect(iceConfigProblems({ ...TURN, turnSecret: null })).toEqual(['TURN URLs need the TURN shared secret (coturn static-auth-secret)']);
    expect(iceConfigProblems({ ...TURN, turnSecret: 'short' })).toEqual(['the TURN shared secret must be at least 16 characters']);
    expect(iceConfigProblems({ ...NO_ICE, relayOnly: true })).toEqual(['relay-only calls need at least one TURN URL']);
    expect(iceConfigProblems({ ...TURN, stunUrls: ['https://x'] })).toEqual(['"https://x" is not a stun: URL']);
  });
});

describe('describeIceConfig', () => {
  it('never includes the secret', () => {
    expect(JSON.stringify(describeIceConfig(TURN))).not.toContain(SECRET);
  });
});
