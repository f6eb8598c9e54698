/**
 * The app's IndexedDB database: this device's keys, one per relay address, in one object store per kind. Keys
 * are stored as CryptoKeys (IndexedDB takes them by structured clone) with their private halves
 * non-extractable: the page's own script, and anyone reading the profile's storage, can have them sign but can
 * never export them.
 */

const DATABASE = 'clinic-consult';
/** 1: staff credentials; 2: patient device keys beside them. */
const VERSION = 2;

export const STAFF_CREDENTIALS = 'staff-credentials';
export const PATIENT_KEYS = 'patient-keys';
type StoreName = typeof STAFF_CREDENTIALS | typeof PATIENT_KEYS;

const databases = new WeakMap<IDBFactory, Promise<IDBDatabase>>();

/** The database, opened once per factory (upgraded from version 1 without touching what it holds). */
export function openDeviceDatabase(factory: IDBFactory): Promise<IDBDatabase> {
  let database = databases.get(factory);
  if (!database) {
    database = new Promise((resolve, reject) => {
      const open = factory.open(DATABASE, VERSION);
      open.onupgradeneeded = () => {
        for (const name of [STAFF_CREDENTIALS, PATIENT_KEYS]) {
          if (!open.result.objectStoreNames.contains(name)) open.result.createObjectStore(name);
        }
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    // A failed open (storage blocked) is not remembered: the next use tries again.
    database.catch(() => databases.delete(factory));
    databases.set(factory, database);
  }
  return database;
}

/** Runs one operation in its own transaction; resolves with its result once the transaction committed (durable). */
export async function inTransaction<T>(
  factory: IDBFactory,
  storeName: StoreName,
  mode: IDBTransactionMode,
  operation: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const database = await openDeviceDatabase(factory);
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(storeName, mode);
    const request = operation(transaction.objectStore(storeName));
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}
