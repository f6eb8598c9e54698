/**
 * npm start: builds the renderer, main and preload, then launches the desktop app. Where the Electron
 * binary is missing it stops first, with directions to browser mode instead of a stack trace.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildElectron } from './build-electron';
import { locateElectronBinary, missingElectronMessage } from './electron-binary';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('error', () => resolvePromise(1));
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  let packageDir: string;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    process.stderr.write(missingElectronMessage('the electron package is not installed; run npm install'));
    return 1;
  }
  const binary = locateElectronBinary({ packageDir, env: process.env, platform: process.platform });
  if (!binary.found) {
    process.stderr.write(missingElectronMessage(binary.reason));
    return 1;
  }
  if ((await run('npm', ['run', 'build:renderer'])) !== 0) return 1;
  await buildElectron();
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would turn the app into a plain Node process
  return new Promise((resolvePromise) => {
    const child = spawn(binary.path, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
    child.on('error', (err) => {
      process.stderr.write(missingElectronMessage(`${binary.path} could not be started: ${err.message}`));
      resolvePromise(1);
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
