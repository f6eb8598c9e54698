/**
 * main/updates.ts: electron-updater driven by the update policy, with a fake updater and a fake session
 * (the Electron binary cannot run here). The real electron-updater's side is tests/signaling/update-feed.test.ts.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import electronUpdater, { CancellationToken, type Logger, type UpdateCheckResult } from 'electron-updater';
import { NET_SESSION_NAME } from 'electron-updater/out/electronHttpExecutor.js';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { UpdateStatus } from '../../contract/bridge';
import { CertificatePins, VERIFY_DEFAULT, VERIFY_TRUST } from '../../main/certificate-pins';
import { loadOrCreateRelayCertificate, type RelayCertificate } from '../../main/relay-certificate';
import type { GenericFeed } from '../../main/update-policy';
import { TICK_MS, UPDATER_SESSION_PARTITION, type Updater, Updates } from '../../main/updates';

const FEED: GenericFeed = { provider: 'generic', url: 'https://relay.clinic.example:8787/downloads/' };

/** What the fake's next check answers: an update to `version`, or nothing newer. */
function checkResult(version: string | null): UpdateCheckResult | null {
  if (version === null) return null;
  const updateInfo = {
    version,
    files: [],
    path: `Clinic-Consult-${version}.AppImage`,
    sha512: 'x',
    releaseDate: '2026-03-01T10:00:00.000Z',
  };
  return { isUpdateAvailable: true, updateInfo, versionInfo: updateInfo };
}

/** electron-updater's AppUpdater as the glue uses it; downloads finish when the test says (or are cancelled). */
class FakeUpdater extends EventEmitter implements Updater {
  autoDownload = true;
  autoInstallOnAppQuit = false;
  allowDowngrade = true;
  disableDifferentialDownload = false;
  logger: Logger | null = null;
  nextCheck: string | null = null;
  finishDownload: (() => void) | null = null;
  setFeedURL = vi.fn();
  checkForUpdates = vi.fn(async () => checkResult(this.nextCheck));
  quitAndInstall = vi.fn();
  downloadUpdate = vi.fn(
    (token?: CancellationToken) =>
      token?.createPromise<string[]>((resolve) => {
        this.finishDownload = () => resolve(['/cache/Clinic-Consult.AppImage']);
      }) ?? Promise.reject(new Error('no token')),
  );
}

let certificate: RelayCertificate;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clinic-updates-'));
  certificate = await loadOrCreateRelayCertificate(dir);
  return () => rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(options: { now?: () => number } = {}) {
  const updater = new FakeUpdater();
  let verify: unknown = null;
  const updaterSession = {
    setCertificateVerifyProc: vi.fn((proc: unknown) => {
      verify = proc;
    }),
  };
  const pins = new CertificatePins();
  const statuses: UpdateStatus[] = [];
  const updates = new Updates({
    updater,
    newCancellationToken: () => new CancellationToken(),
    updaterSession,
    verifyCertificate: (hostname, pem) => pins.verify(hostname, pem),
    log: { info: () => {}, warn: () => {}, error: () => {} },
    ...options,
  });
  updates.onStatus((status) => void statuses.push(status));
  const verdict = (hostname: string, pem: string): Promise<number> =>
    new Promise((resolve) =>
      (verify as (request: unknown, callback: (code: number) => void) => void)({ hostname, certificate: { data: pem } }, resolve),
    );
  return { updater, updates, pins, statuses, updaterSession, verdict };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the updater, as the app sets it up', () => {
  it('downloads only when told, installs on quit, never goes back a version, and fetches whole files (the relay serves no ranges)', () => {
    const { updater } = setup();
    expect(updater).toMatchObject({
      autoDownload: false,
      autoInstallOnAppQuit: true,
      allowDowngrade: false,
      disableDifferentialDownload: true,
    });
    expect(updater.logger).not.toBeNull();
  });

  it("verifies certificates in electron-updater's own session as the app's pins do: a pinned relay's for its host only", async () => {
    const { updaterSession, pins, verdict } = setup();
    expect(updaterSession.setCertificateVerifyProc).toHaveBeenCalledTimes(1);
    expect(await verdict('relay.clinic.example', certificate.cert)).toBe(VERIFY_DEFAULT); // not pinned yet: Chromium decides
    pins.pin({ host: 'relay.clinic.example', port: 8787 }, certificate.fingerprint);
    expect(await verdict('relay.clinic.example', certificate.cert)).toBe(VERIFY_TRUST);
    expect(await verdict('elsewhere.example', certificate.cert)).toBe(VERIFY_DEFAULT);
  });

  it("names the same session partition electron-updater's HTTP uses", () => {
    expect(UPDATER_SESSION_PARTITION).toBe(NET_SESSION_NAME);
  });

  it('is loaded the way index.ts loads it (an ES import of the CommonJS package: its default export)', () => {
    expect(typeof electronUpdater.CancellationToken).toBe('function');
    // A getter that builds the platform's updater on first use (with Electron's app): not touched here.
    expect(Object.getOwnPropertyDescriptor(electronUpdater, 'autoUpdater')?.get).toBeTypeOf('function');
  });
});

