/**
 * main/index.ts wired to a fake `electron`: the glue that only the real binary would otherwise run.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { INVOKE_CHANNELS, IpcChannel, IpcEvent } from '../../contract/ipc';
import { chromiumFlags, WEBRTC_FIELD_TRIALS } from '../../main/chromium-switches';
import { loadOrCreateRelayCertificate, type RelayCertificate } from '../../main/relay-certificate';
import { type FakeElectron, FakeWebContents, navigationEvent } from './fake-electron';

const fake: FakeElectron = await vi.hoisted(async () => (await import('./fake-electron')).createFakeElectron());
vi.mock('electron', () => fake.module);
vi.mock('pino', async (importOriginal) => {
  const real = await importOriginal<typeof import('pino')>();
  return { ...real, pino: () => real.pino({ level: 'silent' }) };
});

const APP_FRAME = { senderFrame: { url: 'app://clinic/index.html', parent: null } };
const flush = () => new Promise((resolve) => setTimeout(resolve, 20));
let dir: string;

/** Starts main/index.ts against the fake Electron; `restart` keeps the previous run's folders (userData). */
async function boot(lock = true, restart = false): Promise<void> {
  if (!restart) {
    dir = await mkdtemp(join(tmpdir(), 'clinic-main-'));
    await mkdir(join(dir, 'app', 'renderer', 'dist'), { recursive: true });
    await writeFile(join(dir, 'app', 'renderer', 'dist', 'index.html'), '<!doctype html><title>app</title>');
  }
  fake.reset({ userData: join(dir, 'userData'), appPath: join(dir, 'app') });
  fake.module.app.requestSingleInstanceLock.mockReturnValue(lock);
  vi.resetModules();
  await import('../../main/index');
  // Startup is asynchronous (settings are read first); it is over once the window exists.
  if (lock) await vi.waitFor(() => expect(fake.windows).toHaveLength(1), { timeout: 5000 });
  else await flush();
}

function invoke(channel: string, ...args: unknown[]): Promise<unknown> {
  const handler = fake.ipcHandlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return Promise.resolve(handler(APP_FRAME, ...args));
}

async function quit(): Promise<void> {
  const event = { preventDefault: vi.fn() };
  fake.module.app.emit('before-quit', event);
  expect(event.preventDefault).toHaveBeenCalled();
  await vi.waitFor(() => expect(fake.module.app.quit).toHaveBeenCalled(), { timeout: 5000 });
}

