/**
 * npm start: builds the renderer, main and preload, then launches the desktop app. Where the Electron
 * binary cannot run (never downloaded, does not execute, no display, root on Linux) it starts browser mode
 * instead (scripts/browser-mode.ts) and says so, with the reason.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBrowserMode } from './browser-mode';
import { buildElectron } from './build-electron';
import { type ElectronBinary, locateElectronBinary, type ProbeResult, planStart, probeBlocker } from './electron-binary';
import { runCommand } from './system-commands';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const GET_ELECTRON_HINT =
  'For the desktop app: npx install-electron on a machine with internet access, ' +
  'or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron 45.';

function findBinary(): ElectronBinary {
  let packageDir: string;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { found: false, reason: 'the electron package is not installed (run npm ci)' };
  }
  return locateElectronBinary({ packageDir, env: process.env, platform: process.platform });
}

/** Runs the binary once as plain Node: proves it executes here (architecture, shared libraries) in ~1 s. */
function probeElectron(path: string): Promise<ProbeResult> {
  return new Promise((resolvePromise) => {
    let stderr = '';
    let timedOut = false;
    const child = spawn(path, ['-e', 'process.exit(0)'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 20_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolvePromise({ spawnError: err.message, code: null, signal: null, stderr });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stderr, timedOut });
    });
  });
}

async function main(): Promise<number> {
  const plan = planStart({ binary: findBinary(), platform: process.platform, env: process.env, isRoot: process.getuid?.() === 0 });
  if (plan.mode === 'browser') return runBrowserMode({ root, reason: plan.reason, hint: plan.binaryMissing ? GET_ELECTRON_HINT : null });
  const binary = plan.path;

  const probeReason = probeBlocker(binary, await probeElectron(binary));
  if (probeReason) return runBrowserMode({ root, reason: probeReason, hint: GET_ELECTRON_HINT });

  if ((await runCommand('npm', ['run', 'build:renderer'], root)) !== 0) return 1;
  await buildElectron();
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would turn the app into a plain Node process
  return new Promise((resolvePromise) => {
    const child = spawn(binary, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
    child.on('error', (err) => {
      resolvePromise(runBrowserMode({ root, reason: `${binary} could not be started: ${err.message}` }));
    });
    child.on('exit', (code) => resolvePromise(code ?? 0));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
