/**
 * Finds the Electron executable the way the `electron` package would, but without its side effect: the
 * package's own entry downloads the binary when it is missing, which fails (slowly) on offline machines.
 * And decides, before anything is built, whether the desktop app can run on this machine at all (npm start
 * falls back to browser mode when it cannot, and says why).
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

export interface DesktopFacts {
  binary: ElectronBinary;
  platform: string;
  env: Record<string, string | undefined>;
  isRoot: boolean;
}

export type StartPlan = { mode: 'desktop'; path: string } | { mode: 'browser'; reason: string; binaryMissing: boolean };

/**
 * Desktop app or browser mode, from what is known before trying. macOS and Windows always have a display;
 * elsewhere (Linux, the BSDs) a window needs an X or Wayland display.
 */
export function planStart(facts: DesktopFacts): StartPlan {
  if (!facts.binary.found) return { mode: 'browser', reason: facts.binary.reason, binaryMissing: true };
  const browser = (reason: string): StartPlan => ({ mode: 'browser', reason, binaryMissing: false });
  if (!hasDisplay(facts.platform, facts.env))
    return browser('there is no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set)');
  // Electron exits at once as root on Linux unless its sandbox is turned off, and this app keeps it on.
  if (facts.platform === 'linux' && facts.isRoot)
    return browser('Electron does not run as root with its sandbox on, and the app keeps it on');
  return { mode: 'desktop', path: facts.binary.path };
}

export function hasDisplay(platform: string, env: Record<string, string | undefined>): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** What running the binary once as plain Node (ELECTRON_RUN_AS_NODE=1 … -e 0) gave. */
export interface ProbeResult {
  /** spawn itself failed (ENOENT, EACCES, …). */
  spawnError?: string;
  code: number | null;
  signal: string | null;
  stderr: string;
  timedOut?: boolean;
}

/**
 * A binary that cannot even run as Node (wrong architecture, missing shared libraries such as libnss3,
 * no execute permission) cannot run the app either: the reason, or null when the probe passed.
 */
export function probeBlocker(path: string, probe: ProbeResult): string | null {
  if (probe.spawnError) return `${path} cannot be started: ${probe.spawnError}`;
  if (probe.timedOut) return `${path} did not answer a trial run within its time limit`;
  if (probe.code === 0) return null;
  const detail = probe.stderr
    .split('\n')
    .map((line) => line.trim())
    .find(Boolean);
  const how = probe.signal ? `was killed by ${probe.signal}` : `exits with code ${probe.code}`;
  return `${path} does not run here: it ${how}${detail ? ` (${detail})` : ''}`;
}
