/**
 * Browser mode for npm start, where the Electron binary cannot run: the same path as `npm run relay` (build
 * the web app, then the relay from signaling/cli.ts serving it), plus the address printed, the system's
 * browser opened when there is one, and one line saying that this is browser mode and why.
 */
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseRelayConfig, type RelayConfig, type ServedRelay, serveRelay } from '../signaling/cli';
import { hostEnrollmentCode } from '../signaling/host-staff';
import { hasDisplay } from './electron-binary';
import { commandExists, runCommand } from './system-commands';

export type OpenPlan = { command: string; args: string[]; verbatim?: boolean } | { skip: string };

export interface OpenFacts {
  platform: string;
  env: Record<string, string | undefined>;
  /** Whether a command exists on PATH. */
  has: (command: string) => boolean;
}

/**
 * How to show `url` in the system's browser, or why not to. Never Debian's `open` (that is openvt): `open`
 * only on macOS, `start` on Windows, `xdg-open` elsewhere and only with a display. BROWSER=none opts out.
 */
export function planBrowserOpen(url: string, facts: OpenFacts): OpenPlan {
  if ((facts.env.BROWSER ?? '').toLowerCase() === 'none') return { skip: 'BROWSER=none' };
  if (facts.platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url], verbatim: true };
  if (facts.platform === 'darwin') return facts.has('open') ? { command: 'open', args: [url] } : { skip: 'there is no `open` command' };
  if (!hasDisplay(facts.platform, facts.env)) return { skip: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  return facts.has('xdg-open') ? { command: 'xdg-open', args: [url] } : { skip: 'xdg-open is not installed' };
}

/** The lines printed once browser mode serves the app. */
export function browserModeNotice(options: {
  reason: string;
  url: string;
  /** The one-time link that signs this computer's user in as the relay's clinician; null when it has none. */
  signInUrl?: string | null;
  open: OpenPlan;
  hint?: string | null;
}): string {
  const lines = [
    '',
    `Clinic Consult is running in BROWSER MODE, because the desktop app cannot run here: ${options.reason}.`,
    `Open ${options.url} in Chromium or Chrome (one window as clinician, one as patient). Ctrl-C stops it.`,
    options.signInUrl
      ? `Clinician sign-in, one time, for this computer's user (expires in 15 minutes): ${options.signInUrl}`
      : 'No clinician sign-in link: the first staff member of this relay was revoked.',
    'command' in options.open
      ? `Opening it in this computer's browser (${options.open.command === 'cmd' ? 'start' : options.open.command}).`
      : `Not opening a browser: ${options.open.skip}.`,
  ];
  if (options.hint) lines.push(options.hint);
  return `${lines.join('\n')}\n\n`;
}

function openInBrowser(plan: OpenPlan): void {
  if (!('command' in plan)) return;
  try {
    const child = spawn(plan.command, plan.args, {
      stdio: 'ignore',
      detached: process.platform !== 'win32',
      windowsVerbatimArguments: plan.verbatim ?? false,
    });
    child.on('error', () => {}); // a browser that does not open is no reason to stop the app
    child.unref();
  } catch {
    // same
  }
}

export interface BrowserModeOptions {
  /** The repository root. */
  root: string;
  /** Why the desktop app cannot run here. */
  reason: string;
  /** How to get the desktop app, when there is something to say. */
  hint?: string | null;
  env?: NodeJS.ProcessEnv;
}

/** Builds the web app, serves it with the relay until Ctrl-C (or SIGTERM), and resolves with the exit code. */
export async function runBrowserMode(options: BrowserModeOptions): Promise<number> {
  const env = options.env ?? process.env;
  process.stdout.write(`npm start: the desktop app cannot run here: ${options.reason}. Starting browser mode instead.\n`);
  if ((await runCommand('npm', ['run', 'build:renderer'], options.root)) !== 0) return 1;

  let config: RelayConfig;
  try {
    config = parseRelayConfig(['--static', join(options.root, 'renderer', 'dist')], env);
  } catch (err) {
    process.stderr.write(`npm start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const logger = pino({ name: 'clinic-relay', level: config.logLevel });
  let served: ServedRelay;
  try {
    served = await serveRelay(config, logger);
  } catch (err) {
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    if (!inUse || env.CLINIC_RELAY_PORT) throw err;
    // The default port is taken (another relay, most likely): any free port will do for browser mode.
    process.stdout.write(`npm start: port ${config.port} is in use; serving on a free port instead.\n`);
    served = await serveRelay({ ...config, port: 0 }, logger);
  }

  const url = `${served.relay.url}/`;
  // Nobody runs IT here: the person who started it is the relay's clinician, and signs in with their own link.
  const code = await hostEnrollmentCode(served.store, userInfo().username, Date.now());
  const signInUrl = code ? `${url}?enroll=${code}` : null;
  const open = planBrowserOpen(signInUrl ?? url, { platform: process.platform, env, has: commandExists });
  process.stdout.write(browserModeNotice({ reason: options.reason, url, signInUrl, open, hint: options.hint ?? null }));
  openInBrowser(open);

  return new Promise((resolvePromise) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.exit(130); // a second Ctrl-C: do not wait any longer
      }
      stopping = true;
      logger.info({ signal }, 'stopping');
      served.close().then(
        () => resolvePromise(0),
        () => resolvePromise(1),
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
