/**
 * Screen share wired into main/index.ts, against a fake `electron` (the binary cannot run here): the display
 * media handler is installed with Electron's own picker off, the permission handler lets the app's page ask for a
 * screen, desktopCapturer's sources reach the page over the contract's push, and the page's answer (through the
 * IPC handler, as the preload sends it) becomes Electron's callback.
 */
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScreenPickRequest } from '../../contract/bridge';
import { IpcChannel, IpcEvent } from '../../contract/ipc';
import { APP_FRAME, bootMain, type FakeElectron, invokeMain } from './fake-electron';

const fake: FakeElectron = await vi.hoisted(async () => (await import('./fake-electron')).createFakeElectron());
vi.mock('electron', () => fake.module);
vi.mock('pino', async (importOriginal) => {
  const real = await importOriginal<typeof import('pino')>();
  return { ...real, pino: () => real.pino({ level: 'silent' }) };
});

let dir: string;

function invoke(channel: string, ...args: unknown[]): Promise<unknown> {
  return invokeMain(fake, channel, APP_FRAME, ...args);
}

type DisplayHandler = (request: object, callback: (streams: unknown) => void) => void;

function thumbnail() {
  return { isEmpty: () => false, toJPEG: () => Buffer.from([0xff, 0xd8, 0xff]) };
}

beforeEach(() => {
  vi.spyOn(process, 'argv', 'get').mockReturnValue(['/usr/bin/electron', '.']);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('screen share in the desktop app', () => {
  it('installs a display media handler on the app’s session, Electron’s own picker off', async () => {
    dir = await bootMain(fake, 'clinic-main-');
    expect(typeof fake.sessionHandlers.displayMedia).toBe('function');
    expect(fake.sessionHandlers.displayMediaOptions).toEqual({ useSystemPicker: false });
  });

  it('lets the app’s page ask for a screen (video only) through the permission handler', async () => {
    dir = await bootMain(fake, 'clinic-main-');
    const request = fake.sessionHandlers.request as (wc: unknown, p: string, cb: (ok: boolean) => void, d: object) => void;
    const answers: boolean[] = [];
    const page = { requestingUrl: 'app://clinic/index.html', isMainFrame: true };
    request({}, 'display-capture', (ok) => answers.push(ok), { ...page, mediaTypes: ['video'] });
    request({}, 'display-capture', (ok) => answers.push(ok), { ...page, mediaTypes: ['video', 'audio'] });
    request({}, 'display-capture', (ok) => answers.push(ok), { requestingUrl: 'https://evil.example/', mediaTypes: ['video'] });
    expect(answers).toEqual([true, false, false]);
  });

  it('sends the screens and windows to the page, and grants the one the page answers', async () => {
    dir = await bootMain(fake, 'clinic-main-');
    fake.module.desktopCapturer.getSources.mockResolvedValueOnce([
      { id: 'window:7:0', name: 'X-ray viewer', thumbnail: thumbnail() },
      { id: 'screen:1:0', name: 'Entire screen', thumbnail: thumbnail() },
    ]);
    const handler = fake.sessionHandlers.displayMedia as DisplayHandler;
    const granted = new Promise((resolve) =>
      handler(
        {
          frame: { url: 'app://clinic/index.html', parent: null },
          securityOrigin: 'app://clinic',
          videoRequested: true,
          audioRequested: false,
          userGesture: true,
        },
        resolve,
      ),
    );
    const send = fake.windows[0]?.webContents.send;
    await vi.waitFor(() => expect(send).toHaveBeenCalledWith(IpcEvent.screenPickRequest, expect.anything()));
    expect(fake.module.desktopCapturer.getSources).toHaveBeenCalledWith({
      types: ['screen', 'window'],
      thumbnailSize: { width: 320, height: 180 },
    });
    const pushed = send?.mock.calls.find(([channel]) => channel === IpcEvent.screenPickRequest)?.[1] as ScreenPickRequest;
    expect(pushed.sources.map((s) => s.name)).toEqual(['Entire screen', 'X-ray viewer']);
    // A page that subscribes late gets it too.
    expect(await invoke(IpcChannel.pendingScreenPicks)).toEqual([pushed]);
    expect(await invoke(IpcChannel.answerScreenPick, pushed.id, 'window:7:0')).toBe(true);
    expect(await granted).toEqual({ video: { id: 'window:7:0', name: 'X-ray viewer' } });
    expect(await invoke(IpcChannel.pendingScreenPicks)).toEqual([]);
  });

  it('refuses a request from anywhere but the app’s page without listing anything', async () => {
    dir = await bootMain(fake, 'clinic-main-');
    const handler = fake.sessionHandlers.displayMedia as DisplayHandler;
    const answer = await new Promise((resolve) =>
      handler(
        { frame: { url: 'https://evil.example/', parent: null }, securityOrigin: 'https://evil.example', videoRequested: true },
        resolve,
      ),
    );
    expect(answer).toBeNull();
    expect(fake.module.desktopCapturer.getSources).not.toHaveBeenCalled();
  });

  it('validates the page’s answer: a malformed source id never reaches main’s picks', async () => {
    dir = await bootMain(fake, 'clinic-main-');
    const handler = fake.ipcHandlers.get(IpcChannel.answerScreenPick);
    await expect(Promise.resolve().then(() => handler?.(APP_FRAME, crypto.randomUUID(), 'file:///etc/passwd'))).rejects.toThrow(
      /IPC_BAD_ARGUMENTS/,
    );
  });
});
