/**
 * The attack: with the same secret, a restarted relay honoured the resume tokens of the one before, so it
 * reopened consultations that had closed and let back in people who had left. With its data folder, the
 * relay (the real CLI, killed with SIGKILL, started again) remembers both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../ws-client';

const ROOT = resolve(import.meta.dirname, '../../..');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

interface RunningRelay {
  wsUrl: string;
  child: ChildProcess;
}

async function startCli(dir: string, withDataDir: boolean): Promise<RunningRelay> {
  const args = ['--import', 'tsx', join(ROOT, 'signaling/cli.ts'), '--port', '0', '--log-level', 'warn'];
  if (withDataDir) args.push('--data-dir', join(dir, 'data'));
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, CLINIC_RELAY_SECRET_FILE: join(dir, 'secret') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => child.kill('SIGKILL'));
  let output = '';
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`relay did not start:\n${output}`)), 30_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Clinic Consult relay on (http:\/\/[^\s]+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      done(match[1]);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => fail(new Error(`relay exited (${code}):\n${output}`)));
  });
  return { wsUrl: `${url.replace('http', 'ws')}/ws`, child };
}

/** A scratch folder holding the secret both relay runs share (the README's --secret-file). */
function folderWithSecret(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clinic-relay-restart-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'secret'), randomBytes(32).toString('hex'), { mode: 0o600 });
  return dir;
}

async function kill(relay: RunningRelay): Promise<void> {
  const exited = new Promise((done) => relay.child.once('exit', done));
  relay.child.kill('SIGKILL');
  await exited;
}

/** Before the restart: one consultation the clinician closed (tokens kept), one patient who left another. */
async function leaveTracesBehind(relay: RunningRelay) {
  const open = (label: string) => TestClient.open(relay.wsUrl, {}, label);
  const closedHost = await open('clinician of the closed consultation');
  closedHost.send({ type: 'create', name: 'Dr. Closed' });
  const closedWelcome = await closedHost.next('welcome');
  const patientOfClosed = await open('patient of the closed consultation');
  patientOfClosed.send({ type: 'join', code: closedWelcome.consultation.code, name: 'Sam' });
  const patientOfClosedWelcome = await patientOfClosed.next('welcome');
  closedHost.send({ type: 'leave' });
  await patientOfClosed.next('consultation-closed');

  const openHost = await open('clinician who stays');
  openHost.send({ type: 'create', name: 'Dr. Open' });
  const openWelcome = await openHost.next('welcome');
  const leaver = await open('patient who leaves');
  leaver.send({ type: 'join', code: openWelcome.consultation.code, name: 'Alex' });
  const leaverWelcome = await leaver.next('welcome');
  leaver.send({ type: 'leave' });
  // The relay has handled the leave once the clinician hears that this patient is gone.
  for (;;) {
    const presence = await openHost.next('presence');
    if (presence.participantId === leaverWelcome.self.participantId && !presence.present) break;
  }
  for (const client of [closedHost, patientOfClosed, openHost, leaver]) client.ws.terminate();
  return {
    closedClinician: closedWelcome.self.resumeToken,
    closedPatient: patientOfClosedWelcome.self.resumeToken,
    stayingClinician: openWelcome.self.resumeToken,
    leftPatient: leaverWelcome.self.resumeToken,
  };
}

async function resumeOutcome(wsUrl: string, token: string): Promise<string> {
  const client = await TestClient.open(wsUrl, {}, 'resuming');
  try {
    client.send({ type: 'resume', resumeToken: token, callId: null });
    const reply = await Promise.race([client.next('welcome').then(() => 'welcomed'), client.nextError().then((e) => e.code)]);
    return reply;
  } finally {
    client.ws.terminate();
  }
}

describe('a restarted relay with its data folder', () => {
  it('never reopens a closed consultation nor lets back in someone who left (SIGKILL, same secret)', { timeout: 90_000 }, async () => {
    const dir = folderWithSecret();

    const first = await startCli(dir, true);
    const tokens = await leaveTracesBehind(first);
    await kill(first);

    const second = await startCli(dir, true);
    expect(await resumeOutcome(second.wsUrl, tokens.closedClinician)).toBe('INVALID_RESUME');
    expect(await resumeOutcome(second.wsUrl, tokens.closedPatient)).toBe('INVALID_RESUME');
    expect(await resumeOutcome(second.wsUrl, tokens.leftPatient)).toBe('INVALID_RESUME');
    // Someone who never left takes their place back, as before.
    expect(await resumeOutcome(second.wsUrl, tokens.stayingClinician)).toBe('welcomed');
  });

  it('without it, the same run lets them back in: the attack the data folder stops', { timeout: 90_000 }, async () => {
    const dir = folderWithSecret();

    const first = await startCli(dir, false);
    const tokens = await leaveTracesBehind(first);
    await kill(first);

    const second = await startCli(dir, false);
    expect(await resumeOutcome(second.wsUrl, tokens.closedPatient)).toBe('welcomed');
  });
});
