/**
 * The attack: with the same secret, a restarted relay honoured the resume tokens of the one before, so it
 * reopened consultations that had closed and let back in people who had left. With its data folder, the
 * relay (the real CLI, killed with SIGKILL, started again) remembers both.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliRelay, enrollThroughCli, startCliRelay } from '../relay-cli';
import { signIn, type TestStaff } from '../staff-fixture';
import { TestClient } from '../ws-client';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function startCli(dir: string): Promise<CliRelay> {
  const relay = await startCliRelay(['--data-dir', join(dir, 'data')], { CLINIC_RELAY_SECRET_FILE: join(dir, 'secret') });
  cleanups.push(() => relay.child.kill('SIGKILL'));
  return relay;
}

/** A scratch folder holding the secret both relay runs share (the README's --secret-file). */
function folderWithSecret(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clinic-relay-restart-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'secret'), randomBytes(32).toString('hex'), { mode: 0o600 });
  return dir;
}

/** Before the restart: one consultation the clinician closed (tokens kept), one patient who left another. */
async function leaveTracesBehind(relay: CliRelay, dir: string) {
  const open = (label: string) => TestClient.open(relay.wsUrl, {}, label);
  const { client: closedHost, staff: closedStaff } = await enrollThroughCli(relay.wsUrl, join(dir, 'data'), 'Dr. Closed');
  closedHost.send({ type: 'create' });
  const closedWelcome = await closedHost.next('welcome');
  const patientOfClosed = await open('patient of the closed consultation');
  patientOfClosed.send({ type: 'join', code: closedWelcome.consultation.code, name: 'Sam' });
  const patientOfClosedWelcome = await patientOfClosed.next('welcome');
  closedHost.send({ type: 'leave' });
  await patientOfClosed.next('consultation-closed');

  const { client: openHost, staff: stayingStaff } = await enrollThroughCli(relay.wsUrl, join(dir, 'data'), 'Dr. Open');
  openHost.send({ type: 'create' });
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
    closedStaff,
    stayingStaff,
    closedClinician: closedWelcome.self.resumeToken,
    closedPatient: patientOfClosedWelcome.self.resumeToken,
    stayingClinician: openWelcome.self.resumeToken,
    leftPatient: leaverWelcome.self.resumeToken,
  };
}

async function resumeOutcome(wsUrl: string, token: string, as: TestStaff | null = null): Promise<string> {
  const client = await TestClient.open(wsUrl, {}, 'resuming');
  try {
    if (as) await signIn(client, as);
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

    const first = await startCli(dir);
    const traces = await leaveTracesBehind(first, dir);
    await first.kill();

    const second = await startCli(dir);
    expect(await resumeOutcome(second.wsUrl, traces.closedClinician, traces.closedStaff)).toBe('INVALID_RESUME');
    expect(await resumeOutcome(second.wsUrl, traces.closedPatient)).toBe('INVALID_RESUME');
    expect(await resumeOutcome(second.wsUrl, traces.leftPatient)).toBe('INVALID_RESUME');
    // A clinician's token alone (copied, say) takes nothing; signed in as that clinician, the seat comes back.
    expect(await resumeOutcome(second.wsUrl, traces.stayingClinician)).toBe('NOT_SIGNED_IN');
    expect(await resumeOutcome(second.wsUrl, traces.stayingClinician, traces.closedStaff)).toBe('NOT_SIGNED_IN');
    expect(await resumeOutcome(second.wsUrl, traces.stayingClinician, traces.stayingStaff)).toBe('welcomed');
  });
});
