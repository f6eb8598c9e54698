/**
 * The relay as IT runs it: the real CLI (`signaling/cli.ts`) as its own process inside the server
 * namespace, serving the web app, with the ICE flags. A separate process so a test can kill it outright
 * (SIGKILL, no goodbye to the clients) and start it again on the same address.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RENDERER_DIST, ROOT } from '../harness/browser';
import { staffAdd } from '../signaling/relay-cli';
import { stopChild, waitForOutput } from './coturn';
import { trackChild } from './netns';

export const RELAY_PORT = 8787;

export interface RelayIce {
  stunUrls?: string[];
  turnUrls?: string[];
  turnSecret?: string | null;
  turnTtlSeconds?: number;
  relayOnly?: boolean;
}

export interface RelayProcess {
  /** http://198.18.0.1:8787 — the page origin both homes open. */
  readonly url: string;
  log(): string;
  /** SIGKILL: the relay vanishes mid-call, as when its machine crashes. */
  kill(): Promise<void>;
  /** Starts it again with the same options (after `kill`). */
  restart(): Promise<void>;
  /** IT's `staff add` on this relay's data folder: a new staff member's one-time enrollment code. */
  staffCode(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startRelayProcess(ns: string, host: string, ice: RelayIce = {}): Promise<RelayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'clinic-relay-'));
  // Off loopback the relay needs the address patients reach it at: the homes open it at this one.
  const args = ['--host', host, '--port', String(RELAY_PORT), '--public-url', `http://${host}:${RELAY_PORT}`, '--static', RENDERER_DIST];
  args.push('--log-level', 'info');
  if (ice.stunUrls?.length) args.push('--stun', ice.stunUrls.join(','));
  if (ice.turnUrls?.length) args.push('--turn', ice.turnUrls.join(','));
  if (ice.turnSecret) {
    // The secret goes in a file, never on the command line (where `ps` shows it to every user).
    const secretFile = join(dir, 'turn-secret');
    writeFileSync(secretFile, ice.turnSecret, { mode: 0o600 });
    args.push('--turn-secret-file', secretFile);
  }
  if (ice.turnTtlSeconds) args.push('--turn-ttl', String(ice.turnTtlSeconds));
  // The secret that signs resume tokens, kept across restarts so a restarted relay honours them (README:
  // --secret-file). Given through its environment twin, which a CLI without the option simply ignores.
  const resumeSecretFile = join(dir, 'resume-secret');
  writeFileSync(resumeSecretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  if (ice.relayOnly) args.push('--relay-only');

  let output = '';
  let child: ChildProcess | null = null;
  const launch = async (): Promise<void> => {
    // Only this launch's output counts as "ready" (the previous run printed the same line).
    const from = output.length;
    // `node --import tsx` rather than `npx tsx`: one process, so the pid we hold is the relay itself.
    const started = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(ROOT, 'signaling/cli.ts'), ...args], {
      cwd: ROOT,
      // Its data folder too, as in production: what closed stays closed across the restart.
      env: { ...process.env, CLINIC_RELAY_SECRET_FILE: resumeSecretFile, CLINIC_RELAY_DATA_DIR: join(dir, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    trackChild(started);
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitForOutput(started, () => output.slice(from), /Clinic Consult relay on http/, 20_000);
    } catch (err) {
      started.kill('SIGKILL');
      throw new Error(`relay did not start: ${(err as Error).message}\n${output}`);
    }
  };
  const current = (): ChildProcess | null => child;
  await launch().catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });

  return {
    url: `http://${host}:${RELAY_PORT}`,
    log: () => output,
    kill: async () => {
      const running = current();
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGKILL');
      await exited;
      output += '\n---- relay killed ----\n';
    },
    restart: launch,
    staffCode: async (name) => (await staffAdd(join(dir, 'data'), name)).code,
    stop: async () => {
      const running = current();
      if (running) await stopChild(running, 3000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
