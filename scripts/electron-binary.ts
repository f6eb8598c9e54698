/**
 * Finds the Electron executable the way the `electron` package would, but without its side effect: the
 * package's own entry downloads the binary when it is missing, which fails (slowly) on offline machines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ElectronBinaryLookup {
  /** Folder of the installed `electron` package. */
  packageDir: string;
  env: Record<string, string | undefined>;
  platform: string;
  exists?: (path: string) => boolean;
  readText?: (path: string) => string | null;
}

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

const DEFAULT_EXECUTABLE: Record<string, string> = {
  linux: 'electron',
  win32: 'electron.exe',
  darwin: 'Electron.app/Contents/MacOS/Electron',
};

export function locateElectronBinary(lookup: ElectronBinaryLookup): ElectronBinary {
  const exists = lookup.exists ?? existsSync;
  const readText = lookup.readText ?? ((path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : null));
  const recorded = readText(join(lookup.packageDir, 'path.txt'))?.trim() || null;
  const executable = recorded ?? DEFAULT_EXECUTABLE[lookup.platform] ?? 'electron';

  const override = lookup.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const path = join(override, executable);
    return exists(path)
      ? { found: true, path }
      : { found: false, reason: `ELECTRON_OVERRIDE_DIST_PATH is set, but ${path} does not exist` };
  }
  if (!recorded) return { found: false, reason: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)' };
  const path = join(lookup.packageDir, 'dist', recorded);
  return exists(path) ? { found: true, path } : { found: false, reason: `${path} is missing` };
}

export function missingElectronMessage(reason: string): string {
  return [
    'Clinic Consult desktop cannot start here: the Electron binary is not available',
    `(${reason}).`,
    '',
    'Use browser mode instead:',
    '  npm run relay',
    '  then open the address it prints (http://127.0.0.1:8787/) in Chromium or Chrome.',
    '',
    'To run the desktop app, install the Electron binary on a machine with internet access',
    '(npx install-electron), or set ELECTRON_OVERRIDE_DIST_PATH to a folder holding an unpacked Electron 45.',
    '',
  ].join('\n');
}
