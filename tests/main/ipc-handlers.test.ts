import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, type HostedRelayStatus, MAX_DIAGNOSTICS_JSON_LENGTH } from '../../contract/bridge';
import { INVOKE_CHANNELS, type InvokeHandlers, IpcChannel, IpcErrorCode } from '../../contract/ipc';
import { createInvokeHandlers, ExternalLinkRefused, type MainServices } from '../../main/invoke-handlers';
import { type InvokeEventLike, type IpcMainLike, registerInvokeHandlers } from '../../main/ipc-handlers';
import { RelayTrustRequests } from '../../main/relay-trust';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => unknown;

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  const invoke = async (channel: string, event: InvokeEventLike, ...args: unknown[]) => {
    const listener = handlers.get(channel);
    if (!listener) throw new Error(`no handler for ${channel}`);
    return listener(event, ...args);
  };
  return { ipcMain, handlers, invoke };
}

const appFrame: InvokeEventLike = { senderFrame: { url: 'app://clinic/index.html', parent: null } };
const STOPPED: HostedRelayStatus = { running: false, port: null, lanUrls: [], certificateFingerprint: null, error: null };

function fakeHandlers(): InvokeHandlers {
  const handlers = {} as Record<string, (...args: unknown[]) => unknown>;
  for (const channel of INVOKE_CHANNELS) handlers[channel] = vi.fn(async (...args: unknown[]) => ({ channel, args }));
  return handlers as unknown as InvokeHandlers;
}

