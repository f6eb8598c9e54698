/**
 * main/index.ts wiring the updates (main/updates.ts) with `electron` and `electron-updater` stood in: an
 * installed build follows the relay from settings, verifies the feed's certificate in electron-updater's
 * own session with the app's pins, and answers the page over IPC. What only the Electron binary would show
 * (Chromium calling that verify proc for electron-updater's `net` requests) cannot run here.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../../contract/bridge';
import { IpcChannel, IpcEvent } from '../../contract/ipc';
import { VERIFY_DEFAULT, VERIFY_TRUST } from '../../main/certificate-pins';
import { PIN_FILE_NAME } from '../../main/pin-store';
import { loadOrCreateRelayCertificate, type RelayCertificate } from '../../main/relay-certificate';
import { SETTINGS_FILE_NAME } from '../../main/settings-store';
import type { FakeElectron } from './fake-electron';

const fake: FakeElectron = await vi.hoisted(async () => (await import('./fake-electron')).createFakeElectron());
vi.mock('electron', () => fake.module);
const updater = await vi.hoisted(async () => {
  const { EventEmitter } = await import('node:events');
  const { vi: hoistedVi } = await import('vitest');
  const emitter = Object.assign(new EventEmitter(), {
    autoDownload: true,
    autoInstallOnAppQuit: false,
    allowDowngrade: true,
    disableDifferentialDownload: false,
    logger: null as unknown,
    setFeedURL: hoistedVi.fn(),
    checkForUpdates: hoistedVi.fn(async (): Promise<unknown> => null),
    downloadUpdate: hoistedVi.fn(async () => ['/cache/Clinic-Consult-1.2.3.AppImage']),
    quitAndInstall: hoistedVi.fn(),
  });
  return emitter;
});
const updaterModuleLoaded = vi.hoisted(() => ({ count: 0 }));
vi.mock('electron-updater', async () => {
  updaterModuleLoaded.count += 1;
  const { CancellationToken } = await import('builder-util-runtime');
  return { default: { autoUpdater: updater, CancellationToken } };
});
vi.mock('pino', async (importOriginal) => {
  const real = await importOriginal<typeof import('pino')>();
  return { ...real, pino: () => real.pino({ level: 'silent' }) };
});

const APP_FRAME = { senderFrame: { url: 'app://clinic/index.html', parent: null } };
const RELAY = 'wss://relay.clinic.example:8787/ws';
const FEED = { provider: 'generic', url: 'https://relay.clinic.example:8787/downloads/' };
let dir: string;
let certificate: RelayCertificate;

beforeAll(async () => {
  const certDir = await mkdtemp(join(tmpdir(), 'clinic-update-cert-'));
  certificate = await loadOrCreateRelayCertificate(certDir);
  return () => rm(certDir, { recursive: true, force: true });
});

/** Starts main/index.ts as an installed build (or not), with settings naming the clinic's relay, pinned. */
async function boot(packaged: boolean): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'clinic-update-entry-'));
  const userData = join(dir, 'userData');
  await mkdir(join(dir, 'app', 'renderer', 'dist'), { recursive: true });
  await mkdir(userData, { recursive: true });
  await writeFile(join(dir, 'app', 'renderer', 'dist', 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(userData, SETTINGS_FILE_NAME), JSON.stringify({ ...DEFAULT_SETTINGS, relayUrl: RELAY }));
  const pin = { host: 'relay.clinic.example', port: 8787, fingerprint: certificate.fingerprint, pinnedAt: '2026-03-01T10:00:00.000Z' };
  await writeFile(join(userData, PIN_FILE_NAME), JSON.stringify({ version: 2, pins: [pin] }));
  fake.reset({ userData, appPath: join(dir, 'app') });
  fake.module.app.isPackaged = packaged;
  vi.resetModules();
  await import('../../main/index');
  await vi.waitFor(() => expect(fake.windows).toHaveLength(1), { timeout: 5000 });
}

function invoke(channel: string, ...args: unknown[]): Promise<unknown> {
  const handler = fake.ipcHandlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return Promise.resolve(handler(APP_FRAME, ...args));
}

type VerifyProc = (request: { hostname: string; certificate: { data: string } }, callback: (code: number) => void) => void;
function verdict(proc: unknown, hostname: string): Promise<number> {
  return new Promise((resolve) => (proc as VerifyProc)({ hostname, certificate: { data: certificate.cert } }, resolve));
}

