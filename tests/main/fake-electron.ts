/**
 * A stand-in for the `electron` module, for `vi.mock('electron', ...)`: just enough of app, BrowserWindow, Notification,
 * session, protocol, ipcMain, dialog, shell and systemPreferences to drive main/index.ts, recording calls.
 * Glue tests only; every decision is tested on the pure modules directly.
 */
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, vi } from 'vitest';

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

  /** Every Notification main made, in order; `supported` is what Notification.isSupported() answers. */
  const notifications: FakeNotification[] = [];
  const notificationSupport = { supported: true };
  class FakeNotification extends EventEmitter {
    shown = 0;
    closed = false;
    constructor(readonly options: { title?: string; body?: string; silent?: boolean }) {
      super();
      notifications.push(this);
    }
    show(): void {
      this.shown += 1;
    }
    close(): void {
      this.closed = true;
    }
    static isSupported(): boolean {
      return notificationSupport.supported;
    }
  }

  const ipcHandlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  const sessionHandlers: Record<string, unknown> = {};
  /** Sessions made with `session.fromPartition`, by partition: the options and the verify proc set on each. */
  const partitions = new Map<string, { options: unknown; verify: unknown }>();

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
    /** An installed build (electron-updater only works in one); false unless a test says otherwise. */
    isPackaged: false,
    isReady: () => true,
    whenReady: () => Promise.resolve(),
    setBadgeCount: vi.fn((_count?: number) => true),
    setAppUserModelId: vi.fn(),
  });

  const module = {
    app,
    BrowserWindow: FakeBrowserWindow,
    Notification: FakeNotification,
    protocol: { registerSchemesAsPrivileged: vi.fn() },
    session: {
      fromPartition: vi.fn((partition: string, options?: unknown) => {
        const entry = partitions.get(partition) ?? { options, verify: null };
        partitions.set(partition, entry);
        return {
          setCertificateVerifyProc: (handler: unknown) => {
            entry.verify = handler;
          },
        };
      }),
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
        setDisplayMediaRequestHandler: (handler: unknown, options?: unknown) => {
          sessionHandlers.displayMedia = handler;
          sessionHandlers.displayMediaOptions = options;
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
    /** Screens and windows for the screen picker (display-media.ts); a test sets what getSources answers. */
    desktopCapturer: { getSources: vi.fn(async (_options?: unknown): Promise<unknown[]> => []) },
    systemPreferences: {
      getMediaAccessStatus: vi.fn(() => 'granted'),
      askForMediaAccess: vi.fn(async () => true),
    },
  };
  const reset = (next: { userData: string; appPath: string }): void => {
    Object.assign(paths, next);
    windows.length = 0;
    notifications.length = 0;
    notificationSupport.supported = true;
    ipcHandlers.clear();
    protocolHandlers.clear();
    for (const key of Object.keys(sessionHandlers)) delete sessionHandlers[key];
    partitions.clear();
    app.isPackaged = false;
    app.removeAllListeners();
    vi.clearAllMocks();
    app.requestSingleInstanceLock.mockReturnValue(true);
    app.setAsDefaultProtocolClient.mockReturnValue(true);
  };
  return { module, windows, ipcHandlers, protocolHandlers, sessionHandlers, notifications, notificationSupport, partitions, reset };
}
export type FakeElectron = ReturnType<typeof createFakeElectron>;

/** The app's own page, top frame: the sender IPC handlers trust. */
export const APP_FRAME = { senderFrame: { url: 'app://clinic/index.html', parent: null } };

/**
 * Boots main/index.ts against `fake` in a fresh app folder under the system's temp dir (returned, for the test
 * to remove), and resolves once the window exists (startup reads settings first).
 */
export async function bootMain(fake: FakeElectron, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(dir, 'app', 'renderer', 'dist'), { recursive: true });
  await writeFile(join(dir, 'app', 'renderer', 'dist', 'index.html'), '<!doctype html><title>app</title>');
  fake.reset({ userData: join(dir, 'userData'), appPath: join(dir, 'app') });
  vi.resetModules();
  await import('../../main/index');
  await vi.waitFor(() => expect(fake.windows).toHaveLength(1), { timeout: 5000 });
  return dir;
}

/** Calls main's handler for `channel` as `sender` would (the app's page by default). */
export function invokeMain(fake: FakeElectron, channel: string, sender: unknown, ...args: unknown[]): Promise<unknown> {
  const handler = fake.ipcHandlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return Promise.resolve().then(() => handler(sender, ...args));
}
