/**
 * The network suite needs root (namespaces, iptables) and three Debian packages. Not root: the suite is
 * skipped, loudly, so nobody mistakes a skip for a pass. Root but a tool missing: that is a broken CI
 * machine, and the suite fails saying what to install.
 */
import { execFileSync } from 'node:child_process';

export const IS_ROOT = process.getuid?.() === 0;

export const REQUIRED_TOOLS: Record<string, string> = { ip: 'iproute2', iptables: 'iptables', turnserver: 'coturn' };

let announced = false;
/** Prints the skip banner once per worker when not root. */
export function announceSkipIfNotRoot(): void {
  if (IS_ROOT || announced) return;
  announced = true;
  const line = '!'.repeat(100);
  process.stderr.write(
    `\n${line}\n!!  NETWORK SUITE SKIPPED: not running as root (uid ${process.getuid?.() ?? '?'}).\n` +
      '!!  NAT, TURN and recovery scenarios were NOT tested. CI runs as root; locally: sudo npx vitest run --project network\n' +
      `${line}\n\n`,
  );
}

/** Throws naming the Debian packages to install when a tool is missing. */
export function assertToolsPresent(): void {
  const missing = Object.entries(REQUIRED_TOOLS).filter(([tool]) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(`network suite needs ${missing.map(([t]) => t).join(', ')}: apt-get install -y ${missing.map(([, p]) => p).join(' ')}`);
  }
}
