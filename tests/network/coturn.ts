/**
 * A real coturn (Debian's `turnserver`) in the server namespace, configured the way IT should run it:
 * ephemeral REST credentials only, no CLI, no relaying to private or multicast addresses.
 *
 * Denying private ranges is not only hardening: coturn 4.6.1 tears down a whole allocation when it cannot
 * send to a peer (e.g. the other side's 10.x host candidate), freezing media while ICE still says connected.
 * A denied peer is refused at CreatePermission instead, so that never happens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackChild } from './netns';

export const TURN_PORT = 3478;

export interface Coturn {
  readonly secret: string;
  /** URLs to hand participants: UDP first (preferred), then TCP for networks that block UDP. */
  readonly turnUrls: string[];
  readonly stunUrls: string[];
  /** Everything coturn printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Ranges coturn must never relay to (coturn wants ranges, not CIDR). */
const DENIED_PEERS = [
  '0.0.0.0-0.255.255.255',
  '10.0.0.0-10.255.255.255',
  '100.64.0.0-100.127.255.255',
  '127.0.0.0-127.255.255.255',
  '169.254.0.0-169.254.255.255',
  '172.16.0.0-172.31.255.255',
  '192.168.0.0-192.168.255.255',
];

export function coturnConfig(options: { ip: string; secret: string; dir: string }): string {
  return [
    `listening-ip=${options.ip}`,
    `relay-ip=${options.ip}`,
    `listening-port=${TURN_PORT}`,
    // A small relay port range: what a firewall in front of coturn would open.
    'min-port=49152',
    'max-port=49252',
    'use-auth-secret',
    `static-auth-secret=${options.secret}`,
    'realm=clinic.test',
    'fingerprint',
    'no-cli',
    // TLS (turns: on 5349) needs a certificate; the tests exercise UDP and TCP.
    'no-tls',
    'no-dtls',
    'no-multicast-peers',
    'no-software-attribute',
    'stale-nonce=600',
    'user-quota=12',
    'total-quota=1200',
    ...DENIED_PEERS.map((range) => `denied-peer-ip=${range}`),
    // The simulated internet: each side's relay address and its NAT's public address live here.
    'allowed-peer-ip=198.18.0.0-198.19.255.255',
    // Keep coturn's state in our scratch folder, not /var/lib/turn (absent or shared on CI machines).
    `userdb=${join(options.dir, 'turndb')}`,
    `pidfile=${join(options.dir, 'turnserver.pid')}`,
    'simple-log',
    '',
  ].join('\n');
}

export async function startCoturn(ns: string, ip: string): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'clinic-coturn-'));
  const secret = randomBytes(24).toString('hex');
  const configFile = join(dir, 'turnserver.conf');
  writeFileSync(configFile, coturnConfig({ ip, secret, dir }), { mode: 0o600 });
  // `-c FILE` (not -n, which ignores the file); logs to stdout so we can wait for readiness and keep them.
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'turnserver', '-c', configFile, '--log-file', 'stdout'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitForOutput(child, () => output, /Total (UDP|General) servers|relay .* initialized|IPv4. .*listener opened on : 198/, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`coturn did not start: ${(err as Error).message}\n${output}`);
  }
  return {
    secret,
    turnUrls: [`turn:${ip}:${TURN_PORT}?transport=udp`, `turn:${ip}:${TURN_PORT}?transport=tcp`],
    stunUrls: [`stun:${ip}:${TURN_PORT}`],
    log: () => output,
    stop: async () => {
      await stopChild(child, 3000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `pattern` shows in the output; rejects if the process exits first or time runs out. */
export function waitForOutput(child: ChildProcess, output: () => string, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (pattern.test(output())) done(null);
    };
    const onExit = (code: number | null): void => done(new Error(`exited with ${code} before it was ready`));
    const timer = setTimeout(() => done(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', onExit);
    check();
  });
}

/** SIGTERM, then SIGKILL if it lingers; resolves once the process is gone. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
