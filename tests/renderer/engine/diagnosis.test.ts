import { describe, expect, it } from 'vitest';
import { diagnoseConnectionFailure, emptyCandidates, type IceEvidence, parseCandidateLine } from '../../../renderer/engine/diagnosis';

function evidence(overrides: Partial<IceEvidence> = {}): IceEvidence {
  return {
    configured: { stun: false, turn: true, relayOnly: false },
    local: { ...emptyCandidates(), host: 2, relay: 1, relayProtocols: ['udp'] },
    remote: { ...emptyCandidates(), host: 1, relay: 1 },
    candidateErrors: [],
    ...overrides,
  };
}

describe('parseCandidateLine', () => {
  it('reads type and transport of the candidates Chromium writes', () => {
    expect(
      parseCandidateLine('candidate:842163049 1 udp 1677729535 198.18.0.5 40000 typ srflx raddr 10.0.1.2 rport 40000 generation 0'),
    ).toEqual({ type: 'srflx', protocol: 'udp' });
    expect(parseCandidateLine('candidate:3 1 tcp 1518280447 10.0.1.2 9 typ host tcptype active generation 0')).toEqual({
      type: 'host',
      protocol: 'tcp',
    });
    expect(parseCandidateLine('a=candidate:9 1 udp 41885439 198.18.0.2 50000 typ relay raddr 198.18.0.5 rport 1')).toEqual({
      type: 'relay',
      protocol: 'udp',
    });
  });

  it('ignores what is not a candidate line', () => {
    expect(parseCandidateLine('')).toBeNull();
    expect(parseCandidateLine('candidate:1 1 udp 1 10.0.0.1 5000 typ bogus')).toBeNull();
  });
});

describe('diagnoseConnectionFailure', () => {
  it('no TURN configured: says a relay server is missing', () => {
    const d = diagnoseConnectionFailure(
      evidence({ configured: { stun: true, turn: false, relayOnly: false }, local: { ...emptyCandidates(), host: 1, srflx: 1 } }),
    );
    expect(d.code).toBe('NO_TURN_CONFIGURED');
    expect(d.advice).toMatch(/configure a TURN server/);
  });

  it('TURN configured, no relay candidate here, and a 401: credentials rejected', () => {
    const d = diagnoseConnectionFailure(
      evidence({
        local: { ...emptyCandidates(), host: 1 },
        candidateErrors: [{ url: 'turn:198.18.0.2:3478', errorCode: 401, errorText: 'Unauthorized' }],
      }),
    );
    expect(d.code).toBe('TURN_CREDENTIALS_REJECTED');
    expect(d.summary).toContain('401 Unauthorized');
  });

  it('TURN configured, no relay candidate here: TURN unreachable from this side', () => {
    const d = diagnoseConnectionFailure(
      evidence({ local: { ...emptyCandidates(), host: 1 }, candidateErrors: [{ url: 'turn:x', errorCode: 701, errorText: 'timeout' }] }),
    );
    expect(d.code).toBe('TURN_UNREACHABLE');
  });

  it('relay here but none from the other side: the other side cannot reach TURN', () => {
    expect(diagnoseConnectionFailure(evidence({ remote: { ...emptyCandidates(), host: 2 } })).code).toBe('REMOTE_TURN_UNREACHABLE');
  });

  it('nothing at all from the other side', () => {
    expect(diagnoseConnectionFailure(evidence({ remote: emptyCandidates() })).code).toBe('REMOTE_SENT_NO_CANDIDATES');
  });

  it('relay on both sides and still no connection: the TURN server cannot relay between them', () => {
    expect(diagnoseConnectionFailure(evidence()).code).toBe('RELAY_PATH_FAILED');
  });

  it('notes when UDP was blocked and TURN was reached over TCP', () => {
    const d = diagnoseConnectionFailure(evidence({ local: { ...emptyCandidates(), relay: 1, relayProtocols: ['tcp'] } }));
    expect(d.notes).toContain('UDP to the TURN server is blocked on this network; it was reached over TCP.');
  });
});
