/**
 * First step of npm test: makes sure the machine has what the suites drive, the way
 * `playwright install --with-deps` does. Debian as root: installs what is missing (Chromium for the browser
 * suites; coturn, iptables and iproute2 for the network suite) with apt-get. Anywhere else, a missing
 * Chromium stops the run at once with the one command to run; the network suite needs root and skips itself,
 * loudly, when it is not (tests/network/preflight.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REQUIRED_TOOLS } from '../tests/network/preflight';
import { commandExists } from './system-commands';

/** Where the browser suites launch Chromium (tests/harness/browser.ts reads the same variable). */
export const DEFAULT_CHROMIUM_PATH = '/usr/lib/chromium/chromium';

export interface PrerequisiteFacts {
  platform: string;
  isRoot: boolean;
  /** Debian's apt-get is there to install with. */
  aptAvailable: boolean;
  /** The Chromium the tests will launch, and whether it came from CHROMIUM_PATH. */
  chromium: { path: string; fromEnv: boolean; present: boolean };
  /** Network suite tools by command name (ip, iptables, turnserver): present or not. */
  tools: Record<string, boolean>;
}

export type PrerequisitePlan =
  | { ok: true; notes: string[] }
  | { install: string[]; notes: string[] }
  /** Stop now: what is missing and the one command that fixes it. */
  | { stop: string };

export function planPrerequisites(facts: PrerequisiteFacts): PrerequisitePlan {
  const linux = facts.platform === 'linux';
  const install: string[] = [];
  const notes: string[] = [];

  if (!facts.chromium.present) {
    const what = `Chromium is missing: the browser tests launch ${facts.chromium.path}`;
    if (facts.chromium.fromEnv) return { stop: `${what} (CHROMIUM_PATH). Point CHROMIUM_PATH at a Chromium or Chrome executable.` };
    if (linux && facts.aptAvailable && facts.isRoot) install.push('chromium');
    else if (linux && facts.aptAvailable) return { stop: `${what}.\nRun: sudo apt-get update && sudo apt-get install -y chromium` };
    else return { stop: `${what}.\nRun: CHROMIUM_PATH=/path/to/chromium-or-chrome npm test` };
  }

  if (linux && facts.isRoot) {
    const missing = Object.keys(facts.tools).filter((tool) => !facts.tools[tool]);
    const packages = missing.map((tool) => REQUIRED_TOOLS[tool] ?? tool);
    if (missing.length > 0 && !facts.aptAvailable) {
      return {
        stop:
          `The network suite (it runs as root) needs ${missing.join(', ')}.\n` +
          `Install ${packages.join(', ')} with this system's package manager, or run npm test as a normal user to skip that suite.`,
      };
    }
    install.push(...packages);
  } else if (linux) {
    notes.push('not root: the network suite (namespaces, NAT, coturn) will be skipped, and say so');
  } else {
    notes.push(`${facts.platform}: the network suite needs Linux and root, and will be skipped`);
  }

  return install.length > 0 ? { install, notes } : { ok: true, notes };
}

/** The apt-get commands for an install plan, in order. */
export function aptCommands(packages: string[]): string[][] {
  return [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', '-qq', ...packages],
  ];
}

// ---- glue ----

export function gatherFacts(env: NodeJS.ProcessEnv = process.env): PrerequisiteFacts {
  const chromiumPath = env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
  const linux = process.platform === 'linux';
  return {
    platform: process.platform,
    isRoot: process.getuid?.() === 0,
    aptAvailable: linux && existsSync('/etc/debian_version') && commandExists('apt-get'),
    chromium: { path: chromiumPath, fromEnv: Boolean(env.CHROMIUM_PATH), present: existsSync(chromiumPath) },
    tools: Object.fromEntries(Object.keys(REQUIRED_TOOLS).map((tool) => [tool, linux && commandExists(tool)])),
  };
}

/** Runs a command quietly; its output is shown only when it fails. */
function runQuietly(argv: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    let output = '';
    const child = spawn(argv[0] as string, argv.slice(1), {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (err) => resolvePromise({ code: 127, output: err.message }));
    child.on('exit', (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

function chromiumVersion(path: string): string {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return result.status === 0 ? result.stdout.trim() : `Chromium at ${path} (--version failed)`;
}

export interface PrerequisiteIo {
  gather: () => PrerequisiteFacts;
  run: (argv: string[]) => Promise<{ code: number; output: string }>;
  log: (line: string) => void;
  /** Prints the Chromium in use (its --version), once everything is in place. */
  describeChromium: (path: string) => string;
}

const PREFIX = 'test prerequisites:';

/** Plans, installs when the plan says so, checks again; resolves with the process exit code. */
export async function ensurePrerequisites(io: PrerequisiteIo): Promise<number> {
  let plan = planPrerequisites(io.gather());
  if ('install' in plan) {
    io.log(`${PREFIX} installing ${plan.install.join(' ')} from Debian (apt-get, as root)…`);
    for (const argv of aptCommands(plan.install)) {
      const result = await io.run(argv);
      if (result.code !== 0) {
        io.log(result.output.trim().split('\n').slice(-20).join('\n'));
        io.log(`${PREFIX} \`${argv.join(' ')}\` failed (exit ${result.code}).`);
        io.log(`Run: apt-get update && apt-get install -y ${plan.install.join(' ')}`);
        return 1;
      }
    }
    plan = planPrerequisites(io.gather());
    if ('install' in plan) {
      io.log(`${PREFIX} still missing after apt-get install: ${plan.install.join(' ')}`);
      return 1;
    }
  }
  if ('stop' in plan) {
    io.log(`${PREFIX} ${plan.stop}`);
    return 1;
  }
  const facts = io.gather();
  const tools = Object.entries(facts.tools)
    .filter(([, present]) => present)
    .map(([tool]) => REQUIRED_TOOLS[tool] ?? tool);
  io.log(`${PREFIX} everything is present: ${io.describeChromium(facts.chromium.path)}${tools.length ? `; ${tools.join(', ')}` : ''}`);
  for (const note of plan.notes) io.log(`${PREFIX} ${note}`);
  return 0;
}

/** The real machine: facts from the file system, apt-get run quietly, lines to stdout. */
export const systemIo: PrerequisiteIo = {
  gather: () => gatherFacts(),
  run: runQuietly,
  log: (line) => process.stdout.write(`${line}\n`),
  describeChromium: (path) => `${chromiumVersion(path)} (${path})`,
};

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  ensurePrerequisites(systemIo).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${PREFIX} ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
