/**
 * Clinic staff for relay tests: a staff member enrolled straight into the store with a device key made here
 * (Node's WebCrypto, the same code the app runs), and the sign-in a device does on each socket.
 */

import { createDeviceKey, publicKeyPem, signChallenge } from '../../signaling/device-auth';
import { PROTOCOL_VERSION } from '../../signaling/protocol';
import type { RelayStore } from '../../signaling/store/store';
import type { TestClient } from './ws-client';

export interface TestStaff {
  readonly staffId: string;
  readonly name: string;
  readonly credentialId: string;
  readonly keyPair: CryptoKeyPair;
}

export async function enrolledStaff(store: RelayStore, name = 'Dr. Rivera'): Promise<TestStaff> {
  const { staff, enrollmentCode } = await store.addStaff(name, Date.now());
  const key = await createDeviceKey();
  const redeemed = await store.redeemEnrollment(enrollmentCode, publicKeyPem(key.publicKey) ?? '', Date.now());
  if (!redeemed.ok) throw new Error(`enrollment failed: ${redeemed.code}`);
  return { staffId: staff.id, name: staff.displayName, credentialId: redeemed.value.credential.id, keyPair: key.keyPair };
}

/** The authenticate message for this socket's challenge (not sent). */
export async function authenticateMessage(
  client: TestClient,
  staff: TestStaff,
): Promise<{ type: 'authenticate'; credentialId: string; signature: string }> {
  if (!client.challenge) throw new Error(`${client.label}: no challenge yet`);
  const signature = await signChallenge(staff.keyPair.privateKey, 'staff-sign-in', client.challenge);
  return { type: 'authenticate', credentialId: staff.credentialId, signature };
}

/** Signs the socket in as `staff` and waits for the relay to say so. */
export async function signIn(client: TestClient, staff: TestStaff): Promise<void> {
  client.send(await authenticateMessage(client, staff));
  const signedIn = await client.next('signed-in');
  if (signedIn.staff.id !== staff.staffId) throw new Error(`${client.label}: signed in as ${signedIn.staff.id}`);
}

/** A patient's device: its own key pair, as the app makes one (non-extractable private half). */
export interface TestDevice {
  readonly publicKey: string;
  readonly keyPair: CryptoKeyPair;
}

export async function newDevice(): Promise<TestDevice> {
  return createDeviceKey();
}

/** The clinician's socket asks for an invite; resolves with it (secret, short code, id). */
export async function invite(
  clinician: TestClient,
  expectedName: string | null = null,
  ttlMinutes?: number,
): Promise<{ id: string; secret: string; shortCode: string; expiresAt: number; joinUrl: string | null }> {
  clinician.send({ type: 'invite', expectedName, ...(ttlMinutes === undefined ? {} : { ttlMinutes }) });
  const created = await clinician.next('invite-created');
  return { ...created.invite, joinUrl: created.joinUrl };
}

/** The join message for this socket: the invite (by link secret or short code), signed by `device`. */
export async function joinMessage(
  client: TestClient,
  device: TestDevice,
  inviteKey: { secret: string } | { shortCode: string },
  name: string,
): Promise<{ type: 'join'; invite: { secret: string } | { shortCode: string }; name: string; publicKey: string; signature: string }> {
  if (!client.challenge) throw new Error(`${client.label}: no challenge yet`);
  const signature = await signChallenge(device.keyPair.privateKey, 'patient-seat', client.challenge);
  return { type: 'join', invite: inviteKey, name, publicKey: device.publicKey, signature };
}

/** The resume message for this socket, signed by `device` when there is one (a patient's proof). */
export async function resumeMessage(
  client: TestClient,
  resumeToken: string,
  callId: string | null,
  device: TestDevice | null,
): Promise<{ type: 'resume'; resumeToken: string; callId: string | null; signature: string | null }> {
  if (!client.challenge) throw new Error(`${client.label}: no challenge yet`);
  const signature = device ? await signChallenge(device.keyPair.privateKey, 'patient-seat', client.challenge) : null;
  return { type: 'resume', resumeToken, callId, signature };
}

/**
 * A join frame by short code with `nameJson` spliced in as JSON source (escapes such as `\u202e` kept as
 * written): for names no client's encoder would send.
 */
export function rawJoinNamed(nameJson: string): string {
  const rest = `"publicKey":"MFkw","signature":"c2ln"`;
  return `{"v":${PROTOCOL_VERSION},"type":"join","invite":{"shortCode":"ABCD2345"},"name":"${nameJson}",${rest}}`;
}
