/**
 * The bundles the app really runs (npm run build:electron): the main bundle is loaded by Node with
 * `electron` swapped for a recording stand-in (the one thing missing without the binary), and the preload
 * bundle is run the way a sandboxed preload is, with `require('electron')` and nothing else.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS } from '../../contract/ipc';
import { WEBRTC_FIELD_TRIALS } from '../../main/chromium-switches';
import { buildElectron } from '../../scripts/build-electron';

const ROOT = join(import.meta.dirname, '..', '..');
// Inside the repository (gitignored .tmp/) so the bundle's npm imports resolve as they do from dist-electron/.
const WORK = join(ROOT, '.tmp', `build-electron-test-${process.pid}`);
const OUT = join(WORK, 'dist-electron');

const FAKE_ELECTRON = `
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
const report = { schemes: [], sandbox: false, switches: [], protocolClient: [], ipc: [], windows: [], protocolHandlers: [], session: [] };
process.on('exit', () => writeFileSync(process.env.REPORT_FILE, JSON.stringify(report)));
export const app = Object.assign(new EventEmitter(), {
  requestSingleInstanceLock: () => true, quit() {}, exit() {}, enableSandbox() { report.sandbox = true; },
  commandLine: { appendSwitch: (...args) => report.switches.push(args) },
  setAsDefaultProtocolClient: (...args) => { report.protocolClient.push(args); return true; },
  getPath: () => process.env.USER_DATA, getAppPath: () => process.cwd(), getVersion: () => '0.1.0',
  isReady: () => true, whenReady: () => Promise.resolve(),
});
export class BrowserWindow extends EventEmitter {
  constructor(options) { super(); this.webContents = new EventEmitter(); report.windows.push({ options }); }
  loadURL(url) { report.windows.at(-1).url = url; return Promise.resolve(); }
  isDestroyed() { return false; }
  static getAllWindows() { return report.windows; }
}
export const protocol = { registerSchemesAsPrivileged: (schemes) => report.schemes.push(...schemes) };
export const session = { defaultSession: {
  setPermissionRequestHandler: () => report.session.push('request'),
  setPermissionCheckHandler: () => report.session.push('check'),
  setDevicePermissionHandler: () => report.session.push('device'),
  setCertificateVerifyProc: () => report.session.push('verify'),
  setDisplayMediaRequestHandler: () => report.session.push('display-media'),
  protocol: { handle: (scheme) => report.protocolHandlers.push(scheme) },
} };
export const ipcMain = { handle: (channel) => report.ipc.push(channel), removeHandler() {} };
export const dialog = { showMessageBox: async () => ({ response: 0 }) };
export const shell = { openExternal: async () => {} };
export const desktopCapturer = { getSources: async () => [] };
export const systemPreferences = { getMediaAccessStatus: () => 'granted', askForMediaAccess: async () => true };
export class Notification extends EventEmitter { static isSupported() { return true; } show() {} close() {} }
`;
const HOOKS = `
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: new URL('./fake-electron.mjs', import.meta.url).href, shortCircuit: true };
  return next(specifier, context);
}
`;
const REGISTER = `import { register } from 'node:module'; register('./hooks.mjs', import.meta.url);`;

beforeAll(async () => {
  await buildElectron(OUT);
  await mkdir(join(WORK, 'userData'), { recursive: true });
  await writeFile(join(WORK, 'fake-electron.mjs'), FAKE_ELECTRON);
  await writeFile(join(WORK, 'hooks.mjs'), HOOKS);
  await writeFile(join(WORK, 'register.mjs'), REGISTER);
}, 60_000);
afterAll(async () => {
  await rm(WORK, { recursive: true, force: true });
});

describe('main bundle', () => {
  it('starts under Node with electron stood in: scheme, sandbox, handlers, window with the built preload', async () => {
    const reportFile = join(WORK, 'report.json');
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', join(WORK, 'register.mjs'), join(OUT, 'main', 'index.js')],
        { cwd: ROOT, timeout: 20_000, env: { ...process.env, REPORT_FILE: reportFile, USER_DATA: join(WORK, 'userData') } },
        (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
      );
    });
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as {
      schemes: { scheme: string; privileges: Record<string, boolean> }[];
      sandbox: boolean;
      switches: string[][];
      protocolClient: string[][];
      ipc: string[];
      windows: { options: { webPreferences: { preload: string; sandbox: boolean; contextIsolation: boolean } }; url: string }[];
      protocolHandlers: string[];
      session: string[];
    };
    expect(report.schemes).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(report.sandbox).toBe(true);
    expect(report.switches).toEqual([['force-fieldtrials', WEBRTC_FIELD_TRIALS]]);
    expect(report.protocolClient).toEqual([['clinic-consult']]);
    expect(report.ipc.sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(report.session.sort()).toEqual(['check', 'device', 'display-media', 'request', 'verify']);
    expect(report.protocolHandlers).toEqual(['app']);
    expect(report.windows).toHaveLength(1);
    const window = report.windows[0];
    expect(window?.url).toBe('app://clinic/index.html');
    expect(window?.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true });
    // The path main computes from its own location is where the build put the preload.
    expect(window?.options.webPreferences.preload).toBe(join(OUT, 'preload', 'index.cjs'));
    expect(existsSync(window?.options.webPreferences.preload ?? '')).toBe(true);
  }, 30_000);
});

describe('preload bundle', () => {
  it('is CommonJS that requires nothing but electron (a sandboxed preload can load nothing else)', async () => {
    const code = await readFile(join(OUT, 'preload', 'index.cjs'), 'utf8');
    expect([...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('runs in a bare context and exposes window.clinic through contextBridge', async () => {
    const code = await readFile(join(OUT, 'preload', 'index.cjs'), 'utf8');
    const exposed: Record<string, unknown> = {};
    const electron = {
      contextBridge: {
        exposeInMainWorld: (name: string, api: unknown) => {
          exposed[name] = api;
        },
      },
      ipcRenderer: { invoke: async () => [], on: () => undefined },
    };
    const requireOnlyElectron = (name: string): unknown => {
      if (name !== 'electron') throw new Error(`sandboxed preload cannot require ${name}`);
      return electron;
    };
    const module = { exports: {} };
    runInNewContext(code, { require: requireOnlyElectron, module, exports: module.exports, queueMicrotask });
    expect(Object.keys(exposed)).toEqual(['clinic']);
    expect(Object.keys(exposed.clinic as object)).toContain('onJoinLink');
  });
});
