/**
 * This device's clinic staff credentials, one per relay address, in IndexedDB. The key pair is stored as a
 * CryptoKeyPair (IndexedDB takes CryptoKeys by structured clone) with its private half non-extractable: the
 * page's own script, and anyone reading the profile's storage, can have it sign but can never export it.
 */
import type { StaffCredential, StaffCredentialStore } from '../engine/engine';

const DATABASE = 'clinic-consult';
const CREDENTIALS = 'staff-credentials';

function openDatabase(factory: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = factory.open(DATABASE, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(CREDENTIALS);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

/** Runs one operation in its own transaction; resolves with its result once the transaction committed (durable). */
function inTransaction<T>(
  database: IDBDatabase,
  mode: IDBTransactionMode,
  operation: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(CREDENTIALS, mode);
    const request = operation(transaction.objectStore(CREDENTIALS));
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

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
  let database: Promise<IDBDatabase> | null = null;
  const open = (): Promise<IDBDatabase> => {
    database ??= openDatabase(factory);
    return database;
  };
  return {
    load: async () => asCredential(await inTransaction(await open(), 'readonly', (store) => store.get(relayUrl))),
    save: async (credential) => {
      await inTransaction(await open(), 'readwrite', (store) => store.put(credential, relayUrl));
    },
    clear: async () => {
      await inTransaction(await open(), 'readwrite', (store) => store.delete(relayUrl));
    },
  };
}
