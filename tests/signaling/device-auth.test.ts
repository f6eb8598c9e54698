import { describe, expect, it } from 'vitest';
import {
  createDeviceKey,
  fromBase64Url,
  importPublicKey,
  newChallenge,
  publicKeyId,
  signChallenge,
  toBase64Url,
  verifyChallenge,
} from '../../signaling/device-auth';

describe('device credentials', () => {
  it('signs a fresh challenge that the relay verifies with the public half alone', async () => {
    const device = await createDeviceKey();
    const challenge = newChallenge();
    const signature = await signChallenge(device.keyPair.privateKey, 'staff-sign-in', challenge);
    expect(await verifyChallenge(device.publicKey, 'staff-sign-in', challenge, signature)).toBe(true);
  });

  it('keeps the private half out of reach: it cannot be exported', async () => {
    const device = await createDeviceKey();
    expect(device.keyPair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('pkcs8', device.keyPair.privateKey)).rejects.toThrow();
  });

  it('refuses a signature replayed for another challenge, another purpose, or from another device', async () => {
    const device = await createDeviceKey();
    const other = await createDeviceKey();
    const challenge = newChallenge();
    const signature = await signChallenge(device.keyPair.privateKey, 'staff-sign-in', challenge);
    expect(await verifyChallenge(device.publicKey, 'staff-sign-in', newChallenge(), signature)).toBe(false);
    expect(await verifyChallenge(device.publicKey, 'patient-seat', challenge, signature)).toBe(false);
    expect(await verifyChallenge(other.publicKey, 'staff-sign-in', challenge, signature)).toBe(false);
  });

  it('refuses a tampered signature and garbage without throwing', async () => {
    const device = await createDeviceKey();
    const challenge = newChallenge();
    const signature = fromBase64Url(await signChallenge(device.keyPair.privateKey, 'enroll', challenge));
    if (!signature) throw new Error('signature is not base64url');
    signature[10] = (signature[10] ?? 0) ^ 0xff;
    expect(await verifyChallenge(device.publicKey, 'enroll', challenge, toBase64Url(signature))).toBe(false);
    for (const [key, sig] of [
      ['', ''],
      ['not base64!', 'AAAA'],
      [device.publicKey, 'A'.repeat(86)],
      ['A'.repeat(500), 'A'.repeat(86)],
      [toBase64Url(new Uint8Array(91)), 'A'.repeat(86)],
    ] as const) {
      expect(await verifyChallenge(key, 'enroll', challenge, sig)).toBe(false);
    }
  });

  it('accepts only well-formed P-256 public keys, and names each by a short stable id', async () => {
    const device = await createDeviceKey();
    expect(await importPublicKey(device.publicKey)).not.toBeNull();
    expect(await importPublicKey(toBase64Url(new Uint8Array(91)))).toBeNull();
    const id = await publicKeyId(device.publicKey);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await publicKeyId(device.publicKey)).toBe(id);
    expect(await publicKeyId((await createDeviceKey()).publicKey)).not.toBe(id);
  });

  it('makes challenges that do not repeat', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => newChallenge()));
    expect(seen.size).toBe(1000);
    expect(fromBase64Url([...seen][0] ?? '')?.length).toBe(32);
  });
});
