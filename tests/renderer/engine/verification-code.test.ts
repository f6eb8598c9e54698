/**
 * The call verification code: derived from the two DTLS fingerprints, the same on both sides of an honest call,
 * different on the two sides of a relay that swapped them. SDP excerpts are Chromium 156's own (an offer and its
 * answer, candidates and codec lines left out).
 */
import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConsultEngine } from '../../../renderer/engine/engine';
import type { PeerOptions } from '../../../renderer/engine/peer';
import {
  CODE_DIGITS,
  codeFromFingerprints,
  extractFingerprint,
  VERIFICATION_ITERATIONS,
  verificationCode,
} from '../../../renderer/engine/verification-code';
import { FakePeer, FakeTransport, fakeStream, NO_ICE, welcome } from './fakes';

const OFFERER_FP = 'E5:41:EE:EA:BA:99:0F:4F:9E:8F:93:C6:B9:C9:D4:3F:8A:87:EF:EA:F3:0D:FF:79:21:95:68:62:6E:B3:4F:F3';
const ANSWERER_FP = 'FE:23:B9:DF:43:51:1C:E3:04:D5:63:82:8B:65:08:19:62:B3:DA:F7:8C:4B:B4:C1:3F:2D:29:FC:41:56:E0:89';
/** A relay in the middle: a certificate of its own towards each side. */
const RELAY_FP_1 = '11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00';
const RELAY_FP_2 = '0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9:0A:1B:2C:3D:4E:5F:60:71:82:93:A4:B5:C6:D7:E8:F9';

