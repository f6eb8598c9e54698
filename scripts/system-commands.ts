/** Running and finding the system's commands, for the npm scripts (npm start, test prerequisites). */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Whether `command` is on PATH, or in the system folders where root's tools live: Debian's `su` without `-`
 * leaves root a PATH without /usr/sbin, where iptables and ip are.
 */
export function commandExists(command: string, path = process.env.PATH ?? ''): boolean {
  const folders = [...path.split(delimiter).filter(Boolean), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  return folders.some((folder) => existsSync(join(folder, command)));
}

/** Runs a command with this terminal; resolves with its exit code (1 when it could not start). */
export function runCommand(command: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('error', () => resolvePromise(1));
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}
