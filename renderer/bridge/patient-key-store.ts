/**
 * This device's patient key, one per relay address, in IndexedDB (device-db.ts): the key an invite is bound to
 * when this device redeems it, so that a reload, or the same link opened again here, is the same device.
 */
import type { DeviceKey } from '../../signaling/device-auth';
import type { PatientKeyStore } from '../engine/engine';
import { inTransaction, PATIENT_KEYS } from './device-db';

/** What was stored, if it still has the shape of a device key (anything else reads as none, and a new key is made). */
function asDeviceKey(value: unknown): DeviceKey | null {
  if (typeof value !== 'object' || value === null) return null;
  const { publicKey, keyPair } = value as Partial<Record<keyof DeviceKey, unknown>>;
  const keys = keyPair as Partial<Record<'privateKey' | 'publicKey', unknown>> | null | undefined;
  if (typeof publicKey !== 'string' || !(keys?.privateKey instanceof CryptoKey) || !(keys.publicKey instanceof CryptoKey)) return null;
  return { publicKey, keyPair: { privateKey: keys.privateKey, publicKey: keys.publicKey } };
}

export function createPatientKeyStore(relayUrl: string, factory: IDBFactory = indexedDB): PatientKeyStore {
  return {
    load: async () => asDeviceKey(await inTransaction(factory, PATIENT_KEYS, 'readonly', (store) => store.get(relayUrl))),
    save: async (key) => {
      await inTransaction(factory, PATIENT_KEYS, 'readwrite', (store) => store.put(key, relayUrl));
    },
  };
}
