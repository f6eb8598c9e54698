/**
 * Arrival notifications through main: main/index.ts booted against the fake `electron`, called on the real IPC
 * channels as the preload calls them. Checks the payload validation, the Notification shown (and replaced,
 * and focusing the window on click) and the badge.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { IpcChannel } from '../../contract/ipc';
import { WINDOWS_APP_USER_MODEL_ID } from '../../main/notifications';
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

beforeEach(async () => {
  vi.spyOn(process, 'argv', 'get').mockReturnValue(['/usr/bin/electron', '.']);
  dir = await bootMain(fake, 'clinic-arrivals-');
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('arrival notifications through main', () => {
  it('shows a silent notification with the page’s words; a newer one replaces it; a click brings the window forward', async () => {
    expect(await invoke(IpcChannel.arrivalsPermission)).toBe('granted');
    expect(
      await invoke(IpcChannel.arrivalsNotify, { title: 'A patient is waiting', body: 'Open Clinic Consult to see the waiting room.' }),
    ).toBe(true);
    const [first] = fake.notifications;
    expect(first?.options).toEqual({ title: 'A patient is waiting', body: 'Open Clinic Consult to see the waiting room.', silent: true });
    expect(first?.shown).toBe(1);

    expect(await invoke(IpcChannel.arrivalsNotify, { title: '2 patients are waiting', body: '' })).toBe(true);
    expect(fake.notifications).toHaveLength(2);
    expect(first?.closed).toBe(true);
    expect(fake.notifications[1]?.shown).toBe(1);

    const window = fake.windows[0];
    expect(window?.focus).not.toHaveBeenCalled();
    fake.notifications[1]?.emit('click');
    expect(window?.focus).toHaveBeenCalledTimes(1);
  });

  it('refuses notices that are not the contract’s shape, before anything is shown', async () => {
    const bad: unknown[][] = [
      [],
      ['A patient is waiting'],
      [{ title: '', body: '' }],
      [{ title: 'A patient is waiting' }],
      [{ title: 'x'.repeat(121), body: '' }],
      [{ title: 'A patient is waiting', body: 'x'.repeat(401) }],
      [{ title: 'A patient is waiting', body: '', icon: '/etc/passwd' }],
      [{ title: 'A patient is waiting', body: '' }, 'extra'],
    ];
    for (const args of bad) {
      await expect(invoke(IpcChannel.arrivalsNotify, ...args), JSON.stringify(args)).rejects.toThrow('[IPC_BAD_ARGUMENTS]');
    }
    expect(fake.notifications).toHaveLength(0);
  });

  it('refuses callers other than the app’s own page', async () => {
    const evil = { senderFrame: { url: 'https://evil.example/', parent: null } };
    await expect(invokeMain(fake, IpcChannel.arrivalsNotify, evil, { title: 'Phishing', body: '' })).rejects.toThrow(
      '[IPC_UNTRUSTED_SENDER]',
    );
    await expect(invokeMain(fake, IpcChannel.arrivalsBadge, evil, 5)).rejects.toThrow('[IPC_UNTRUSTED_SENDER]');
    expect(fake.notifications).toHaveLength(0);
    expect(fake.module.app.setBadgeCount).not.toHaveBeenCalled();
  });

  it('sets the badge to the waiting count; zero clears it and takes the stale notification away', async () => {
    await invoke(IpcChannel.arrivalsNotify, { title: 'A patient is waiting', body: '' });
    expect(await invoke(IpcChannel.arrivalsBadge, 3)).toBeUndefined();
    expect(fake.module.app.setBadgeCount).toHaveBeenLastCalledWith(3);
    expect(fake.notifications[0]?.closed).toBe(false);
    await invoke(IpcChannel.arrivalsBadge, 0);
    expect(fake.module.app.setBadgeCount).toHaveBeenLastCalledWith(0);
    expect(fake.notifications[0]?.closed).toBe(true);
    for (const count of [-1, 1.5, '2', 10_000]) {
      await expect(invoke(IpcChannel.arrivalsBadge, count)).rejects.toThrow('[IPC_BAD_ARGUMENTS]');
    }
    expect(fake.module.app.setBadgeCount).toHaveBeenCalledTimes(2);
  });

  it('says unsupported, and shows nothing, where the OS has no notifications', async () => {
    fake.notificationSupport.supported = false;
    expect(await invoke(IpcChannel.arrivalsPermission)).toBe('unsupported');
    expect(await invoke(IpcChannel.arrivalsNotify, { title: 'A patient is waiting', body: '' })).toBe(false);
    expect(fake.notifications).toHaveLength(0);
  });

  it('uses electron-builder’s appId as the Windows app id (toasts show only under it)', async () => {
    const config = parse(await readFile(join(import.meta.dirname, '../../electron-builder.yml'), 'utf8')) as { appId?: string };
    expect(WINDOWS_APP_USER_MODEL_ID).toBe(config.appId);
    // Set only on Windows, where it matters (this machine is not).
    expect(fake.module.app.setAppUserModelId).toHaveBeenCalledTimes(process.platform === 'win32' ? 1 : 0);
  });
});
