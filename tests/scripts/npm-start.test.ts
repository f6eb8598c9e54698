/**
 * npm start where the Electron binary is missing: it must serve the app in browser mode by itself, print the
 * address and why, answer with the app's page, and stop cleanly on Ctrl-C (SIGINT to its process group,
 * as a terminal sends it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

let child: ChildProcess | null = null;
/** The relay's data folder for this run (never the repository's own relay-data). */
const dataDir = mkdtempSync(join(tmpdir(), 'clinic-npm-start-'));

afterEach(() => {
  if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  child = null;
  rmSync(dataDir, { recursive: true, force: true });
});

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolvePromise) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolvePromise(proc.exitCode);
    else proc.once('exit', (code) => resolvePromise(code));
  });
}

it('npm start without an Electron binary serves the app in browser mode and says why', { timeout: 90_000 }, async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // A folder that does not exist: "the binary is missing" on any machine, even one that has Electron.
    ELECTRON_OVERRIDE_DIST_PATH: join(ROOT, '.tmp', 'no-electron-here'),
    CLINIC_RELAY_PORT: '0', // any free port: never collide with a relay someone is running on 8787
    CLINIC_RELAY_LOG_LEVEL: 'warn',
    BROWSER: 'none',
    CLINIC_RELAY_DATA_DIR: dataDir,
  };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const proc = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  let output = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });

  const url = await new Promise<string>((resolvePromise, reject) => {
    const check = (): void => {
      const match = /Open (http:\/\/127\.0\.0\.1:\d+\/) in Chromium or Chrome/.exec(output);
      if (match?.[1]) resolvePromise(match[1]);
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (code) => reject(new Error(`npm start exited (${code}) before printing an address:\n${output}`)));
  });

  expect(output).toContain('BROWSER MODE, because the desktop app cannot run here: ELECTRON_OVERRIDE_DIST_PATH is set, but');
  expect(output).toContain('Not opening a browser: BROWSER=none.');
  // The person who ran it is the relay's clinician: a one-time sign-in link for them.
  expect(output).toMatch(
    new RegExp(`Clinician sign-in, one time, .*: ${url.replace(/[.]/g, '\\.')}\\?enroll=[A-Z0-9]{4}(-[A-Z0-9]{4}){4}`),
  );
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('<title>Clinic Consult</title>');

  process.kill(-(proc.pid as number), 'SIGINT');
  const code = await Promise.race([exited(proc), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))]);
  expect(code).not.toBe('hung');
  await expect(fetch(url)).rejects.toThrow();
});
