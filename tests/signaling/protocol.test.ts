import { describe, expect, it } from 'vitest';
import {
  type ClientMessage,
  ErrorCode,
  encode,
  formatCode,
  LIMITS,
  nestingDepth,
  normalizeCode,
  type ParseResult,
  PROTOCOL_VERSION,
  parseClientMessage,
  parseServerMessage,
  type ServerMessage,
} from '../../signaling/protocol';

const TOKEN = 'k'.repeat(32);

function raw(message: Record<string, unknown>): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, ...message });
}

function expectOk<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result.message;
}

function expectFail<T>(result: ParseResult<T>, code: ErrorCode): Extract<ParseResult<T>, { ok: false }> {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(result.message)}`);
  expect(result.code).toBe(code);
  return result;
}

/** A well-formed join, with some fields replaced. */
function joinWith(fields: Record<string, unknown>): Record<string, unknown> {
  return { type: 'join', invite: { shortCode: 'ABCD2345' }, name: 'Sam', publicKey: 'MFkw', signature: 'c2ln', ...fields };
}

function signalWith(data: unknown): string {
  return raw({ type: 'signal', callId: 'c_1', seq: 1, data });
}

describe('parseClientMessage: every message type', () => {
  const valid: Array<[string, Record<string, unknown>]> = [
    ['create', { type: 'create' }],
    ['enroll', { type: 'enroll', code: 'ABCD-EFGH-JKLM-NPQR-STUV', publicKey: 'MFkwEwYHKoZI', signature: 'c2lnbmF0dXJl' }],
    ['authenticate', { type: 'authenticate', credentialId: 'd_1', signature: 'c2lnbmF0dXJl' }],
    ['sign-out', { type: 'sign-out' }],
    [
      'join by link',
      {
        type: 'join',
        invite: { secret: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX' },
        name: 'Sam',
        publicKey: 'MFkw',
        signature: 'c2ln',
      },
    ],
    ['join by short code', { type: 'join', invite: { shortCode: 'ABCD2345' }, name: 'Sam', publicKey: 'MFkw', signature: 'c2ln' }],
    ['resume (no call)', { type: 'resume', resumeToken: TOKEN, callId: null, signature: null }],
    ['resume (with call, signed)', { type: 'resume', resumeToken: TOKEN, callId: 'c_123', signature: 'c2ln' }],
    ['invite', { type: 'invite', expectedName: 'Sam Lee', ttlMinutes: 60 }],
    ['invite for anyone', { type: 'invite', expectedName: null, ttlMinutes: 1440 }],
    ['precall-ice', { type: 'precall-ice' }],
    ['admit', { type: 'admit', patientId: 'p_1' }],
    ['waiting-note', { type: 'waiting-note', patientId: 'p_1', text: "I'm running 5 minutes late" }],
    ['signal', { type: 'signal', callId: 'c_1', seq: 1, data: { type: 'offer', sdp: 'v=0\r\n' } }],
    ['hang-up', { type: 'hang-up', callId: 'c_1', reason: 'connection-failed' }],
    ['leave', { type: 'leave' }],
    ['ping', { type: 'ping', t: 12345 }],
  ];

  it.each(valid)('accepts a well-formed %s', (_label, message) => {
    const parsed = expectOk(parseClientMessage(raw(message)));
    expect(parsed).toEqual({ v: PROTOCOL_VERSION, ...message });
  });

  it('defaults the hang-up reason to "hang-up"', () => {
    const parsed = expectOk(parseClientMessage(raw({ type: 'hang-up', callId: 'c_1' })));
    expect(parsed).toEqual({ v: PROTOCOL_VERSION, type: 'hang-up', callId: 'c_1', reason: 'hang-up' });
  });

  it('rejects an unknown hang-up reason', () => {
    expectFail(parseClientMessage(raw({ type: 'hang-up', callId: 'c_1', reason: 'bored' })), ErrorCode.BAD_MESSAGE);
  });

  it('trims display names', () => {
    const parsed = expectOk(parseClientMessage(raw(joinWith({ name: '  Sam Lee  ' }))));
    expect(parsed).toMatchObject({ type: 'join', name: 'Sam Lee' });
  });

  it('never takes a clinician name from the client: create carries none (the relay uses the enrolled name)', () => {
    const parsed = expectOk(parseClientMessage(raw({ type: 'create', name: 'Dr. Impostor' })));
    expect(parsed).toEqual({ v: PROTOCOL_VERSION, type: 'create' });
  });

  it('round-trips what encode() writes', () => {
    const parsed = expectOk(parseClientMessage(encode({ type: 'admit', patientId: 'p_9' })));
    expect(parsed).toEqual({ v: PROTOCOL_VERSION, type: 'admit', patientId: 'p_9' });
  });
});

describe('parseClientMessage: rejections', () => {
  it('answers BAD_JSON for text that is not JSON, with no ref', () => {
    const result = expectFail(parseClientMessage('{"v":1,"type":'), ErrorCode.BAD_JSON);
    expect(result.ref).toBeNull();
    expectFail(parseClientMessage(''), ErrorCode.BAD_JSON);
  });

  it('defaults an invite to 24 hours, and a resume to unsigned', () => {
    expect(expectOk(parseClientMessage(raw({ type: 'invite', expectedName: null })))).toMatchObject({ ttlMinutes: 1440 });
    expect(expectOk(parseClientMessage(raw({ type: 'resume', resumeToken: TOKEN, callId: null })))).toMatchObject({ signature: null });
  });

  it('answers UNSUPPORTED_VERSION for v:1 (before staff sign-in) and names the type in ref', () => {
    const result = expectFail(parseClientMessage(JSON.stringify({ v: 1, type: 'create', name: 'A' })), ErrorCode.UNSUPPORTED_VERSION);
    expect(result.ref).toBe('create');
  });

  it('answers BAD_MESSAGE when v is missing', () => {
    expectFail(parseClientMessage(JSON.stringify({ type: 'leave' })), ErrorCode.BAD_MESSAGE);
  });

  it('answers BAD_MESSAGE for an unknown type, keeping the type as ref', () => {
    const result = expectFail(parseClientMessage(raw({ type: 'teleport' })), ErrorCode.BAD_MESSAGE);
    expect(result.ref).toBe('teleport');
  });

  it.each([
    ['null', 'null'],
    ['an array', '[1,2]'],
    ['a number', '42'],
    ['a string', '"create"'],
  ])('answers BAD_MESSAGE for JSON that is %s', (_label, text) => {
    const result = expectFail(parseClientMessage(text), ErrorCode.BAD_MESSAGE);
    expect(result.ref).toBeNull();
  });

  it.each([
    ['enroll without a signature', { type: 'enroll', code: 'ABCD', publicKey: 'MFkw' }],
    ['enroll with a key that is not base64url', { type: 'enroll', code: 'ABCD', publicKey: 'MF+w/', signature: 'c2ln' }],
    ['enroll with an oversized key', { type: 'enroll', code: 'ABCD', publicKey: 'A'.repeat(201), signature: 'c2ln' }],
    ['authenticate without a credential', { type: 'authenticate', signature: 'c2ln' }],
    ['authenticate with an oversized signature', { type: 'authenticate', credentialId: 'd_1', signature: 'A'.repeat(129) }],
    ['join without invite', { type: 'join', name: 'Sam', publicKey: 'MFkw', signature: 'c2ln' }],
    ['join with a consultation code (protocol 2)', { type: 'join', code: 'ABCD2345', name: 'Sam' }],
    ['join without name', { type: 'join', invite: { shortCode: 'ABCD2345' }, publicKey: 'MFkw', signature: 'c2ln' }],
    ['join without a device key', { type: 'join', invite: { shortCode: 'ABCD2345' }, name: 'Sam', signature: 'c2ln' }],
    [
      'join with a tampered link secret',
      {
        type: 'join',
        invite: { secret: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTv+' },
        name: 'Sam',
        publicKey: 'MFkw',
        signature: 'c2ln',
      },
    ],
    ['invite with a lifetime under 5 minutes', { type: 'invite', expectedName: null, ttlMinutes: 1 }],
    ['invite with a lifetime over a week', { type: 'invite', expectedName: null, ttlMinutes: 10081 }],
    ['resume without callId', { type: 'resume', resumeToken: TOKEN }],
    ['resume with a short token', { type: 'resume', resumeToken: 'short', callId: null }],
    ['admit without patientId', { type: 'admit' }],
    ['admit with an empty patientId', { type: 'admit', patientId: '' }],
    ['waiting-note that is empty', { type: 'waiting-note', patientId: 'p_1', text: '   ' }],
    ['waiting-note over the length limit', { type: 'waiting-note', patientId: 'p_1', text: 'x'.repeat(LIMITS.maxNoteLength + 1) }],
    ['waiting-note with a right-to-left override', { type: 'waiting-note', patientId: 'p_1', text: 'late \u202Eetal' }],
    ['signal without data', { type: 'signal', callId: 'c_1', seq: 1 }],
    ['signal without callId', { type: 'signal', seq: 1, data: { type: 'renegotiate', renegotiate: true } }],
    ['signal without seq', { type: 'signal', callId: 'c_1', data: { type: 'renegotiate', renegotiate: true } }],
    ['signal with seq 0', { type: 'signal', callId: 'c_1', seq: 0, data: { type: 'renegotiate', renegotiate: true } }],
    ['signal with a fractional seq', { type: 'signal', callId: 'c_1', seq: 1.5, data: { type: 'renegotiate', renegotiate: true } }],
    ['hang-up without callId', { type: 'hang-up' }],
    ['ping without t', { type: 'ping' }],
    ['ping with a string t', { type: 'ping', t: 'now' }],
  ])('answers BAD_MESSAGE for %s', (_label, message) => {
    const result = expectFail(parseClientMessage(raw(message)), ErrorCode.BAD_MESSAGE);
    expect(result.ref).toBe(message.type);
  });

  it('accepts a name of exactly the maximum length and rejects one character more', () => {
    expectOk(parseClientMessage(raw(joinWith({ name: 'x'.repeat(LIMITS.maxDisplayNameLength) }))));
    const result = expectFail(
      parseClientMessage(raw(joinWith({ name: 'x'.repeat(LIMITS.maxDisplayNameLength + 1) }))),
      ErrorCode.BAD_MESSAGE,
    );
    expect(result.message).toMatch(/name/);
  });

  it('rejects a name that is only white space', () => {
    expectFail(parseClientMessage(raw(joinWith({ name: '   ' }))), ErrorCode.BAD_MESSAGE);
  });
});

describe('nesting', () => {
  it('refuses a message nested deeper than the protocol ever goes, before parsing it', () => {
    const deep = `{"v":${PROTOCOL_VERSION},"type":"signal","callId":"c_1","seq":1,"data":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const result = expectFail(parseClientMessage(deep), ErrorCode.BAD_MESSAGE);
    expect(result.message).toMatch(/nests deeper than/);
  });

  it('counts only structure, not brackets inside strings', () => {
    expect(nestingDepth(JSON.stringify({ a: '[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{' }))).toBe(1);
    expect(nestingDepth(JSON.stringify({ a: 'say \\"[[[[[[[[[[[[[[[[[[" ' }))).toBe(1);
    expect(nestingDepth('{"a":[{"b":[1]}]}')).toBe(4);
  });

  it('forwards no free-form JSON: a transceiver request carries a direction and encodings only', () => {
    const request = (init: unknown) => signalWith({ type: 'transceiverRequest', transceiverRequest: { kind: 'video', init } });
    expectOk(parseClientMessage(request({ direction: 'sendrecv', sendEncodings: [{ rid: 'h', maxBitrate: 900_000 }] })));
    expectFail(parseClientMessage(request({ direction: 'sendrecv', anything: { nested: true } })), ErrorCode.BAD_MESSAGE);
    expectFail(parseClientMessage(request({ sendEncodings: [{ rid: 'h', script: 'x' }] })), ErrorCode.BAD_MESSAGE);
  });
});

