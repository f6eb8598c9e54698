/**
 * The self-signed relay certificates a person chose to trust by opening a consultation link (its `fp=`),
 * remembered across restarts: without this, a patient who saved that relay could not reach it again after
 * restarting the app until they reopened the link. Written by main only — the renderer's settings can never
 * add trust. A damaged file means nothing is remembered (the links still work) and is kept for support.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from './atomic-file';
import { normalizeFingerprint } from './certificate-pins';

export const PIN_FILE_NAME = 'trusted-relays.json';
/** The most recent links win; an old clinic relay ages out instead of being trusted forever. */
export const MAX_PINS = 20;

const pinnedRelay = z.object({
  fingerprint: z.string().transform((value, context) => {
    const normalized = normalizeFingerprint(value);
    if (!normalized) context.addIssue({ code: 'custom', message: 'not a SHA-256 fingerprint' });
    return normalized ?? '';
  }),
  /** The relay the link named, for people reading the file; trust is by fingerprint alone. */
  relayUrl: z.string().url(),
  pinnedAt: z.iso.datetime(),
});
export type PinnedRelay = z.infer<typeof pinnedRelay>;

const pinFile = z.object({ version: z.literal(1), pins: z.array(pinnedRelay).max(MAX_PINS) });

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

  /** Remembers a pin from an opened link (newest first, one entry per fingerprint, at most MAX_PINS). */
  remember(fingerprint: string, relayUrl: string, now = new Date()): Promise<void> {
    const parsed = pinnedRelay.safeParse({ fingerprint, relayUrl, pinnedAt: now.toISOString() });
    if (!parsed.success) return Promise.reject(new Error(`not a pin: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`));
    const entry = parsed.data;
    const written = this.queue.then(async () => {
      this.pins = [entry, ...this.pins.filter((pin) => pin.fingerprint !== entry.fingerprint)].slice(0, MAX_PINS);
      await writeFileAtomically(this.file, `${JSON.stringify({ version: 1, pins: this.pins }, null, 2)}\n`);
    });
    this.queue = written.catch(() => undefined);
    return written;
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
    this.pins = parsed.data.pins;
    return this.pins;
  }
}