beforeEach(() => {
  vi.spyOn(process, 'argv', 'get').mockReturnValue(['/usr/bin/electron', '.']);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('main process entry', () => {
  it('exits at once when another instance holds the lock', async () => {
    await boot(false);
    expect(fake.module.app.quit).toHaveBeenCalled();
    expect(fake.ipcHandlers.size).toBe(0);
    expect(fake.windows).toHaveLength(0);
  });

  it('registers app:// as a secure standard scheme and enables the sandbox before ready', async () => {
    await boot();
    expect(fake.module.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) },
    ]);
    expect(fake.module.app.enableSandbox).toHaveBeenCalled();
    expect(fake.module.app.setAsDefaultProtocolClient).toHaveBeenCalledWith('clinic-consult');
  });

  it("gives Electron's Chromium the WebRTC field trial the tests' Chromium runs with", async () => {
    await boot();
    expect(fake.module.app.commandLine.appendSwitch).toHaveBeenCalledWith('force-fieldtrials', WEBRTC_FIELD_TRIALS);
    expect(chromiumFlags()).toEqual([`--force-fieldtrials=${WEBRTC_FIELD_TRIALS}`]);
  });

  it('installs the permission handlers and the app:// handler on the session', async () => {
    await boot();
    expect(typeof fake.sessionHandlers.request).toBe('function');
    expect(typeof fake.sessionHandlers.check).toBe('function');
    expect((fake.sessionHandlers.device as () => boolean)()).toBe(false);
    const check = fake.sessionHandlers.check as (wc: null, p: string, origin: string, d: object) => boolean;
    expect(check(null, 'media', 'app://clinic', { isMainFrame: true, mediaType: 'video' })).toBe(true);
    expect(check(null, 'media', 'https://evil.example', { isMainFrame: true, mediaType: 'video' })).toBe(false);
    const response = await fake.protocolHandlers.get('app')?.(new Request('app://clinic/index.html'));
    expect(response?.status).toBe(200);
    expect(response?.headers.get('content-security-policy')).toContain("connect-src 'self' ws://127.0.0.1:8787");
  });

  it('answers the permission request handler through the policy', async () => {
    await boot();
    const request = fake.sessionHandlers.request as (wc: unknown, p: string, cb: (ok: boolean) => void, d: object) => void;
    const answers: boolean[] = [];
    request({}, 'media', (ok) => answers.push(ok), {
      requestingUrl: 'app://clinic/index.html',
      isMainFrame: true,
      mediaTypes: ['video', 'audio'],
    });
    request({}, 'display-capture', (ok) => answers.push(ok), { requestingUrl: 'app://clinic/index.html', isMainFrame: true });
    request({}, 'media', (ok) => answers.push(ok), { requestingUrl: 'https://evil.example/', isMainFrame: true, mediaTypes: ['video'] });
    // On macOS the granted request first waits for the OS prompt (answered by the fake), so it comes last.
    await vi.waitFor(() => expect(answers).toHaveLength(3));
    if (process.platform === 'darwin') answers.push(answers.shift() as boolean);
    expect(answers).toEqual([true, false, false]);
  });

  it('opens one sandboxed window on the app page with the CommonJS preload', async () => {
    await boot();
    expect(fake.windows).toHaveLength(1);
    const window = fake.windows[0];
    expect(window?.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
    });
    expect(String(window?.options.webPreferences?.preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(window?.loadURL).toHaveBeenCalledWith('app://clinic/index.html');
  });

  it('registers a handler for every contract channel', async () => {
    await boot();
    expect([...fake.ipcHandlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(await invoke(IpcChannel.getAppInfo)).toMatchObject({ host: 'electron', appVersion: '0.1.0', platform: process.platform });
  });

  it('saves a diagnostics report where the person chose in a save dialog on the window', async () => {
    await boot();
    const target = join(dir, 'chosen-report');
    fake.module.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: target });
    expect(await invoke(IpcChannel.saveDiagnostics, '{"version":1}')).toEqual({ saved: true, path: `${target}.json` });
    expect(fake.module.dialog.showSaveDialog).toHaveBeenCalledWith(
      fake.windows[0],
      expect.objectContaining({
        defaultPath: expect.stringMatching(/clinic-consult-diagnostics-[\dT-]+Z\.json$/),
        filters: [{ name: 'Diagnostics report (JSON)', extensions: ['json'] }],
      }),
    );
    expect(await readFile(`${target}.json`, 'utf8')).toBe('{"version":1}\n');
    // Cancelled: nothing saved.
    expect(await invoke(IpcChannel.saveDiagnostics, '{"version":1}')).toEqual({ saved: false, path: null });
  });

  it('hardens every web contents: no navigation away, no new windows, https links to the browser', async () => {
    await boot();
    const contents = new FakeWebContents();
    fake.module.app.emit('web-contents-created', {}, contents);
    const away = navigationEvent('https://evil.example/');
    contents.emit('will-navigate', away);
    expect(away.defaultPrevented).toBe(true);
    const inside = navigationEvent('app://clinic/index.html');
    contents.emit('will-navigate', inside);
    expect(inside.defaultPrevented).toBe(false);
    const attach = navigationEvent('');
    contents.emit('will-attach-webview', attach);
    expect(attach.defaultPrevented).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'https://clinic.example/help' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(fake.module.shell.openExternal).toHaveBeenCalled());
    expect(fake.module.shell.openExternal).toHaveBeenCalledTimes(1);
    expect(fake.module.shell.openExternal).toHaveBeenCalledWith('https://clinic.example/help');
  });

  it('delivers a deep link from a second instance, and reloads when its relay is new to the CSP', async () => {
    await boot();
    await fake.protocolHandlers.get('app')?.(new Request('app://clinic/index.html')); // the page has loaded
    fake.module.app.emit(
      'second-instance',
      {},
      ['/opt/clinic', '--flag', 'clinic-consult://join?relay=relay.clinic.example:8443&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX'],
      '/',
    );
    const window = fake.windows[0];
    expect(window?.webContents.reload).toHaveBeenCalledTimes(1);
    await fake.protocolHandlers.get('app')?.(new Request('app://clinic/index.html')); // the reload fetches the page
    expect(await invoke(IpcChannel.takePendingJoinLinks)).toEqual([
      { relayUrl: 'ws://relay.clinic.example:8443/ws', invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX' },
    ]);
    // Listening now: the next link is pushed, and the same relay needs no reload.
    fake.module.app.emit(
      'second-instance',
      {},
      ['x', 'clinic-consult://join?relay=relay.clinic.example:8443&invite=Zq8Wm3Xv7Kp2Lr6Tn1Bc5Yd9Hf4Gj0Es8Au3Oi7Pw2Q'],
      '/',
    );
    expect(window?.webContents.send).toHaveBeenCalledWith('clinic:join-link:arrived', {
      relayUrl: 'ws://relay.clinic.example:8443/ws',
      invite: 'Zq8Wm3Xv7Kp2Lr6Tn1Bc5Yd9Hf4Gj0Es8Au3Oi7Pw2Q',
    });
    expect(window?.webContents.reload).toHaveBeenCalledTimes(1);
  });

  it('refuses a hostile deep link with a message and applies nothing of it', async () => {
    await boot();
    await fake.protocolHandlers.get('app')?.(new Request('app://clinic/index.html'));
    fake.module.app.emit(
      'second-instance',
      {},
      ['x', 'clinic-consult://join?relay=evil.example:1&relay=a.example:1&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX'],
      '/',
    );
    await vi.waitFor(() => expect(fake.module.dialog.showMessageBox).toHaveBeenCalled());
    expect(fake.module.dialog.showMessageBox).toHaveBeenCalledWith(
      fake.windows[0],
      expect.objectContaining({
        message: 'This consultation link cannot be opened.',
        detail: 'The consultation link names its relay twice.',
      }),
    );
    expect(await invoke(IpcChannel.takePendingJoinLinks)).toEqual([]);
    expect(fake.windows[0]?.webContents.reload).not.toHaveBeenCalled();
    const response = await fake.protocolHandlers.get('app')?.(new Request('app://clinic/index.html'));
    expect(response?.headers.get('content-security-policy')).not.toContain('evil.example');
  });

  it('takes macOS open-url links', async () => {
    await boot();
    const event = { preventDefault: vi.fn() };
    fake.module.app.emit('open-url', event, 'clinic-consult://join?relay=10.0.0.5:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX');
    expect(event.preventDefault).toHaveBeenCalled();
    expect(await invoke(IpcChannel.takePendingJoinLinks)).toEqual([
      { relayUrl: 'ws://10.0.0.5:8787/ws', invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX' },
    ]);
  });

  it('handles a link in its own argv at first start (Windows/Linux)', async () => {
    vi.spyOn(process, 'argv', 'get').mockReturnValue([
      '/opt/clinic',
      'clinic-consult://join?relay=10.0.0.5:8787&invite=k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX',
    ]);
    await boot();
    expect(await invoke(IpcChannel.takePendingJoinLinks)).toEqual([
      { relayUrl: 'ws://10.0.0.5:8787/ws', invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX' },
    ]);
  });

  it('persists settings in the user data folder and reloads when the relay changes', async () => {
    await boot();
    await fake.protocolHandlers.get('app')?.(new Request('app://clinic/index.html'));
    const settings = {
      relayUrl: 'wss://relay.clinic.example:8443/ws',
      displayName: 'Dr A',
      cameraId: null,
      microphoneId: null,
      speakerId: null,
    };
    await invoke(IpcChannel.saveSettings, settings);
    await vi.waitFor(() => expect(fake.windows[0]?.webContents.reload).toHaveBeenCalled());
    expect(await invoke(IpcChannel.loadSettings)).toEqual({ settings, warning: null });
    expect(fake.windows[0]?.webContents.reload).toHaveBeenCalledTimes(1);
    const response = await fake.protocolHandlers.get('app')?.(new Request('app://clinic/index.html'));
    expect(response?.headers.get('content-security-policy')).toContain('wss://relay.clinic.example:8443');
  });

  describe("a link's self-signed relay certificate", () => {
    let certificate: RelayCertificate;
    const RELAY = 'wss://192.168.1.5:8787';
    const linkFor = (relay: string, invite = 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX'): string =>
      `clinic-consult://join?relay=${encodeURIComponent(relay)}&invite=${invite}&fp=${certificate.fingerprint.replace(/:/g, '')}`;
    const openLink = (raw: string): void => void fake.module.app.emit('second-instance', {}, ['x', raw], '/');
    /** The session's verify proc, as Chromium calls it: the host name and the certificate it presented. */
    const verdict = (hostname: string): number => {
      const verify = fake.sessionHandlers.verify as (
        request: { hostname: string; certificate: { data: string } },
        callback: (result: number) => void,
      ) => void;
      let result = Number.NaN;
      verify({ hostname, certificate: { data: certificate.cert } }, (value) => (result = value));
      return result;
    };
    const trustRequests = (): unknown[] =>
      (fake.windows[0]?.webContents.send.mock.calls ?? []).filter(([channel]) => channel === IpcEvent.relayTrustRequest).map(([, r]) => r);
    const csp = async (): Promise<string> =>
      (await fake.protocolHandlers.get('app')?.(new Request('app://clinic/index.html')))?.headers.get('content-security-policy') ?? '';

    beforeEach(async () => {
      const relayDir = await mkdtemp(join(tmpdir(), 'clinic-linked-relay-'));
      certificate = await loadOrCreateRelayCertificate(relayDir);
      await rm(relayDir, { recursive: true, force: true });
    });

    it('is trusted for that host only after the person confirms it, and still after a restart', async () => {
      await boot();
      await csp(); // the page has loaded
      expect(verdict('192.168.1.5')).toBe(-3); // unknown: Chromium's own verification, which refuses self-signed
      openLink(linkFor(RELAY));
      await vi.waitFor(() => expect(trustRequests()).toHaveLength(1));
      const [request] = (await invoke(IpcChannel.pendingRelayTrust)) as { id: string }[];
      expect(trustRequests()).toEqual([{ id: request?.id, host: '192.168.1.5', port: 8787, fingerprint: certificate.fingerprint }]);
      // Nothing of the link is applied before the answer: no trust, no join, no CSP entry, nothing written.
      expect(verdict('192.168.1.5')).toBe(-3);
      expect(await invoke(IpcChannel.takePendingJoinLinks)).toEqual([]);
      expect(await csp()).not.toContain('192.168.1.5');
      expect(fake.windows[0]?.webContents.reload).not.toHaveBeenCalled();
      await expect(readFile(join(dir, 'userData', 'trusted-relays.json'), 'utf8')).rejects.toThrow(/ENOENT/);

      expect(await invoke(IpcChannel.answerRelayTrust, request?.id, true)).toBe(true);
      expect(verdict('192.168.1.5')).toBe(0);
      expect(verdict('relay.evil.example')).toBe(-3); // the same certificate on another host: not trusted
      expect(verdict('192.168.1.6')).toBe(-3);
      await vi.waitFor(() => expect(fake.windows[0]?.webContents.reload).toHaveBeenCalledTimes(1)); // the relay is new to the CSP
      expect(await csp()).toContain('wss://192.168.1.5:8787');
      // The page asked for links above, so the link is pushed to it (and waits in main over the reload).
      expect(fake.windows[0]?.webContents.send).toHaveBeenCalledWith(
        IpcEvent.joinLink,
        expect.objectContaining({ relayUrl: 'wss://192.168.1.5:8787/ws', invite: 'k3Jv8yQm2ZxP0aLt5Wn9RbC4uDe7FgHs1Io6JkMqTvX' }),
      );
      await vi.waitFor(async () =>
        expect(JSON.parse(await readFile(join(dir, 'userData', 'trusted-relays.json'), 'utf8'))).toMatchObject({
          version: 2,
          pins: [{ host: '192.168.1.5', port: 8787, fingerprint: certificate.fingerprint }],
        }),
      );
      // Answered once: a second answer is refused, and the next link to the relay needs no question.
      expect(await invoke(IpcChannel.answerRelayTrust, request?.id, false)).toBe(false);
      openLink(linkFor(RELAY, 'Zq8Wm3Xv7Kp2Lr6Tn1Bc5Yd9Hf4Gj0Es8Au3Oi7Pw2Q'));
      await vi.waitFor(() =>
        expect(fake.windows[0]?.webContents.send).toHaveBeenCalledWith(
          IpcEvent.joinLink,
          expect.objectContaining({ relayUrl: 'wss://192.168.1.5:8787/ws', invite: 'Zq8Wm3Xv7Kp2Lr6Tn1Bc5Yd9Hf4Gj0Es8Au3Oi7Pw2Q' }),
        ),
      );
      expect(trustRequests()).toHaveLength(1);

      await boot(true, true); // the app starts again, with no link this time
      expect(verdict('192.168.1.5')).toBe(0);
      expect(verdict('relay.evil.example')).toBe(-3);
      expect(await invoke(IpcChannel.pendingRelayTrust)).toEqual([]);
    });

    it('Cancel trusts nothing and does not follow the link', async () => {
      await boot();
      openLink(linkFor(RELAY));
      await vi.waitFor(async () => expect(await invoke(IpcChannel.pendingRelayTrust)).toHaveLength(1));
      const [request] = (await invoke(IpcChannel.pendingRelayTrust)) as { id: string }[];
      expect(await invoke(IpcChannel.answerRelayTrust, request?.id, false)).toBe(true);
      await flush();
      expect(verdict('192.168.1.5')).toBe(-3);
      expect(await invoke(IpcChannel.takePendingJoinLinks)).toEqual([]);
      expect(await csp()).not.toContain('192.168.1.5');
      expect(await invoke(IpcChannel.answerRelayTrust, request?.id, true)).toBe(false); // too late to change it
      expect(verdict('192.168.1.5')).toBe(-3);
      await expect(readFile(join(dir, 'userData', 'trusted-relays.json'), 'utf8')).rejects.toThrow(/ENOENT/);
    });

    it('a page cannot add trust without a request from main', async () => {
      await boot();
      for (const id of ['2f1c9a4e-7b7d-4c1e-9f5a-0d6e2b1a3c4d', crypto.randomUUID()]) {
        expect(await invoke(IpcChannel.answerRelayTrust, id, true)).toBe(false);
      }
      await expect(invoke(IpcChannel.answerRelayTrust, 'any', true)).rejects.toThrow(/IPC_BAD_ARGUMENTS/);
      openLink(linkFor(RELAY));
      await vi.waitFor(async () => expect(await invoke(IpcChannel.pendingRelayTrust)).toHaveLength(1));
      const handler = fake.ipcHandlers.get(IpcChannel.answerRelayTrust);
      const [request] = (await invoke(IpcChannel.pendingRelayTrust)) as { id: string }[];
      const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } };
      await expect(Promise.resolve(handler?.(foreign, request?.id, true))).rejects.toThrow(/IPC_UNTRUSTED_SENDER/);
      expect(verdict('192.168.1.5')).toBe(-3);
      expect(await invoke(IpcChannel.pendingRelayTrust)).toHaveLength(1); // still waiting for the person
    });

    it("a version 1 pin file (trusted for every host) is read as trust for its link's host only", async () => {
      await boot();
      const v1 = { version: 1, pins: [{ fingerprint: certificate.fingerprint, relayUrl: RELAY, pinnedAt: '2026-11-01T00:00:00.000Z' }] };
      await mkdir(join(dir, 'userData'), { recursive: true });
      await writeFile(join(dir, 'userData', 'trusted-relays.json'), JSON.stringify(v1));
      await boot(true, true);
      expect(verdict('192.168.1.5')).toBe(0);
      expect(verdict('relay.evil.example')).toBe(-3);
      expect(JSON.parse(await readFile(join(dir, 'userData', 'trusted-relays.json'), 'utf8'))).toMatchObject({
        version: 2,
        pins: [{ host: '192.168.1.5', port: 8787 }],
      });
    });
  });

  it('runs the hosted relay from IPC and stops it before quitting', async () => {
    await boot();
    const status = (await invoke(IpcChannel.hostedRelayStart, 0)) as {
      running: boolean;
      port: number;
      certificateFingerprint: string;
      error: string | null;
    };
    expect(status.error).toBeNull();
    expect(status.running).toBe(true);
    expect(status.certificateFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(await invoke(IpcChannel.getDefaultRelayUrl)).toBe(`wss://127.0.0.1:${status.port}/ws`);
    const client = new WebSocket(`wss://127.0.0.1:${status.port}/ws`, { rejectUnauthorized: false });
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    // The window's session trusts exactly this self-signed certificate (pinned) on the relay's own hosts, and no other.
    const presented = (client as unknown as { _socket: TLSSocket })._socket.getPeerCertificate(true).raw;
    const pem = `-----BEGIN CERTIFICATE-----\n${presented.toString('base64')}\n-----END CERTIFICATE-----\n`;
    const verify = fake.sessionHandlers.verify as (
      request: { hostname: string; certificate: { data: string } },
      callback: (result: number) => void,
    ) => void;
    const verdicts: number[] = [];
    for (const hostname of ['127.0.0.1', 'relay.evil.example'])
      verify({ hostname, certificate: { data: pem } }, (result) => verdicts.push(result));
    expect(verdicts).toEqual([0, -3]);
    const closed = new Promise((resolve) => client.once('close', resolve));

    await quit();
    await closed;
    expect(fake.module.app.quit).toHaveBeenCalledTimes(1);
    expect(await invoke(IpcChannel.hostedRelayStatus)).toMatchObject({ running: false });
    // The second before-quit (from that app.quit) goes through.
    const again = { preventDefault: vi.fn() };
    fake.module.app.emit('before-quit', again);
    expect(again.preventDefault).not.toHaveBeenCalled();
  });
});
