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
import { invite, joinMessage, newDevice, resumeMessage, signIn, type TestDevice, type TestStaff } from '../staff-fixture';
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

/** A patient's device comes in on a new invite from `clinician`; resolves with its welcome. */
async function invitedPatient(wsUrl: string, clinician: TestClient, name: string) {
  const { secret } = await invite(clinician, name);
  const device = await newDevice();
  const patient = await TestClient.open(wsUrl, {}, name);
  patient.send(await joinMessage(patient, device, { secret }, name));
  return { patient, device, welcome: await patient.next('welcome') };
}

/**
 * Before the restart: one consultation the clinician closed (tokens kept), and in another one patient who left
 * and one who stays.
 */
async function leaveTracesBehind(relay: CliRelay, dir: string) {
  const { client: closedHost, staff: closedStaff } = await enrollThroughCli(relay.wsUrl, join(dir, 'data'), 'Dr. Closed');
  closedHost.send({ type: 'create' });
  const closedWelcome = await closedHost.next('welcome');
  const ofClosed = await invitedPatient(relay.wsUrl, closedHost, 'Sam');
  closedHost.send({ type: 'leave' });
  await ofClosed.patient.next('consultation-closed');

  const { client: openHost, staff: stayingStaff } = await enrollThroughCli(relay.wsUrl, join(dir, 'data'), 'Dr. Open');
  openHost.send({ type: 'create' });
  const openWelcome = await openHost.next('welcome');
  const leaver = await invitedPatient(relay.wsUrl, openHost, 'Alex');
  const stayer = await invitedPatient(relay.wsUrl, openHost, 'Kim');
  leaver.patient.send({ type: 'leave' });
  // The relay has handled the leave once the clinician hears that this patient is gone.
  for (;;) {
    const presence = await openHost.next('presence');
    if (presence.participantId === leaver.welcome.self.participantId && !presence.present) break;
  }
  for (const client of [closedHost, ofClosed.patient, openHost, leaver.patient, stayer.patient]) client.ws.terminate();
  return {
    closedStaff,
    stayingStaff,
    closedClinician: closedWelcome.self.resumeToken,
    closedPatient: { token: ofClosed.welcome.self.resumeToken, device: ofClosed.device },
    stayingClinician: openWelcome.self.resumeToken,
    leftPatient: { token: leaver.welcome.self.resumeToken, device: leaver.device },
    stayingPatient: { token: stayer.welcome.self.resumeToken, device: stayer.device },
  };
}

/** 'welcomed as <name>' or the error code a fresh socket gets for resuming `token` (signed in / on a device). */
async function resumeOutcome(wsUrl: string, token: string, as: { staff?: TestStaff; device?: TestDevice } = {}): Promise<string> {
  const client = await TestClient.open(wsUrl, {}, 'resuming');
  try {
    if (as.staff) await signIn(client, as.staff);
    client.send(await resumeMessage(client, token, null, as.device ?? null));
    return await Promise.race([client.next('welcome').then((w) => `welcomed as ${w.self.name}`), client.nextError().then((e) => e.code)]);
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
    const { wsUrl } = second;
    expect(await resumeOutcome(wsUrl, traces.closedClinician, { staff: traces.closedStaff })).toBe('INVALID_RESUME');
    expect(await resumeOutcome(wsUrl, traces.closedPatient.token, { device: traces.closedPatient.device })).toBe('INVALID_RESUME');
    expect(await resumeOutcome(wsUrl, traces.leftPatient.token, { device: traces.leftPatient.device })).toBe('INVALID_RESUME');
    // A token alone (copied, say) takes nothing: a clinician's needs that clinician's sign-in, a patient's its device.
    expect(await resumeOutcome(wsUrl, traces.stayingClinician)).toBe('NOT_SIGNED_IN');
    expect(await resumeOutcome(wsUrl, traces.stayingClinician, { staff: traces.closedStaff })).toBe('NOT_SIGNED_IN');
    expect(await resumeOutcome(wsUrl, traces.stayingPatient.token, { device: traces.leftPatient.device })).toBe('INVALID_RESUME');
    // Their own people come back, under the names the store keeps (tokens carry none).
    expect(await resumeOutcome(wsUrl, traces.stayingClinician, { staff: traces.stayingStaff })).toBe('welcomed as Dr. Open');
    expect(await resumeOutcome(wsUrl, traces.stayingPatient.token, { device: traces.stayingPatient.device })).toBe('welcomed as Kim');
  });
});
