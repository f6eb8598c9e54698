/**
 * Thin, synchronous wrappers over `ip` and `iptables`, and the bookkeeping that guarantees cleanup: every
 * namespace and child process made by this run is recorded here and removed at the latest when the process
 * exits, however it exits (a failed test, an uncaught error, Ctrl-C). Synchronous on purpose: an 'exit'
 * handler cannot await.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';

/** Namespaces of this run are `clinicnet<pid>-<role>`: unique per run, and a crashed run's leftovers are recognisable. */
const PREFIX = 'clinicnet';
export const RUN_TAG = `${PREFIX}${process.pid}`;

const namespaces = new Set<string>();
const children = new Set<ChildProcess>();

export function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || String(err)}`);
  }
}

/** `ip -n <ns> ...`, or `ip ...` in the root namespace when ns is null (only ever used to create/delete namespaces). */
export function ip(ns: string | null, ...args: string[]): string {
  return run('ip', ns ? ['-n', ns, ...args] : args);
}

/** Runs a command inside a namespace. */
export function inNs(ns: string, command: string, ...args: string[]): string {
  return run('ip', ['netns', 'exec', ns, command, ...args]);
}

export function iptables(ns: string, ...args: string[]): void {
  // -w: wait for the xtables lock instead of failing when another namespace's rules are being written.
  inNs(ns, 'iptables', '-w', ...args);
}

export function addNamespace(role: string): string {
  const name = `${RUN_TAG}-${role}`;
  ip(null, 'netns', 'add', name);
  namespaces.add(name);
  ip(name, 'link', 'set', 'lo', 'up');
  return name;
}

export function deleteNamespace(name: string): void {
  namespaces.delete(name);
  try {
    ip(null, 'netns', 'del', name);
  } catch {
    // already gone
  }
}

export function listNamespaces(): string[] {
  return run('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** Processes started inside namespaces: killed on cleanup if their owner did not stop them. */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/**
 * Kills every tracked process and deletes every namespace of this run. Deleting a namespace also deletes the
 * veths and bridges inside it, and with them the iptables state that lived there.
 */
export function cleanupAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const name of [...namespaces]) deleteNamespace(name);
}

/** Namespaces left by earlier runs whose process is gone (a SIGKILLed test worker cannot clean up). */
export function sweepStaleNamespaces(): string[] {
  const swept: string[] = [];
  for (const name of listNamespaces()) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!match || Number(match[1]) === process.pid) continue;
    if (isAlive(Number(match[1]))) continue;
    deleteNamespace(name);
    swept.push(name);
  }
  return swept;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let hooked = false;
/** Installs the exit/signal handlers once per process. */
export function cleanupOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', cleanupAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupAll();
      process.kill(process.pid, signal);
    });
  }
}
