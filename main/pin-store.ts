/**
 * The self-signed relay certificates a person chose to trust (a consultation link's `fp=`, confirmed), each
 * for the host it was confirmed for, remembered across restarts: without this, a patient who saved that
 * relay could not reach it again after restarting the app until they reopened the link. Written by main
 * only — the renderer's settings can never add trust. A damaged file means nothing is remembered (the links
 * still work, after a new confirmation) and is kept for support.
 *
 * Version 2 (now): `{ host, port, fingerprint, pinnedAt }`. Version 1 trusted a fingerprint for every host
 * and kept the link's `relayUrl` for people to read; its entries are read as pins for that URL's host, and
 * the file is rewritten as version 2.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from './atomic-file';
import { normalizeFingerprint, normalizeHost, type RelayEndpoint, relayEndpoint } from './certificate-pins';

export const PIN_FILE_NAME = 'trusted-relays.json';
/** The most recent links win; an old clinic relay ages out instead of being trusted forever. */
export const MAX_PINS = 20;

const fingerprint = z.string().transform((value, context) => {
  const normalized = normalizeFingerprint(value);
  if (!normalized) context.addIssue({ code: 'custom', message: 'not a SHA-256 fingerprint' });
  return normalized ?? '';
});

const pinnedRelay = z.object({
  /** The host the certificate is trusted for (see certificate-pins.ts: by host, not by port). */
  host: z.string().transform((value, context) => {
    const normalized = normalizeHost(value);
    if (!normalized) context.addIssue({ code: 'custom', message: 'not a host' });
    return normalized ?? '';
  }),
  /** The port of the link that was confirmed, for people reading the file. */
  port: z.number().int().min(1).max(65535),
  fingerprint,
  pinnedAt: z.iso.datetime(),
});
export type PinnedRelay = z.infer<typeof pinnedRelay>;

const pinFileV2 = z.object({ version: z.literal(2), pins: z.array(pinnedRelay).max(MAX_PINS) });
const pinFileV1 = z.object({
  version: z.literal(1),
  pins: z.array(z.object({ fingerprint, relayUrl: z.string().url(), pinnedAt: z.iso.datetime() })).max(MAX_PINS),
});
const pinFile = z.discriminatedUnion('version', [pinFileV2, pinFileV1]);

const samePin = (a: PinnedRelay, b: PinnedRelay): boolean => a.host === b.host && a.fingerprint === b.fingerprint;

export class PinStore {
  readonly file: string;
  private pins: PinnedRelay[] = [];
  /** Loading, then each write in turn: a link that arrives while the file is read is never lost. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly directory: string,
    private readonly warn: (message: string) => void,
  ) {
    this.file = join(directory, PIN_FILE_NAME);
  }

  /** The remembered pins, newest first; [] when there is no file or it is damaged (with a warning). */
  load(): Promise<PinnedRelay[]> {
    const loaded = this.queue.then(() => this.read());
    this.queue = loaded;
    return loaded;
  }

  /** Remembers a confirmed pin (newest first, one entry per host and fingerprint, at most MAX_PINS). */
  remember(endpoint: RelayEndpoint, fingerprint: string, now = new Date()): Promise<void> {
    const parsed = pinnedRelay.safeParse({ host: endpoint.host, port: endpoint.port, fingerprint, pinnedAt: now.toISOString() });
    if (!parsed.success) return Promise.reject(new Error(`not a pin: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`));
    const entry = parsed.data;
    const written = this.queue.then(async () => {
      this.pins = [entry, ...this.pins.filter((pin) => !samePin(pin, entry))].slice(0, MAX_PINS);
      await this.write();
    });
    this.queue = written.catch(() => undefined);
    return written;
  }

  private write(): Promise<void> {
    return writeFileAtomically(this.file, `${JSON.stringify({ version: 2, pins: this.pins }, null, 2)}\n`);
  }

  private async read(): Promise<PinnedRelay[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.warn(`trusted relays could not be read: ${(err as Error).message}`);
      this.pins = [];
      return this.pins;
    }
    let parsed: ReturnType<typeof pinFile.safeParse>;
    try {
      parsed = pinFile.safeParse(JSON.parse(text));
    } catch {
      parsed = pinFile.safeParse(undefined);
    }
    if (!parsed.success) {
      this.warn('trusted relays file was damaged; it is kept as trusted-relays.damaged.json and nothing is trusted from it');
      await rename(this.file, join(this.directory, 'trusted-relays.damaged.json')).catch(() => undefined);
      this.pins = [];
      return this.pins;
    }
    if (parsed.data.version === 2) {
      this.pins = parsed.data.pins;
      return this.pins;
    }
    this.pins = this.migrate(parsed.data.pins);
    await this.write().catch((err: unknown) => this.warn(`trusted relays could not be rewritten: ${(err as Error).message}`));
    return this.pins;
  }

  /** Version 1 → 2: each fingerprint is trusted for its link's host only; an entry without one is dropped. */
  private migrate(v1: z.infer<typeof pinFileV1>['pins']): PinnedRelay[] {
    const pins: PinnedRelay[] = [];
    for (const old of v1) {
      const endpoint = relayEndpoint(old.relayUrl);
      if (!endpoint) {
        this.warn(`a trusted relay without a host (${old.relayUrl}) is no longer trusted`);
        continue;
      }
      const entry: PinnedRelay = { ...endpoint, fingerprint: old.fingerprint, pinnedAt: old.pinnedAt };
      if (!pins.some((pin) => samePin(pin, entry))) pins.push(entry);
    }
    return pins;
  }
}