beforeEach(() => {
  vi.spyOn(process, 'argv', 'get').mockReturnValue(['/usr/bin/electron', '.']);
  updaterModuleLoaded.count = 0;
  updater.removeAllListeners();
  updater.checkForUpdates.mockImplementation(async () => null);
  Object.assign(updater, { autoDownload: true, autoInstallOnAppQuit: false, allowDowngrade: true, disableDifferentialDownload: false });
});
afterEach(async () => {
  const event = { preventDefault: vi.fn() };
  fake.module.app.emit('before-quit', event); // stops the update timer and the hosted relay
  await vi.waitFor(() => expect(fake.module.app.quit).toHaveBeenCalled(), { timeout: 5000 });
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('updates in the main process', () => {
  it("an installed build: electron-updater's session trusts the relay's pinned certificate for its host only, as the app's", async () => {
    await boot(true);
    const partition = fake.partitions.get('electron-updater');
    expect(partition?.options).toEqual({ cache: false });
    expect(await verdict(partition?.verify, 'relay.clinic.example')).toBe(VERIFY_TRUST);
    expect(await verdict(partition?.verify, 'other.example')).toBe(VERIFY_DEFAULT);
    // The very same verdicts as the page's session.
    expect(await verdict(fake.sessionHandlers.verify, 'relay.clinic.example')).toBe(VERIFY_TRUST);
    expect(await verdict(fake.sessionHandlers.verify, 'other.example')).toBe(VERIFY_DEFAULT);
  });

  it('follows the relay from settings, checks at start, and a relay saved later is the new feed', async () => {
    await boot(true);
    expect(updater).toMatchObject({ autoDownload: false, autoInstallOnAppQuit: true, allowDowngrade: false });
    expect(updater.setFeedURL).toHaveBeenCalledWith(FEED);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(1);
    await invoke(IpcChannel.saveSettings, { ...DEFAULT_SETTINGS, relayUrl: 'wss://relay2.clinic.example/ws' });
    expect(updater.setFeedURL).toHaveBeenLastCalledWith({ provider: 'generic', url: 'https://relay2.clinic.example/downloads/' });
    await vi.waitFor(() => expect(updater.checkForUpdates).toHaveBeenCalledTimes(2));
  });

  it('tells the page, hears whether a consultation is on, and restarts into a downloaded update only between them', async () => {
    const updateInfo = { version: '1.2.3', files: [], path: 'x', sha512: 'x', releaseDate: '2026-03-01T10:00:00.000Z' };
    updater.checkForUpdates.mockImplementation(async () => ({ isUpdateAvailable: true, updateInfo, versionInfo: updateInfo }));
    let finish: (files: string[]) => void = () => {};
    updater.downloadUpdate.mockImplementationOnce(
      () =>
        new Promise<string[]>((resolve) => {
          finish = resolve;
        }),
    );
    await boot(true);
    // The page asks when it subscribes (a push before the window exists reaches no one), then hears each change.
    await vi.waitFor(async () => expect(await invoke(IpcChannel.updateStatus)).toMatchObject({ state: 'downloading', version: '1.2.3' }));
    finish(['/cache/Clinic-Consult-1.2.3.AppImage']);
    const window = fake.windows[0];
    const pushes = () =>
      window?.webContents.send.mock.calls.filter(([channel]) => channel === IpcEvent.updateStatus).map(([, status]) => status);
    await vi.waitFor(() =>
      expect(pushes()?.at(-1)).toEqual({ state: 'downloaded', version: '1.2.3', percent: null, waitingForCall: false }),
    );
    await invoke(IpcChannel.updateInCall, true);
    expect(await invoke(IpcChannel.updateRestart)).toBe(false);
    expect(updater.quitAndInstall).not.toHaveBeenCalled();
    await invoke(IpcChannel.updateInCall, false);
    expect(await invoke(IpcChannel.updateRestart)).toBe(true);
    expect(updater.quitAndInstall).toHaveBeenCalledWith(true, true);
  });

  it('a development run (not installed) never loads electron-updater and says updates are off', async () => {
    await boot(false);
    expect(updaterModuleLoaded.count).toBe(0);
    expect(fake.partitions.has('electron-updater')).toBe(false);
    expect(await invoke(IpcChannel.updateStatus)).toEqual({ state: 'off', version: null, percent: null, waitingForCall: false });
    expect(await invoke(IpcChannel.updateRestart)).toBe(false);
    await expect(invoke(IpcChannel.updateInCall, 'yes')).rejects.toThrow('IPC_BAD_ARGUMENTS');
  });
});
