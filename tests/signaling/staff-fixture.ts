/**
 * Clinic staff for relay tests: a staff member enrolled straight into the store with a device key made here
 * (Node's WebCrypto, the same code the app runs), and the sign-in a device does on each socket.
 */
import { createDeviceKey, publicKeyPem, signChallenge } from '../../signaling/device-auth';
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
