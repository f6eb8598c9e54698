/**
 * The relay as IT runs it, for tests that need a real process: the CLI (`signaling/cli.ts`) started with
 * `node --import tsx` (one process, so SIGKILL kills the relay itself), and its `staff` commands run against
 * the same data folder, as IT would next to a running relay.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createDeviceKey, signChallenge } from '../../signaling/device-auth';
import type { TestStaff } from './staff-fixture';
import { TestClient } from './ws-client';

export const ROOT = resolve(import.meta.dirname, '../..');
const CLI = ['--import', 'tsx', join(ROOT, 'signaling/cli.ts')];

export interface CliRelay {
  readonly wsUrl: string;
  readonly child: ChildProcess;
  /** SIGKILL, and waits for the exit: no goodbye to anyone, as when the machine dies. */
  kill(): Promise<void>;
  /** Everything it printed so far (pino JSON lines at the chosen level, and its banner). */
  output(): string;
}

/** Starts the relay CLI with `args` (plus --port 0) and resolves once it prints its address. */
export async function startCliRelay(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRelay> {
  const child = spawn(process.execPath, [...CLI, '--port', '0', '--log-level', 'warn', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`relay did not start:\n${output}`)), 30_000);
    const check = (): void => {
      const match = /Clinic Consult relay on (http:\/\/[^\s]+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      done(match[1]);
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => fail(new Error(`relay exited (${code}):\n${output}`)));
  });
  return {
    wsUrl: `${url.replace('http', 'ws')}/ws`,
    child,
    output: () => output,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs `clinic-relay staff …` on `dataDir`; resolves with what it printed, rejects on a non-zero exit. */
export async function staffCli(dataDir: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [...CLI, 'staff', ...args, '--data-dir', dataDir], { cwd: ROOT });
  return stdout;
}

/** `clinic-relay staff add NAME`: the new member's id and one-time enrollment code, as printed. */
export async function staffAdd(dataDir: string, name: string): Promise<{ staffId: string; code: string }> {
  const printed = await staffCli(dataDir, 'add', name);
  const staffId = /\((s_[^)]+)\)/.exec(printed)?.[1];
  const code = /enrollment code \([^)]*\): (\S+)/.exec(printed)?.[1];
  if (!staffId || !code) throw new Error(`staff add printed no id or code:\n${printed}`);
  return { staffId, code };
}

/**
 * A staff member added by IT's CLI, whose device then enrolls over the protocol with the printed code:
 * the whole path a clinician's first sign-in takes. The returned client is signed in.
 */
export async function enrollThroughCli(wsUrl: string, dataDir: string, name: string): Promise<{ staff: TestStaff; client: TestClient }> {
  const { staffId, code } = await staffAdd(dataDir, name);
  const client = await TestClient.open(wsUrl, {}, name);
  const key = await createDeviceKey();
  const signature = await signChallenge(key.keyPair.privateKey, 'enroll', client.challenge ?? '');
  client.send({ type: 'enroll', code, publicKey: key.publicKey, signature });
  const signedIn = await client.next('signed-in');
  return { staff: { staffId, name, credentialId: signedIn.credentialId, keyPair: key.keyPair }, client };
}
