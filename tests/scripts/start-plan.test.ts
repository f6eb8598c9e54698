import { describe, expect, it } from 'vitest';
import { browserModeNotice, planBrowserOpen } from '../../scripts/browser-mode';
import { planStart, probeBlocker } from '../../scripts/electron-binary';

const found = { found: true as const, path: '/repo/node_modules/electron/dist/electron' };
const display = { DISPLAY: ':0' };

describe('planStart', () => {
  it('starts the desktop app where the binary is there, a display is there, and the user is not root', () => {
    expect(planStart({ binary: found, platform: 'linux', env: display, isRoot: false })).toEqual({ mode: 'desktop', path: found.path });
    expect(planStart({ binary: found, platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' }, isRoot: false }).mode).toBe('desktop');
    expect(planStart({ binary: found, platform: 'darwin', env: {}, isRoot: false }).mode).toBe('desktop');
    expect(planStart({ binary: found, platform: 'win32', env: {}, isRoot: false }).mode).toBe('desktop');
  });

  it('falls back to browser mode when the binary was never downloaded, saying so', () => {
    const reason = 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)';
    expect(planStart({ binary: { found: false, reason }, platform: 'linux', env: display, isRoot: false })).toEqual({
      mode: 'browser',
      reason,
      binaryMissing: true,
    });
  });

  it('falls back to browser mode on Linux without a display', () => {
    const plan = planStart({ binary: found, platform: 'linux', env: {}, isRoot: false });
    expect(plan).toMatchObject({ mode: 'browser', binaryMissing: false });
    expect(plan.mode === 'browser' && plan.reason).toContain('DISPLAY');
  });

  it('falls back to browser mode as root on Linux rather than turning the sandbox off', () => {
    const plan = planStart({ binary: found, platform: 'linux', env: display, isRoot: true });
    expect(plan.mode === 'browser' && plan.reason).toContain('root');
  });
});

describe('probeBlocker', () => {
  const path = '/opt/e45/electron';
  it('passes a binary that ran as Node and exited 0', () => {
    expect(probeBlocker(path, { code: 0, signal: null, stderr: '' })).toBeNull();
  });
  it('names the first line of what the binary said when it could not run', () => {
    const stderr = '\n/opt/e45/electron: error while loading shared libraries: libnss3.so: cannot open shared object file\n';
    expect(probeBlocker(path, { code: 127, signal: null, stderr })).toBe(
      `${path} does not run here: it exits with code 127 ` +
        '(/opt/e45/electron: error while loading shared libraries: libnss3.so: cannot open shared object file)',
    );
  });
  it('reports a spawn failure, a signal and a hang', () => {
    expect(probeBlocker(path, { spawnError: 'spawn EACCES', code: null, signal: null, stderr: '' })).toBe(
      `${path} cannot be started: spawn EACCES`,
    );
    expect(probeBlocker(path, { code: null, signal: 'SIGSEGV', stderr: '' })).toBe(`${path} does not run here: it was killed by SIGSEGV`);
    expect(probeBlocker(path, { code: null, signal: 'SIGKILL', stderr: '', timedOut: true })).toContain('did not answer');
  });
});

describe('planBrowserOpen', () => {
  const url = 'http://127.0.0.1:8787/';
  const has = (commands: string[]) => (command: string) => commands.includes(command);

  it('uses xdg-open on Linux only with a display', () => {
    expect(planBrowserOpen(url, { platform: 'linux', env: display, has: has(['xdg-open']) })).toEqual({ command: 'xdg-open', args: [url] });
    expect(planBrowserOpen(url, { platform: 'linux', env: {}, has: has(['xdg-open']) })).toEqual({
      skip: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)',
    });
    expect(planBrowserOpen(url, { platform: 'linux', env: display, has: has([]) })).toEqual({ skip: 'xdg-open is not installed' });
  });

  it("never uses Debian's open (openvt) on Linux; open on macOS, start on Windows", () => {
    expect(planBrowserOpen(url, { platform: 'linux', env: display, has: has(['open']) })).toEqual({ skip: 'xdg-open is not installed' });
    expect(planBrowserOpen(url, { platform: 'darwin', env: {}, has: has(['open']) })).toEqual({ command: 'open', args: [url] });
    expect(planBrowserOpen(url, { platform: 'win32', env: {}, has: has([]) })).toMatchObject({
      command: 'cmd',
      args: ['/c', 'start', '""', url],
    });
  });

  it('opens nothing with BROWSER=none', () => {
    expect(planBrowserOpen(url, { platform: 'darwin', env: { BROWSER: 'none' }, has: has(['open']) })).toEqual({ skip: 'BROWSER=none' });
  });
});

describe('browserModeNotice', () => {
  it('says browser mode, why, where, and how to stop', () => {
    const text = browserModeNotice({
      reason: 'the Electron binary was never downloaded',
      url: 'http://127.0.0.1:8787/',
      signInUrl: 'http://127.0.0.1:8787/?enroll=ABCD-EFGH-JKLM-NPQR-STUV',
      open: { skip: 'BROWSER=none' },
      hint: 'For the desktop app: npx install-electron',
    });
    expect(text).toContain('BROWSER MODE, because the desktop app cannot run here: the Electron binary was never downloaded.');
    expect(text).toContain('Open http://127.0.0.1:8787/ in Chromium or Chrome');
    expect(text).toContain('Ctrl-C stops it');
    expect(text).toContain(
      "Clinician sign-in, one time, for this computer's user (expires in 15 minutes): http://127.0.0.1:8787/?enroll=ABCD",
    );
    expect(text).toContain('Not opening a browser: BROWSER=none.');
    expect(text).toContain('npx install-electron');
  });
  it('says which command opens the browser', () => {
    const text = browserModeNotice({ reason: 'r', url: 'http://x/', open: { command: 'xdg-open', args: ['http://x/'] } });
    expect(text).toContain("Opening it in this computer's browser (xdg-open).");
  });
});
