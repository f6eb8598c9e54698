/**
 * Owns the engine for the relay in use. Changing the relay (settings, a hosted relay, a join link naming
 * another relay) replaces the engine, but never under a person who is already in a consultation.
 */
import type { ConsultEngine } from '../engine/engine';

/** What a hosted relay tells other computers: its LAN address and the certificate fingerprint to pin. */
export interface Advertised {
  url: string | null;
  certificateFingerprint: string | null;
}

export class EngineHost {
  private readonly listeners = new Set<() => void>();
  private advertised: Advertised = { url: null, certificateFingerprint: null };

  constructor(
    private readonly createEngine: (relayUrl: string) => ConsultEngine,
    private current: { relayUrl: string; engine: ConsultEngine },
  ) {}

  static start(createEngine: (relayUrl: string) => ConsultEngine, relayUrl: string): EngineHost {
    return new EngineHost(createEngine, { relayUrl, engine: createEngine(relayUrl) });
  }

  get engine(): ConsultEngine {
    return this.current.engine;
  }

  get relayUrl(): string {
    return this.current.relayUrl;
  }

  /** The relay address other computers should use (a hosted relay's LAN address; else the one in use). */
  get advertisedRelayUrl(): string {
    return this.advertised.url ?? this.current.relayUrl;
  }

  /** The fingerprint others must pin to trust the advertised relay (a bundled relay's self-signed certificate). */
  get advertisedFingerprint(): string | null {
    return this.advertised.certificateFingerprint;
  }

  /** Returns false (and changes nothing) while a consultation is open on the current relay. */
  switchRelay(relayUrl: string, advertise: Advertised = { url: null, certificateFingerprint: null }): boolean {
    if (relayUrl === this.current.relayUrl) {
      this.advertised = advertise;
      return true;
    }
    if (this.current.engine.getSnapshot().consultation !== null) return false;
    const previous = this.current.engine;
    const preview = previous.getSnapshot().localStream;
    this.current = { relayUrl, engine: this.createEngine(relayUrl) };
    this.advertised = advertise;
    previous.dispose({ keepMedia: preview !== null });
    if (preview) this.current.engine.adoptPreview(preview);
    for (const listener of [...this.listeners]) listener();
    return true;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
