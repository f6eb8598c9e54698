import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PINS, PIN_FILE_NAME, PinStore } from '../../main/pin-store';

const FP = (byte: string): string => Array.from({ length: 32 }, () => byte).join(':');
const RELAY = 'wss://192.168.1.5:8787';

describe('PinStore', () => {
  let dir: string;
  let warnings: string[];
  const store = (): PinStore => new PinStore(dir, (message) => warnings.push(message));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clinic-pins-'));
    warnings = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('remembers pins across restarts, newest first, once per fingerprint, readable by this user only', async () => {
    const first = store();
    expect(await first.load()).toEqual([]);
    await first.remember('ab'.repeat(32), RELAY, new Date('2026-11-24T10:00:00Z'));
    await first.remember(FP('CD'), 'wss://10.0.0.9:8787', new Date('2026-11-24T11:00:00Z'));
    await first.remember(FP('AB'), RELAY, new Date('2026-11-24T12:00:00Z')); // same certificate again
    const reloaded = await store().load();
    expect(reloaded.map((pin) => pin.fingerprint)).toEqual([FP('AB'), FP('CD')]); // normalized, deduplicated
    expect(reloaded[0]).toMatchObject({ relayUrl: RELAY, pinnedAt: '2026-11-24T12:00:00.000Z' });
    expect((await stat(join(dir, PIN_FILE_NAME))).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([]);
  });

  it(`keeps the ${MAX_PINS} most recent`, async () => {
    const pins = store();
    await pins.load();
    for (let i = 0; i < MAX_PINS + 5; i += 1) await pins.remember(i.toString(16).padStart(2, '0').repeat(32), RELAY);
    const kept = await store().load();
    expect(kept).toHaveLength(MAX_PINS);
    expect(kept[0]?.fingerprint).toBe(FP((MAX_PINS + 4).toString(16).padStart(2, '0').toUpperCase()));
  });

  it('a link that arrives while the file is still being read is not lost', async () => {
    await writeFile(
      join(dir, PIN_FILE_NAME),
      JSON.stringify({ version: 1, pins: [{ fingerprint: FP('01'), relayUrl: RELAY, pinnedAt: '2026-11-01T00:00:00.000Z' }] }),
    );
    const pins = store();
    const loaded = pins.load();
    const remembered = pins.remember(FP('02'), RELAY);
    expect((await loaded).map((pin) => pin.fingerprint)).toEqual([FP('01')]);
    await remembered;
    expect((await store().load()).map((pin) => pin.fingerprint)).toEqual([FP('02'), FP('01')]);
  });

  it('a damaged file trusts nothing, says so, and is kept aside for support', async () => {
    for (const damaged of [
      '{not json',
      JSON.stringify({ version: 1, pins: [{ fingerprint: 'not-a-fingerprint', relayUrl: RELAY, pinnedAt: '2026-11-01T00:00:00.000Z' }] }),
    ]) {
      await writeFile(join(dir, PIN_FILE_NAME), damaged);
      warnings = [];
      expect(await store().load()).toEqual([]);
      expect(warnings).toEqual([expect.stringContaining('damaged')]);
      expect(await readFile(join(dir, 'trusted-relays.damaged.json'), 'utf8')).toBe(damaged);
    }
  });

  it('refuses to remember something that is not a fingerprint', async () => {
    const pins = store();
    await pins.load();
    await expect(pins.remember('AB:CD', RELAY)).rejects.toThrow(/fingerprint/);
  });
});