describe('short invite codes', () => {
  function parsedCode(code: string): string {
    const parsed = expectOk(parseClientMessage(raw(joinWith({ invite: { shortCode: code } }))));
    if (parsed.type !== 'join' || !('shortCode' in parsed.invite)) throw new Error('not a join by short code');
    return parsed.invite.shortCode;
  }

  it.each([
    ['ABCD2345', 'ABCD2345'],
    ['abcd2345', 'ABCD2345'],
    ['ABCD-2345', 'ABCD2345'],
    ['abcd-2345', 'ABCD2345'],
    [' abcd 2345 ', 'ABCD2345'],
    ['ab-cd 23-45', 'ABCD2345'],
    ['\tABCD\n2345', 'ABCD2345'],
  ])('accepts %j as %s', (typed, normalised) => {
    expect(parsedCode(typed)).toBe(normalised);
  });

  it.each(['ABCD0345', 'ABCD1345', 'ABCO2345', 'ABCI2345', 'ABCL2345', 'abcl2345', 'abco2345', 'abci2345'])(
    'rejects look-alike characters in %s',
    (code) => {
      expectFail(parseClientMessage(raw({ type: 'join', code, name: 'Sam' })), ErrorCode.BAD_MESSAGE);
    },
  );

  it.each(['ABCD234', 'ABCD23456', '', 'ABCD_2345', 'ABCD.2345', 'ÄBCD2345'])('rejects %j (wrong length or characters)', (code) => {
    expectFail(parseClientMessage(raw({ type: 'join', code, name: 'Sam' })), ErrorCode.BAD_MESSAGE);
  });

  it('rejects a code that is not a string', () => {
    expectFail(parseClientMessage(raw({ type: 'join', code: 12345678, name: 'Sam' })), ErrorCode.BAD_MESSAGE);
  });

  it('normalizeCode and formatCode are inverse for display', () => {
    expect(normalizeCode('abcd-2345')).toBe('ABCD2345');
    expect(formatCode('ABCD2345')).toBe('ABCD-2345');
    expect(normalizeCode(formatCode('WXYZ6789'))).toBe('WXYZ6789');
  });
});

