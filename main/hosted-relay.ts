/**
 * "Host a relay on this computer": the standalone relay's own `startRelay`, run inside the main process on
 * the LAN. Start/stop calls are serialised, so a double click cannot start two servers on one port.
 * Node only, no Electron: tested with real WebSocket clients.
 */
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { HostedRelayStatus } from '../contract/bridge';
import { hostEnrollmentCode } from '../signaling/host-staff';
import { type Relay, type RelayOptions, startRelay as startRelayServer } from '../signaling/server';
import { openStore } from '../signaling/store/sqlite-store';
import type { RelayStore } from '../signaling/store/store';
import { lanAddresses, lanRelayUrls, type NetworkInterfaces } from './lan-addresses';
import type { RelayCertificate } from './relay-certificate';

export interface HostedRelayOptions {
  /** Interface to bind; the LAN (0.0.0.0) unless a test narrows it. */
  host?: string;
  logger?: Logger;
  startRelay?: (options: RelayOptions) => Promise<Relay>;
  interfaces?: () => NetworkInterfaces;
  /**
   * The relay's TLS certificate. With it the relay speaks wss://: a secure app page may reach it from other
   * computers (plain ws:// to another host is mixed content), which pin its fingerprint.
   */
  certificate?: () => Promise<RelayCertificate>;
  /**
   * The relay's data folder (the app's userData): its staff, devices and closed consultations outlive the
   * app. None: memory only (tests).
   */
  dataDir?: string;
  /** The name the host is enrolled under the first time (patients see it as the clinician's name). */
  hostName?: () => string;
}

export class HostedRelay {
  private relay: Relay | null = null;
  private store: RelayStore | null = null;
  private fingerprint: string | null = null;
  private lastError: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly host: string;
  private readonly startRelay: (options: RelayOptions) => Promise<Relay>;
  private readonly interfaces: () => NetworkInterfaces;

  constructor(private readonly options: HostedRelayOptions = {}) {
    this.host = options.host ?? '0.0.0.0';
    this.startRelay = options.startRelay ?? startRelayServer;
    this.interfaces = options.interfaces ?? networkInterfaces;
  }

  /** Starts on `port` (0: any free port). Already running on that port: nothing changes; on another: moves. */
  start(port: number): Promise<HostedRelayStatus> {
    return this.serialise(async () => {
      if (this.relay && (port === 0 || this.relay.port === port)) return this.snapshot();
      await this.closeCurrent();
      try {
        const certificate = this.options.certificate ? await this.options.certificate() : null;
        this.store = await openStore(this.options.dataDir ? { directory: this.options.dataDir } : { memory: true });
        this.relay = await this.startRelay({
          port,
          host: this.host,
          staticDir: null,
          tls: certificate ? { cert: certificate.cert, key: certificate.key } : null,
          store: this.store,
          ...(this.options.logger ? { logger: this.options.logger } : {}),
        });
        this.fingerprint = certificate?.fingerprint ?? null;
        this.lastError = null;
      } catch (err) {
        this.relay = null;
        await this.store?.close();
        this.store = null;
        this.fingerprint = null;
        this.lastError = startErrorMessage(port, err);
      }
      return this.snapshot();
    });
  }

  stop(): Promise<HostedRelayStatus> {
    return this.serialise(async () => {
      await this.closeCurrent();
      this.lastError = null;
      return this.snapshot();
    });
  }

  status(): Promise<HostedRelayStatus> {
    return this.serialise(async () => this.snapshot());
  }

  /** A one-time code that makes this computer's user the hosted relay's staff member (see host-staff.ts). */
  hostEnrollment(): Promise<string | null> {
    return this.serialise(async () => {
      if (!this.relay || !this.store) return null;
      return hostEnrollmentCode(this.store, this.options.hostName?.() ?? 'Clinician', Date.now());
    });
  }

  /** The address this computer's own renderer uses: loopback, which needs no LAN route. */
  loopbackUrl(): string | null {
    return this.relay ? `${this.scheme()}://127.0.0.1:${this.relay.port}/ws` : null;
  }

  /**
   * The hosts this relay is reached at while it runs: loopback (this app) and the LAN addresses it shares
   * in links. Its own certificate is trusted for these only (certificate-pins.ts); none while stopped.
   */
  hostnames(): string[] {
    return this.relay ? ['127.0.0.1', ...lanAddresses(this.interfaces())] : [];
  }

  private snapshot(): HostedRelayStatus {
    if (!this.relay) return { running: false, port: null, lanUrls: [], certificateFingerprint: null, error: this.lastError };
    return {
      running: true,
      port: this.relay.port,
      lanUrls: lanRelayUrls(this.interfaces(), this.relay.port, this.scheme()),
      certificateFingerprint: this.fingerprint,
      error: null,
    };
  }

  private scheme(): 'ws' | 'wss' {
    return this.fingerprint ? 'wss' : 'ws';
  }

  private async closeCurrent(): Promise<void> {
    const relay = this.relay;
    const store = this.store;
    this.relay = null;
    this.store = null;
    if (relay) await relay.close();
    await store?.close();
  }

  private serialise<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

export function startErrorMessage(port: number, err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
  if (code === 'EADDRINUSE') return `Port ${port} is already in use on this computer. Choose another port or close the program using it.`;
  if (code === 'EACCES') return `Port ${port} needs administrator rights. Choose a port from 1024 to 65535.`;
  return `The relay could not start: ${err instanceof Error ? err.message : String(err)}`;
}
