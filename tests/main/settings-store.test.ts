import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../contract/bridge';
import { DAMAGED_SETTINGS_FILE_NAME, SETTINGS_FILE_NAME, SettingsStore, salvageSettings } from '../../main/settings-store';

const VALID: Settings = {
  relayUrl: 'wss://relay.clinic.example:8443/ws',
  displayName: 'Dr Ada Lovelace',
  cameraId: 'cam-1',
  microphoneId: 'mic-1',
  speakerId: null,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clinic-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('SettingsStore.load', () => {
  it('gives the defaults without a warning on first start (no file)', async () => {
    expect(await new SettingsStore(dir).load()).toEqual({ settings: DEFAULT_SETTINGS, warning: null });
  });

  it('round-trips what save wrote', async () => {
    const store = new SettingsStore(dir);
    await store.save(VALID);
    expect(await store.load()).toEqual({ settings: VALID, warning: null });
  });

  it('resets a file that is not JSON to the defaults, warns, and keeps the damaged file aside', async () => {
    await writeFile(join(dir, SETTINGS_FILE_NAME), '{"relayUrl": "ws://a:1/ws", truncated');
    const result = await new SettingsStore(dir).load();
    expect(result.settings).toEqual(DEFAULT_SETTINGS);
    expect(result.warning).toMatch(/damaged/);
    expect(await readFile(join(dir, DAMAGED_SETTINGS_FILE_NAME), 'utf8')).toContain('truncated');
    // The next start is clean: no warning twice for the same damage.
    expect((await new SettingsStore(dir).load()).warning).toBeNull();
  });

  it('resets a JSON document of the wrong type (array, number, null)', async () => {
    for (const body of ['[]', '42', 'null', '"text"']) {
      await writeFile(join(dir, SETTINGS_FILE_NAME), body);
      const result = await new SettingsStore(dir).load();
      expect(result.settings).toEqual(DEFAULT_SETTINGS);
      expect(result.warning).not.toBeNull();
    }
  });

  it('keeps valid fields, resets invalid ones, names them, and stores the salvaged result', async () => {
    await writeFile(
      join(dir, SETTINGS_FILE_NAME),
      JSON.stringify({ ...VALID, relayUrl: 'http://not-a-websocket.example/', displayName: 'x'.repeat(500) }),
    );
    const result = await new SettingsStore(dir).load();
    expect(result.settings).toEqual({ ...VALID, relayUrl: null, displayName: '' });
    expect(result.warning).toBe('Some saved settings were not valid and were reset: relayUrl, displayName.');
    expect(await exists(join(dir, DAMAGED_SETTINGS_FILE_NAME))).toBe(true);
    expect(await new SettingsStore(dir).load()).toEqual({ settings: { ...VALID, relayUrl: null, displayName: '' }, warning: null });
  });

  it('fills fields an older file lacks with defaults, without a warning', async () => {
    await writeFile(join(dir, SETTINGS_FILE_NAME), JSON.stringify({ displayName: 'Nurse Joy' }));
    expect(await new SettingsStore(dir).load()).toEqual({ settings: { ...DEFAULT_SETTINGS, displayName: 'Nurse Joy' }, warning: null });
  });

  it('warns instead of crashing when the file cannot be read', async () => {
    await writeFile(join(dir, 'not-a-dir'), '');
    const result = await new SettingsStore(join(dir, 'not-a-dir')).load();
    expect(result.settings).toEqual(DEFAULT_SETTINGS);
    expect(result.warning).toMatch(/ENOTDIR/);
  });
});

describe('SettingsStore.save', () => {
  it('refuses invalid settings and leaves the stored ones untouched', async () => {
    const store = new SettingsStore(dir);
    await store.save(VALID);
    await expect(store.save({ ...VALID, relayUrl: 'javascript:alert(1)' })).rejects.toThrow(/relay address/);
    expect((await store.load()).settings).toEqual(VALID);
  });

  it('creates the user data folder when it does not exist yet', async () => {
    const store = new SettingsStore(join(dir, 'nested', 'userData'));
    await store.save(VALID);
    expect(JSON.parse(await readFile(store.file, 'utf8'))).toEqual(VALID);
  });
});

describe('salvageSettings', () => {
  it('drops unknown keys', () => {
    expect(salvageSettings({ ...VALID, admin: true }).settings).toEqual(VALID);
  });
  it('resets every field of a non-object', () => {
    expect(salvageSettings('x').resetFields).toEqual(Object.keys(DEFAULT_SETTINGS));
  });
});
