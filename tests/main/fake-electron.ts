/**
 * A stand-in for the `electron` module, for `vi.mock('electron', ...)`: just enough of app, BrowserWindow,
 * session, protocol, ipcMain, dialog, shell and systemPreferences to drive main/index.ts, recording calls.
 * Glue tests only; every decision is tested on the pure modules directly.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export class FakeWebContents extends EventEmitter {
  send = vi.fn();
  reload = vi.fn();
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
}

/** An Electron-style event for `will-navigate` and friends. */
export function navigationEvent(url: string) {
  return {
    url,
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

/**
 * One fake per test file: vitest caches a mocked module across `vi.resetModules()`, so the objects stay the
 * same and `reset` clears their state between boots.
 */
export function createFakeElectron() {
  const paths = { userData: '', appPath: '' };
  const windows: FakeBrowserWindow[] = [];
  class FakeBrowserWindow extends EventEmitter {
    webContents = new FakeWebContents();
    loadURL = vi.fn(async () => {});
    show = vi.fn();
    focus = vi.fn();
    restore = vi.fn();
    constructor(readonly options: { webPreferences?: Record<string, unknown> }) {
      super();
      windows.push(this);
    }
    isMinimized(): boolean {
      return false;
    }
    isDestroyed(): boolean {
      return false;
    }
    static getAllWindows(): FakeBrowserWindow[] {
      return windows;
    }
  }

  const ipcHandlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  const sessionHandlers: Record<string, unknown> = {};

  const app = Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    exit: vi.fn(),
    enableSandbox: vi.fn(),
    commandLine: { appendSwitch: vi.fn() },
    setAsDefaultProtocolClient: vi.fn(() => true),
    getPath: vi.fn(() => paths.userData),
    getAppPath: () => paths.appPath,
    getVersion: () => '0.1.0',
    isReady: () => true,
    whenReady: () => Promise.resolve(),
  });

  const module = {
    app,
    BrowserWindow: FakeBrowserWindow,
    protocol: { registerSchemesAsPrivileged: vi.fn() },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: unknown) => {
          sessionHandlers.request = handler;
        },
        setPermissionCheckHandler: (handler: unknown) => {
          sessionHandlers.check = handler;
        },
        setDevicePermissionHandler: (handler: unknown) => {
          sessionHandlers.device = handler;
        },
        setCertificateVerifyProc: (handler: unknown) => {
          sessionHandlers.verify = handler;
        },
        protocol: {
          handle: (scheme: string, handler: (request: Request) => Promise<Response>) => void protocolHandlers.set(scheme, handler),
        },
      },
    },
    ipcMain: {
      handle: (channel: string, listener: (event: unknown, ...args: unknown[]) => unknown) => void ipcHandlers.set(channel, listener),
      removeHandler: (channel: string) => void ipcHandlers.delete(channel),
    },
    dialog: {
      showMessageBox: vi.fn(async () => ({ response: 0, checkboxChecked: false })),
      showSaveDialog: vi.fn(async (..._args: unknown[]): Promise<{ canceled: boolean; filePath?: string }> => ({ canceled: true })),
    },
    shell: { openExternal: vi.fn(async () => {}) },
    systemPreferences: {
      getMediaAccessStatus: vi.fn(() => 'granted'),
      askForMediaAccess: vi.fn(async () => true),
    },
  };
  const reset = (next: { userData: string; appPath: string }): void => {
    Object.assign(paths, next);
    windows.length = 0;
    ipcHandlers.clear();
    protocolHandlers.clear();
    for (const key of Object.keys(sessionHandlers)) delete sessionHandlers[key];
    app.removeAllListeners();
    vi.clearAllMocks();
    app.requestSingleInstanceLock.mockReturnValue(true);
    app.setAsDefaultProtocolClient.mockReturnValue(true);
  };
  return { module, windows, ipcHandlers, protocolHandlers, sessionHandlers, reset };
}
export type FakeElectron = ReturnType<typeof createFakeElectron>;