describe('registerInvokeHandlers', () => {
  it('registers exactly one handler per contract channel, and removes them all', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const unregister = registerInvokeHandlers(ipcMain, fakeHandlers());
    expect([...handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('runs the handler with validated arguments for the app page', async () => {
    const { ipcMain, invoke } = fakeIpcMain();
    const impl = fakeHandlers();
    registerInvokeHandlers(ipcMain, impl);
    expect(await invoke(IpcChannel.hostedRelayStart, appFrame, 8787)).toEqual({ channel: IpcChannel.hostedRelayStart, args: [8787] });
  });

  it.each([
    ['a foreign page', { senderFrame: { url: 'https://evil.example/', parent: null } }],
    ['an app page inside a subframe', { senderFrame: { url: 'app://clinic/index.html', parent: {} } }],
    ['a frame that is gone', { senderFrame: null }],
    [
      'a destroyed frame that throws on access',
      {
        senderFrame: Object.defineProperty({ parent: null }, 'url', {
          get: () => {
            throw new Error('destroyed');
          },
        }) as InvokeEventLike['senderFrame'],
      },
    ],
  ] as [string, InvokeEventLike][])('refuses %s on every channel before reading arguments', async (_name, event) => {
    const { ipcMain, invoke } = fakeIpcMain();
    const impl = fakeHandlers();
    registerInvokeHandlers(ipcMain, impl);
    for (const channel of INVOKE_CHANNELS) {
      await expect(invoke(channel, event)).rejects.toMatchObject({ code: IpcErrorCode.UNTRUSTED_SENDER });
      expect(impl[channel]).not.toHaveBeenCalled();
    }
  });

  it.each([
    [IpcChannel.hostedRelayStart, ['8787']],
    [IpcChannel.hostedRelayStart, [70000]],
    [IpcChannel.hostedRelayStart, [1.5]],
    [IpcChannel.hostedRelayStart, []],
    [IpcChannel.hostedRelayHostEnrollment, ['code please']],
    [IpcChannel.openExternal, [{ toString: () => 'https://x' }]],
    [IpcChannel.openExternal, ['https://a.example/', 'extra']],
    [IpcChannel.saveSettings, [{ ...DEFAULT_SETTINGS, relayUrl: 'file:///etc/passwd' }]],
    [IpcChannel.saveSettings, [{ displayName: 'no other fields' }]],
    [IpcChannel.getAppInfo, ['unexpected']],
    [IpcChannel.saveDiagnostics, [{ version: 1 }]],
    [IpcChannel.saveDiagnostics, ['x'.repeat(MAX_DIAGNOSTICS_JSON_LENGTH + 1)]],
    [IpcChannel.saveDiagnostics, []],
    [IpcChannel.answerRelayTrust, ['request-1', true]],
    [IpcChannel.answerRelayTrust, ['2f1c9a4e-7b7d-4c1e-9f5a-0d6e2b1a3c4d']],
    [IpcChannel.answerRelayTrust, ['2f1c9a4e-7b7d-4c1e-9f5a-0d6e2b1a3c4d', 'yes']],
    [IpcChannel.answerRelayTrust, ['2f1c9a4e-7b7d-4c1e-9f5a-0d6e2b1a3c4d', true, 'extra']],
    [IpcChannel.pendingRelayTrust, ['all']],
  ] as [string, unknown[]][])('refuses %s with arguments %j', async (channel, args) => {
    const { ipcMain, invoke } = fakeIpcMain();
    const impl = fakeHandlers();
    registerInvokeHandlers(ipcMain, impl);
    const error = await invoke(channel, appFrame, ...args).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: IpcErrorCode.BAD_ARGUMENTS });
    expect((error as Error).message).toMatch(/^\[IPC_BAD_ARGUMENTS\] /);
    expect(impl[channel as keyof InvokeHandlers]).not.toHaveBeenCalled();
  });
});

describe('createInvokeHandlers', () => {
  function services(overrides: Partial<MainServices> = {}): MainServices {
    return {
      appInfo: () => ({ host: 'electron', appVersion: '0.1.0', platform: 'linux', chromeVersion: '140.0.0.0' }),
      defaultRelayUrl: () => 'ws://127.0.0.1:8787/ws',
      discoverRelays: async () => [{ name: 'Clinic Consult relay on relay-01', url: 'wss://relay.clinic.example:8787/ws' }],
      settings: { load: async () => ({ settings: DEFAULT_SETTINGS, warning: null }), save: vi.fn(async () => {}) },
      onSettingsSaved: vi.fn(),
      mediaAccess: {
        read: () => ({ camera: 'unknown', microphone: 'unknown', fixHint: null }),
        request: async () => ({ camera: 'granted', microphone: 'granted', fixHint: null }),
      },
      openExternal: vi.fn(async () => {}),
      takePendingJoinLinks: () => [],
      relayTrust: new RelayTrustRequests(() => true),
      hostedRelay: {
        start: vi.fn(async () => STOPPED),
        stop: vi.fn(async () => STOPPED),
        status: vi.fn(async () => STOPPED),
        hostEnrollment: vi.fn(async () => null),
      },
      chooseDiagnosticsPath: vi.fn(async () => null),
      now: () => new Date('2026-03-01T10:00:00.000Z'),
      ...overrides,
    };
  }

  it('opens only safe https links in the browser', async () => {
    const s = services();
    const handlers = createInvokeHandlers(s);
    await handlers[IpcChannel.openExternal]('https://clinic.example/help');
    expect(s.openExternal).toHaveBeenCalledWith('https://clinic.example/help');
    for (const url of ['http://clinic.example/', 'file:///etc/passwd', 'https://a@evil.example/', 'ms-settings:privacy']) {
      await expect(handlers[IpcChannel.openExternal](url)).rejects.toBeInstanceOf(ExternalLinkRefused);
    }
    expect(s.openExternal).toHaveBeenCalledTimes(1);
  });

  it('tells main about saved settings only after they are stored', async () => {
    const order: string[] = [];
    const s = services({
      settings: { load: async () => ({ settings: DEFAULT_SETTINGS, warning: null }), save: async () => void order.push('saved') },
      onSettingsSaved: () => void order.push('notified'),
    });
    await createInvokeHandlers(s)[IpcChannel.saveSettings](DEFAULT_SETTINGS);
    expect(order).toEqual(['saved', 'notified']);
  });

  it('does not report a save that failed', async () => {
    const s = services({
      settings: {
        load: async () => ({ settings: DEFAULT_SETTINGS, warning: null }),
        save: async () => {
          throw new Error('EACCES');
        },
      },
    });
    await expect(createInvokeHandlers(s)[IpcChannel.saveSettings](DEFAULT_SETTINGS)).rejects.toThrow('EACCES');
    expect(s.onSettingsSaved).not.toHaveBeenCalled();
  });

  it('passes the hosted relay port through', async () => {
    const s = services();
    await createInvokeHandlers(s)[IpcChannel.hostedRelayStart](9000);
    expect(s.hostedRelay.start).toHaveBeenCalledWith(9000);
  });

  it("lists main's pending relay trust requests and passes answers to main, which takes only its own, once", async () => {
    const relayTrust = new RelayTrustRequests(() => false);
    const handlers = createInvokeHandlers(services({ relayTrust }));
    const answered = relayTrust.ask({ host: '192.168.1.5', port: 8787 }, Array(32).fill('AB').join(':'));
    const [request] = await handlers[IpcChannel.pendingRelayTrust]();
    expect(request).toMatchObject({ host: '192.168.1.5', port: 8787 });
    expect(await handlers[IpcChannel.answerRelayTrust]('2f1c9a4e-7b7d-4c1e-9f5a-0d6e2b1a3c4d', true)).toBe(false);
    expect(await handlers[IpcChannel.answerRelayTrust](request?.id ?? '', true)).toBe(true);
    expect(await handlers[IpcChannel.answerRelayTrust](request?.id ?? '', false)).toBe(false);
    expect(await answered).toBe(true);
  });

  describe('saveDiagnostics', () => {
    it('asks where to save under a time-stamped name and writes the report there', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'clinic-diag-'));
      try {
        const chooseDiagnosticsPath = vi.fn(async () => join(dir, 'report'));
        const result = await createInvokeHandlers(services({ chooseDiagnosticsPath }))[IpcChannel.saveDiagnostics]('{"version":1}');
        expect(chooseDiagnosticsPath).toHaveBeenCalledWith('clinic-consult-diagnostics-2026-03-01T10-00-00-000Z.json');
        expect(result).toEqual({ saved: true, path: join(dir, 'report.json') });
        expect(await readFile(join(dir, 'report.json'), 'utf8')).toBe('{"version":1}\n');
        expect((await stat(join(dir, 'report.json'))).mode & 0o777).toBe(0o600);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('reports a cancelled dialog as not saved', async () => {
      expect(await createInvokeHandlers(services())[IpcChannel.saveDiagnostics]('{}')).toEqual({ saved: false, path: null });
    });

    it('refuses text that is not a JSON object before showing any dialog', async () => {
      const s = services();
      for (const text of ['not json', '[1,2]', '"a string"', 'null']) {
        await expect(createInvokeHandlers(s)[IpcChannel.saveDiagnostics](text)).rejects.toMatchObject({ code: 'DIAGNOSTICS_NOT_JSON' });
      }
      expect(s.chooseDiagnosticsPath).not.toHaveBeenCalled();
    });
  });
});
