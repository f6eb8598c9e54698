/** This device's clinic staff credentials, one per relay address, in IndexedDB (device-db.ts). */
import type { StaffCredential, StaffCredentialStore } from '../engine/engine';
import { inTransaction, STAFF_CREDENTIALS } from './device-db';

/** What was stored, if it still has the shape of a credential (anything else reads as none). */
function asCredential(value: unknown): StaffCredential | null {
  if (typeof value !== 'object' || value === null) return null;
  const { credentialId, staff, keyPair } = value as Partial<Record<keyof StaffCredential, unknown>>;
  const person = staff as Partial<Record<'id' | 'name', unknown>> | null | undefined;
  const keys = keyPair as Partial<Record<'privateKey' | 'publicKey', unknown>> | null | undefined;
  if (typeof credentialId !== 'string' || typeof person?.id !== 'string' || typeof person.name !== 'string') return null;
  if (!(keys?.privateKey instanceof CryptoKey) || !(keys.publicKey instanceof CryptoKey)) return null;
  return { credentialId, staff: { id: person.id, name: person.name }, keyPair: { privateKey: keys.privateKey, publicKey: keys.publicKey } };
}

/** The credential store for the relay at `relayUrl` (each relay enrolls its own staff and devices). */
export function createStaffCredentialStore(relayUrl: string, factory: IDBFactory = indexedDB): StaffCredentialStore {
  return {
    load: async () => asCredential(await inTransaction(factory, STAFF_CREDENTIALS, 'readonly', (store) => store.get(relayUrl))),
    save: async (credential) => {
      await inTransaction(factory, STAFF_CREDENTIALS, 'readwrite', (store) => store.put(credential, relayUrl));
    },
    clear: async () => {
      await inTransaction(factory, STAFF_CREDENTIALS, 'readwrite', (store) => store.delete(relayUrl));
    },
  };
}