function offer(fingerprint = OFFERER_FP): string {
  return [
    'v=0',
    'o=- 7643567583787686402 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1 2',
    'a=msid-semantic: WMS',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:dh+g',
    'a=ice-pwd:k+FDwDbHCf6oJVn7hzocwPtl',
    `a=fingerprint:sha-256 ${fingerprint}`,
    'a=setup:actpass',
    'a=mid:0',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 107 108 109 114 115 116 117 39 40 45 46 98 99 100 101 118 119 120',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:dh+g',
    'a=ice-pwd:k+FDwDbHCf6oJVn7hzocwPtl',
    `a=fingerprint:sha-256 ${fingerprint}`,
    'a=setup:actpass',
    'a=mid:1',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=fingerprint:sha-256 ${fingerprint}`,
    'a=setup:actpass',
    'a=mid:2',
    'a=sctp-port:5000',
    '',
  ].join('\r\n');
}

function answer(fingerprint = ANSWERER_FP): string {
  return offer(fingerprint).replace('7643567583787686402', '2276624450688124242').replaceAll('a=setup:actpass', 'a=setup:active');
}

/** An independent derivation (Node's own PBKDF2) of what both sides should display. */
function expectedCode(a: string, b: string): string {
  const material = [`sha-256 ${a}`, `sha-256 ${b}`].sort().join('\n');
  const bytes = pbkdf2Sync(material, 'clinic-consult call verification v1', VERIFICATION_ITERATIONS, 8, 'sha256');
  const digits = (bytes.readBigUInt64BE(0) % 10n ** BigInt(CODE_DIGITS)).toString().padStart(CODE_DIGITS, '0');
  return `${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8)}`;
}

describe('verification code', () => {
  it('reads the fingerprint of a real description, normalised', () => {
    expect(extractFingerprint(offer())).toEqual({ ok: true, fingerprint: `sha-256 ${OFFERER_FP}` });
    expect(extractFingerprint(offer().replaceAll('sha-256', 'SHA-256').replaceAll(OFFERER_FP, OFFERER_FP.toLowerCase()))).toEqual({
      ok: true,
      fingerprint: `sha-256 ${OFFERER_FP}`,
    });
  });

  it('is the same on both sides of an honest call (order does not matter), three groups of four digits', async () => {
    const offerer = await verificationCode(offer(), answer());
    const answerer = await verificationCode(answer(), offer());
    expect(offerer.code).toMatch(/^\d{4} \d{4} \d{4}$/);
    expect(answerer).toEqual(offerer);
    // What another implementation of the same derivation gets: nothing here is a constant.
    expect(offerer.code).toBe(expectedCode(OFFERER_FP, ANSWERER_FP));
  });

  it('differs on the two sides when a relay puts its own certificates in the middle', async () => {
    const offerer = await verificationCode(offer(), answer(RELAY_FP_1));
    const answerer = await verificationCode(offer(RELAY_FP_2), answer());
    expect(offerer.code).not.toBeNull();
    expect(answerer.code).not.toBeNull();
    expect(offerer.code).not.toBe(answerer.code);
  });

  it('changes when one fingerprint changes by one hex digit', async () => {
    const honest = await verificationCode(offer(), answer());
    const changed = await verificationCode(offer(), answer(ANSWERER_FP.replace(/^FE/, 'FF')));
    expect(changed.code).not.toBeNull();
    expect(changed.code).not.toBe(honest.code);
  });

  it('takes a session-level fingerprint for m-sections without their own', async () => {
    const sessionLevel = offer()
      .replaceAll(`a=fingerprint:sha-256 ${OFFERER_FP}\r\n`, '')
      .replace('a=msid-semantic', `a=fingerprint:sha-256 ${OFFERER_FP}\r\na=msid-semantic`);
    expect(extractFingerprint(sessionLevel)).toEqual({ ok: true, fingerprint: `sha-256 ${OFFERER_FP}` });
    expect((await verificationCode(sessionLevel, answer())).code).toBe((await verificationCode(offer(), answer())).code);
  });

  it('no fingerprint: no code, and the reason says which side', async () => {
    const bare = offer().replaceAll(/a=fingerprint:.*\r\n/g, '');
    expect(extractFingerprint(bare)).toMatchObject({ ok: false, reason: 'no-fingerprint' });
    expect(await verificationCode(offer(), bare)).toMatchObject({ code: null, reason: 'no-fingerprint', side: 'remote' });
    expect(await verificationCode(bare, answer())).toMatchObject({ code: null, reason: 'no-fingerprint', side: 'local' });
    // One m-section without any (and none at session level) is as bad: DTLS for it is unverifiable here.
    const oneMissing = offer().replace(`a=fingerprint:sha-256 ${OFFERER_FP}\r\na=setup:actpass\r\na=mid:2`, 'a=setup:actpass\r\na=mid:2');
    expect(extractFingerprint(oneMissing)).toMatchObject({ ok: false, reason: 'no-fingerprint' });
  });

  it('no description yet (not connected): no code', async () => {
    expect(await verificationCode(null, answer())).toMatchObject({ code: null, reason: 'no-description', side: null });
    expect(await verificationCode(offer(), '')).toMatchObject({ code: null, reason: 'no-description' });
  });

  it('refuses a description that leaves open which certificate DTLS checks', () => {
    // Chromium checks the last of two lines at one level (measured): a relay could list the real one first.
    const two = offer().replace(
      `a=fingerprint:sha-256 ${OFFERER_FP}`,
      `a=fingerprint:sha-256 ${OFFERER_FP}\r\na=fingerprint:sha-256 ${RELAY_FP_1}`,
    );
    expect(extractFingerprint(two)).toMatchObject({ ok: false, reason: 'several-fingerprints' });
    const sameTwice = offer().replace(
      `a=fingerprint:sha-256 ${OFFERER_FP}`,
      `a=fingerprint:sha-256 ${OFFERER_FP}\r\na=fingerprint:sha-256 ${OFFERER_FP}`,
    );
    expect(extractFingerprint(sameTwice)).toMatchObject({ ok: false, reason: 'several-fingerprints' });
    const mixed = offer().replace(
      `a=fingerprint:sha-256 ${OFFERER_FP}\r\na=setup:actpass\r\na=mid:2`,
      `a=fingerprint:sha-256 ${RELAY_FP_1}\r\na=setup:actpass\r\na=mid:2`,
    );
    expect(extractFingerprint(mixed)).toMatchObject({ ok: false, reason: 'several-fingerprints' });
  });

  it('refuses weak or unknown hash functions and malformed digests', () => {
    const sha1 = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01';
    expect(extractFingerprint(offer().replaceAll(`sha-256 ${OFFERER_FP}`, `sha-1 ${sha1}`))).toMatchObject({
      ok: false,
      reason: 'unsupported-hash',
    });
    expect(extractFingerprint(offer().replaceAll(OFFERER_FP, OFFERER_FP.slice(3)))).toMatchObject({
      ok: false,
      reason: 'malformed-fingerprint',
    });
    expect(extractFingerprint(offer().replaceAll(OFFERER_FP, OFFERER_FP.replace('E5', 'G5')))).toMatchObject({
      ok: false,
      reason: 'malformed-fingerprint',
    });
  });

  it('codeFromFingerprints is symmetric', async () => {
    const a = `sha-256 ${OFFERER_FP}`;
    const b = `sha-256 ${ANSWERER_FP}`;
    expect(await codeFromFingerprints(a, b)).toEqual(await codeFromFingerprints(b, a));
  });
});

/** A peer whose connection carries the descriptions a real one would have once connected. */
function peerWithDescriptions(options: PeerOptions, local: string, remote: string): FakePeer {
  const peer = new FakePeer(options);
  const connection = Object.assign(new EventTarget(), {
    localDescription: { type: 'offer', sdp: local },
    remoteDescription: { type: 'answer', sdp: remote },
    getStats: async () => new Map(),
  });
  Object.defineProperty(peer, 'connection', { value: connection });
  return peer;
}

describe('ConsultEngine.verificationCode', () => {
  it('has no code until the call is connected, then the code of the live call; a restarted call gets its own', async () => {
    const transport = new FakeTransport();
    const peers: FakePeer[] = [];
    const certificates = [
      [OFFERER_FP, ANSWERER_FP],
      [RELAY_FP_1, RELAY_FP_2],
    ];
    const engine = new ConsultEngine({
      transport,
      getUserMedia: async () => fakeStream(),
      createPeer: (options) => {
        const [local = '', remote = ''] = certificates[peers.length] ?? [];
        const peer = peerWithDescriptions(options, offer(local), answer(remote));
        peers.push(peer);
        return peer;
      },
    });
    await engine.create();
    transport.receive(welcome('clinician'));
    const patient = { id: 'p_pat', name: 'Amy', role: 'patient' as const };
    transport.receive({ type: 'call-start', callId: 'c_1', initiator: true, peer: patient, ice: NO_ICE });
    expect(await engine.verificationCode()).toMatchObject({ code: null, reason: 'no-description' });

    peers[0]?.emit('connect');
    peers[0]?.emit('stream', fakeStream('remote'));
    expect(engine.getSnapshot().phase).toBe('connected');
    expect((await engine.verificationCode()).code).toBe(expectedCode(OFFERER_FP, ANSWERER_FP));

    // The relay replaces the call (a restart): fresh peer, fresh certificates, another code once connected.
    transport.receive({ type: 'call-ended', callId: 'c_1', reason: 'replaced', by: null });
    transport.receive({ type: 'call-start', callId: 'c_2', initiator: true, peer: patient, ice: NO_ICE });
    expect(await engine.verificationCode()).toMatchObject({ code: null });
    peers[1]?.emit('connect');
    peers[1]?.emit('stream', fakeStream('remote-2'));
    expect((await engine.verificationCode()).code).toBe(expectedCode(RELAY_FP_1, RELAY_FP_2));
    engine.dispose();
  });
});
