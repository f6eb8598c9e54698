/**
 * A patient's device key for one relay. The first device to redeem an invite owns it: the relay binds the
 * invite to the public half of this key, and the device proves it holds the private half by signing each
 * socket's challenge ('patient-seat') when it joins and when it takes its seat back. One key per relay, made
 * once and kept (IndexedDB in the app, bridge/; memory in tests), so a reload or a reopened link is the same
 * device to the relay. The private half is non-extractable (signaling/device-auth.ts).
 */
import { createDeviceKey, type DeviceKey, signChallenge } from '../../signaling/device-auth';

/** Where this device keeps its patient key for one relay. */
export interface PatientKeyStore {
  load(): Promise<DeviceKey | null>;
  save(key: DeviceKey): Promise<void>;
}

/** A store that forgets on reload: for tests, and for an engine given none. */
export class MemoryPatientKeyStore implements PatientKeyStore {
  constructor(private key: DeviceKey | null = null) {}

  async load(): Promise<DeviceKey | null> {
    return this.key;
  }

  async save(key: DeviceKey): Promise<void> {
    this.key = key;
  }
}

/** What goes into a `join` or a patient's `resume`: the key the relay knows the device by, and this socket's proof. */
export interface DeviceProof {
  publicKey: string;
  signature: string;
}

export interface PatientDeviceDeps {
  store: PatientKeyStore;
  log(event: string, detail?: string): void;
}

export class PatientDevice {
  private key: Promise<DeviceKey> | null = null;

  constructor(private readonly deps: PatientDeviceDeps) {}

  /** Signs `challenge` for a patient's seat; null when this browser cannot make or use a key (said in the timeline). */
  async prove(challenge: string): Promise<DeviceProof | null> {
    try {
      const key = await this.ownKey();
      return { publicKey: key.publicKey, signature: await signChallenge(key.keyPair.privateKey, 'patient-seat', challenge) };
    } catch (err) {
      this.deps.log('device-key-failed', errorText(err));
      this.key = null; // a later attempt tries again (e.g. storage was busy)
      return null;
    }
  }

  /** The stored key, else a new one, stored before it is used: a seat must never hang on a key that was not kept. */
  private ownKey(): Promise<DeviceKey> {
    this.key ??= this.loadOrCreate();
    return this.key;
  }

  private async loadOrCreate(): Promise<DeviceKey> {
    const stored = await this.deps.store.load().catch((err: unknown) => {
      this.deps.log('patient-key-unreadable', errorText(err));
      return null;
    });
    if (stored) return stored;
    const key = await createDeviceKey();
    // Not kept (private browsing, storage full): the seat still works until the page is closed.
    await this.deps.store.save(key).catch((err: unknown) => this.deps.log('patient-key-not-saved', errorText(err)));
    return key;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