describe('signal payloads', () => {
  // Exactly the shapes simple-peer 9.11.1 emits from its 'signal' event.
  const simplePeerSignals: Array<[string, Record<string, unknown>]> = [
    ['offer', { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }],
    ['answer', { type: 'answer', sdp: 'v=0\r\n' }],
    [
      'candidate',
      {
        type: 'candidate',
        candidate: { candidate: 'candidate:1 1 udp 2122260223 10.0.0.2 54321 typ host', sdpMLineIndex: 0, sdpMid: '0' },
      },
    ],
    [
      'candidate with null mid/index',
      { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.2 1 typ host', sdpMLineIndex: null, sdpMid: null } },
    ],
    [
      'end-of-candidates candidate',
      { type: 'candidate', candidate: { candidate: '', sdpMLineIndex: 0, sdpMid: '0', usernameFragment: 'abcd' } },
    ],
    ['renegotiate', { type: 'renegotiate', renegotiate: true }],
    ['transceiverRequest', { type: 'transceiverRequest', transceiverRequest: { kind: 'video' } }],
    [
      'transceiverRequest with init',
      { type: 'transceiverRequest', transceiverRequest: { kind: 'audio', init: { direction: 'recvonly' } } },
    ],
  ];

  it.each(simplePeerSignals)('accepts a simple-peer %s', (_label, data) => {
    const parsed = expectOk(parseClientMessage(signalWith(data)));
    expect(parsed).toEqual({ v: PROTOCOL_VERSION, type: 'signal', callId: 'c_1', seq: 1, data });
  });

  const garbage: Array<[string, unknown]> = [
    ['a string', 'offer'],
    ['null', null],
    ['an unknown type', { type: 'hello', sdp: 'v=0' }],
    ['an offer without sdp', { type: 'offer' }],
    ['an offer with a numeric sdp', { type: 'offer', sdp: 42 }],
    ['an sdp over the size limit', { type: 'offer', sdp: 'x'.repeat(LIMITS.maxSignalBytes + 1) }],
    ['a candidate without its inner object', { type: 'candidate', candidate: 'candidate:1 1 udp' }],
    ['a candidate with a negative line index', { type: 'candidate', candidate: { candidate: 'c', sdpMLineIndex: -1 } }],
    ['renegotiate: false', { type: 'renegotiate', renegotiate: false }],
    ['a transceiverRequest for an unknown kind', { type: 'transceiverRequest', transceiverRequest: { kind: 'data' } }],
    ['a transceiverRequest without its body', { type: 'transceiverRequest' }],
  ];

  it.each(garbage)('rejects %s', (_label, data) => {
    const result = expectFail(parseClientMessage(signalWith(data)), ErrorCode.BAD_MESSAGE);
    expect(result.ref).toBe('signal');
  });
});

describe('parseServerMessage', () => {
  const peer = { id: 'p_2', name: 'Sam', role: 'patient' };
  const valid: Array<[string, Record<string, unknown>]> = [
    [
      'welcome',
      {
        type: 'welcome',
        self: { participantId: 'p_1', role: 'clinician', name: 'Dr. Rivera', resumeToken: TOKEN },
        consultation: { id: 'k_1', clinicianName: 'Dr. Rivera' },
        call: null,
      },
    ],
    [
      'welcome in a call',
      {
        type: 'welcome',
        self: { participantId: 'p_1', role: 'clinician', name: 'Dr. Rivera', resumeToken: TOKEN },
        consultation: { id: 'k_1', clinicianName: 'Dr. Rivera' },
        call: { callId: 'c_1', initiator: true, peer },
      },
    ],
    [
      'waiting-room',
      {
        type: 'waiting-room',
        patients: [{ id: 'p_2', name: 'Sam', invitedAs: 'Sam Lee', nameWarning: null, joinedAt: 1, present: true, inCall: false }],
      },
    ],
    [
      'waiting-room-changes',
      {
        type: 'waiting-room-changes',
        patients: [{ id: 'p_3', name: 'Ann', invitedAs: null, nameWarning: null, joinedAt: 2, present: true, inCall: false }],
        removed: ['p_2'],
      },
    ],
    ['waiting-note', { type: 'waiting-note', text: "I'm running 5 minutes late", sentAt: 1 }],
    ['waiting-note-sent', { type: 'waiting-note-sent', patientId: 'p_2' }],
    ['presence', { type: 'presence', participantId: 'p_2', role: 'patient', present: false }],
    [
      'call-start',
      {
        type: 'call-start',
        callId: 'c_1',
        initiator: false,
        peer: { id: 'p_1', name: 'Dr', role: 'clinician' },
        ice: {
          iceServers: [{ urls: ['turn:198.18.0.2:3478'], username: '1900000000:p_1', credential: 'abc=' }],
          iceTransportPolicy: 'relay',
        },
      },
    ],
    [
      'invite-created',
      {
        type: 'invite-created',
        invite: { id: 'i_1', expectedName: null, expiresAt: 5, shortCode: 'ABCD-2345', secret: 'x' },
        joinUrl: null,
      },
    ],
    ['precall-ice', { type: 'precall-ice', ice: { iceServers: [], iceTransportPolicy: 'all' } }],
    ['signal', { type: 'signal', callId: 'c_1', seq: 7, data: { type: 'answer', sdp: 'v=0' } }],
    ['call-ended', { type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null }],
    ['call-ended by a role', { type: 'call-ended', callId: 'c_1', reason: 'hang-up', by: 'patient' }],
    ['consultation-closed', { type: 'consultation-closed', reason: 'clinician-left' }],
    ['pong', { type: 'pong', t: 5 }],
    ['hello', { type: 'hello', challenge: 'Y2hhbGxlbmdl' }],
    ['signed-in', { type: 'signed-in', staff: { id: 's_1', name: 'Dr. Rivera' }, credentialId: 'd_1' }],
    ['signed-out', { type: 'signed-out' }],
    ['error', { type: 'error', code: 'RATE_LIMITED', message: 'slow down', ref: null }],
  ];

  it.each(valid)('accepts a well-formed %s', (_label, message) => {
    const parsed: ServerMessage = expectOk(parseServerMessage(raw(message)));
    expect(parsed).toEqual({ v: PROTOCOL_VERSION, ...message });
  });

  it('rejects an error with a code outside the stable set', () => {
    expectFail(parseServerMessage(raw({ type: 'error', code: 'OOPS', message: 'x', ref: null })), ErrorCode.BAD_MESSAGE);
  });

  it('rejects an unknown end reason', () => {
    expectFail(parseServerMessage(raw({ type: 'call-ended', callId: 'c_1', reason: 'tired', by: null })), ErrorCode.BAD_MESSAGE);
  });

  it('rejects client-only types, bad JSON and other versions', () => {
    expectFail(parseServerMessage(raw({ type: 'admit', patientId: 'p_1' })), ErrorCode.BAD_MESSAGE);
    expectFail(parseServerMessage('not json'), ErrorCode.BAD_JSON);
    expectFail(parseServerMessage(JSON.stringify({ v: 1, type: 'pong', t: 1 })), ErrorCode.UNSUPPORTED_VERSION);
  });

  it('keeps client and server types apart', () => {
    // A client message is not a valid server message and vice versa (besides the shared `signal`).
    const client: ClientMessage = expectOk(parseClientMessage(raw({ type: 'ping', t: 1 })));
    expectFail(parseServerMessage(JSON.stringify(client)), ErrorCode.BAD_MESSAGE);
    expectFail(parseClientMessage(raw({ type: 'pong', t: 1 })), ErrorCode.BAD_MESSAGE);
  });
});
