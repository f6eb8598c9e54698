import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PINS, PIN_FILE_NAME, PinStore } from '../../main/pin-store';

const FP = (byte: string): string => Array.from({ length: 32 }, () => byte).join(':');
const RELAY = { host: '192.168.1.5', port: 8787 };

describe('PinStore', () => {
  let dir: string;
  let warnings: string[];
  const store = (): PinStore => new PinStore(dir, (message) => warnings.push(message));
  const file = async (): Promise<unknown> => JSON.parse(await readFile(join(dir, PIN_FILE_NAME), 'utf8'));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clinic-pins-'));
    warnings = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('remembers pins with their host across restarts, newest first, once per host and fingerprint, for this user only', async () => {
    const first = store();
    expect(await first.load()).toEqual([]);
    await first.remember(RELAY, 'ab'.repeat(32), new Date('2026-11-24T10:00:00Z'));
    await first.remember({ host: '10.0.0.9', port: 8787 }, FP('CD'), new Date('2026-11-24T11:00:00Z'));
    await first.remember({ host: '192.168.1.5', port: 9000 }, FP('AB'), new Date('2026-11-24T12:00:00Z')); // same host, other port
    await first.remember({ host: '10.0.0.10', port: 8787 }, FP('AB'), new Date('2026-11-24T13:00:00Z')); // same certificate, other host
    const reloaded = await store().load();
    expect(reloaded.map((pin) => [pin.host, pin.fingerprint])).toEqual([
      ['10.0.0.10', FP('AB')],
      ['192.168.1.5', FP('AB')], // normalized, one entry for the host; the newest link's port
      ['10.0.0.9', FP('CD')],
    ]);
    expect(reloaded[1]).toEqual({ host: '192.168.1.5', port: 9000, fingerprint: FP('AB'), pinnedAt: '2026-11-24T12:00:00.000Z' });
    expect(await file()).toMatchObject({ version: 2 });
    expect((await stat(join(dir, PIN_FILE_NAME))).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([]);
  });

  it('writes hosts in one spelling', async () => {
    const pins = store();
    await pins.load();
    await pins.remember({ host: 'Relay.Clinic.Example', port: 443 }, FP('01'));
    await pins.remember({ host: '::1', port: 8787 }, FP('02'));
    expect((await store().load()).map((pin) => pin.host)).toEqual(['[::1]', 'relay.clinic.example']);
  });

  it(`keeps the ${MAX_PINS} most recent`, async () => {
    const pins = store();
    await pins.load();
    for (let i = 0; i < MAX_PINS + 5; i += 1) await pins.remember(RELAY, i.toString(16).padStart(2, '0').repeat(32));
    const kept = await store().load();
    expect(kept).toHaveLength(MAX_PINS);
    expect(kept[0]?.fingerprint).toBe(FP((MAX_PINS + 4).toString(16).padStart(2, '0').toUpperCase()));
  });

  it('a link that arrives while the file is still being read is not lost', async () => {
    await writeFile(
      join(dir, PIN_FILE_NAME),
      JSON.stringify({ version: 2, pins: [{ ...RELAY, fingerprint: FP('01'), pinnedAt: '2026-11-01T00:00:00.000Z' }] }),
    );
    const pins = store();
    const loaded = pins.load();
    const remembered = pins.remember(RELAY, FP('02'));
    expect((await loaded).map((pin) => pin.fingerprint)).toEqual([FP('01')]);
    await remembered;
    expect((await store().load()).map((pin) => pin.fingerprint)).toEqual([FP('02'), FP('01')]);
  });

  it("migrates a version 1 file: each fingerprint is trusted for its link's host only, and the file becomes version 2", async () => {
    const v1 = {
      version: 1,
      pins: [
        { fingerprint: 'ab'.repeat(32), relayUrl: 'wss://Relay.Clinic.Example:8443/ws', pinnedAt: '2026-11-02T00:00:00.000Z' },
        { fingerprint: FP('CD'), relayUrl: 'wss://192.168.1.5:8787', pinnedAt: '2026-11-01T00:00:00.000Z' },
        { fingerprint: FP('EF'), relayUrl: 'wss://[2001:db8::1]/ws', pinnedAt: '2026-10-01T00:00:00.000Z' },
        { fingerprint: FP('AA'), relayUrl: 'https://not-a-relay.example/', pinnedAt: '2026-09-01T00:00:00.000Z' },
      ],
    };
    await writeFile(join(dir, PIN_FILE_NAME), JSON.stringify(v1));
    const expected = [
      { host: 'relay.clinic.example', port: 8443, fingerprint: FP('AB'), pinnedAt: '2026-11-02T00:00:00.000Z' },
      { host: '192.168.1.5', port: 8787, fingerprint: FP('CD'), pinnedAt: '2026-11-01T00:00:00.000Z' },
      { host: '[2001:db8::1]', port: 443, fingerprint: FP('EF'), pinnedAt: '2026-10-01T00:00:00.000Z' },
    ];
    expect(await store().load()).toEqual(expected);
    expect(warnings).toEqual([expect.stringContaining('https://not-a-relay.example/')]); // no relay host: no longer trusted
    expect(await file()).toEqual({ version: 2, pins: expected });
    warnings = [];
    expect(await store().load()).toEqual(expected);
    expect(warnings).toEqual([]);
  });

  it('a damaged file trusts nothing, says so, and is kept aside for support', async () => {
    for (const damaged of [
      '{not json',
      JSON.stringify({
        version: 1,
        pins: [{ fingerprint: 'not-a-fingerprint', relayUrl: 'wss://a:1', pinnedAt: '2026-11-01T00:00:00.000Z' }],
      }),
      JSON.stringify({ version: 2, pins: [{ host: 'a b', port: 1, fingerprint: FP('01'), pinnedAt: '2026-11-01T00:00:00.000Z' }] }),
      JSON.stringify({ version: 2, pins: [{ fingerprint: FP('01'), pinnedAt: '2026-11-01T00:00:00.000Z' }] }), // no host: trusts nowhere
      JSON.stringify({ version: 3, pins: [] }),
    ]) {
      await writeFile(join(dir, PIN_FILE_NAME), damaged);
      warnings = [];
      expect(await store().load()).toEqual([]);
      expect(warnings).toEqual([expect.stringContaining('damaged')]);
      expect(await readFile(join(dir, 'trusted-relays.damaged.json'), 'utf8')).toBe(damaged);
    }
  });

  it('refuses to remember something that is not a fingerprint or not a host', async () => {
    const pins = store();
    await pins.load();
    await expect(pins.remember(RELAY, 'AB:CD')).rejects.toThrow(/fingerprint/);
    await expect(pins.remember({ host: 'a/b', port: 1 }, FP('01'))).rejects.toThrow(/host/);
    await expect(pins.remember({ host: 'a', port: 0 }, FP('01'))).rejects.toThrow(/not a pin/);
  });
});