describe('checking, downloading, restarting', () => {
  it('follows the feed, checks at start, downloads what it found with progress, then may restart into it', async () => {
    const { updater, updates, statuses } = setup();
    updater.nextCheck = '1.2.3';
    updates.start(FEED);
    expect(updater.setFeedURL).toHaveBeenCalledWith(FEED);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(1);
    await settle();
    expect(updater.downloadUpdate).toHaveBeenCalledTimes(1);
    updater.emit('download-progress', { percent: 40.2, total: 100, transferred: 40, delta: 1, bytesPerSecond: 1 });
    expect(updates.restart()).toBe(false); // nothing downloaded yet
    updater.finishDownload?.();
    await settle();
    expect(statuses.map((s) => [s.state, s.version, s.percent])).toEqual([
      ['checking', null, null],
      ['downloading', '1.2.3', 0],
      ['downloading', '1.2.3', 40],
      ['downloaded', '1.2.3', null],
    ]);
    expect(updates.restart()).toBe(true);
    expect(updater.quitAndInstall).toHaveBeenCalledWith(true, true); // silent install, then the new version starts
    updates.stop();
  });

  it('does nothing more when the feed has nothing newer, or the updater is inactive (it answers null)', async () => {
    const { updater, updates } = setup();
    updates.start(null);
    expect(updater.setFeedURL).not.toHaveBeenCalled(); // the build's own feed
    await settle();
    expect(updater.downloadUpdate).not.toHaveBeenCalled();
    expect(updates.status()).toEqual({ state: 'idle', version: null, percent: null, waitingForCall: false });
    updates.stop();
  });

  it('never checks during a consultation: the start inside one waits for its end', async () => {
    const { updater, updates } = setup();
    updates.setInCall(true);
    updates.start(FEED);
    expect(updater.checkForUpdates).not.toHaveBeenCalled();
    expect(updates.status().waitingForCall).toBe(true);
    updates.setInCall(false);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(1);
    updates.stop();
  });

  it('cancels a download when a consultation begins, and starts over when it ends', async () => {
    const { updater, updates } = setup();
    updater.nextCheck = '1.2.3';
    updates.start(FEED);
    await settle();
    const token = updater.downloadUpdate.mock.calls[0]?.[0];
    updates.setInCall(true);
    expect(token?.cancelled).toBe(true);
    await settle();
    expect(updates.status()).toMatchObject({ state: 'idle', waitingForCall: true });
    updates.setInCall(false);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
    await settle();
    expect(updater.downloadUpdate).toHaveBeenCalledTimes(2);
    updates.stop();
  });

  it('refuses to restart during a consultation', async () => {
    const { updater, updates } = setup();
    updater.nextCheck = '1.2.3';
    updates.start(FEED);
    await settle();
    updater.finishDownload?.();
    await settle();
    updates.setInCall(true);
    expect(updates.restart()).toBe(false);
    expect(updater.quitAndInstall).not.toHaveBeenCalled();
    updates.stop();
  });

  it('a failed check moves on (tried again later)', async () => {
    const { updater, updates } = setup();
    updater.checkForUpdates.mockRejectedValueOnce(new Error('net::ERR_CERT_AUTHORITY_INVALID'));
    updates.start(FEED);
    await settle();
    expect(updates.status().state).toBe('idle');
    updates.setFeed({ ...FEED, url: 'https://other.clinic.example/downloads/' });
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
    updates.stop();
  });

  it('a new relay in settings is a new feed, looked at at once; the same one or none changes nothing', async () => {
    const { updater, updates } = setup();
    updates.start(FEED);
    await settle();
    updates.setFeed(FEED);
    updates.setFeed(null);
    expect(updater.setFeedURL).toHaveBeenCalledTimes(1);
    const other: GenericFeed = { provider: 'generic', url: 'https://relay2.clinic.example/downloads/' };
    updates.setFeed(other);
    expect(updater.setFeedURL).toHaveBeenLastCalledWith(other);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
    updates.stop();
  });

  it('a desk left open looks again every few hours, and stops looking once stopped', async () => {
    vi.useFakeTimers();
    let now = 0;
    const { updater, updates } = setup({ now: () => now });
    updates.start(FEED);
    await vi.advanceTimersByTimeAsync(0);
    now = 3 * 3600_000;
    await vi.advanceTimersByTimeAsync(TICK_MS);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(1);
    now = 4 * 3600_000;
    await vi.advanceTimersByTimeAsync(TICK_MS);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
    updates.stop();
    now = 9 * 3600_000;
    await vi.advanceTimersByTimeAsync(TICK_MS * 4);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
  });
});
